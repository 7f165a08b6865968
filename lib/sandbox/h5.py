"""The H5 page a person opens on the phone, in the language of the link's `lng` (zh, en, zh-Hant; the words
come from the `phone` catalogs in locales/): consent, then approve or fail on the person's behalf (the
sandbox has no camera). Plain HTML strings, no state."""

from __future__ import annotations

import html

from lib.i18n import N_, PHONE, Translator, phone_locale, translator

# The page's words (the `phone` catalogs, lib/i18n): English msgids, zh_CN and zh_TW translations.
TITLE = N_("Identity verification (sandbox)")
CONSENT = N_("I consent to a face check for creating my digital avatar.")
APPROVE = N_("Approve")
FAIL = N_("Fail")
LEFT = N_("This link expires in {s} s")
EXPIRED = N_("This link has expired. Ask the person who sent it for a new one.")
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;background:#f5f5fa}"
    "main{max-width:26rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem}"
    "button{display:block;width:100%;font-size:1.1rem;padding:.9rem;margin:.6rem 0;border:0;border-radius:8px}"
    "#approve{background:#16a34a;color:#fff}#fail{background:#e5e7eb}"
)


def _texts(lng: str) -> Translator:
    """zh, en or zh-Hant (APIMart's `lng`; other tags read the same way); simplified Chinese otherwise, as
    APIMart's page defaults to it."""
    return translator(phone_locale(lng) or "zh_CN", PHONE)


def _page(lng: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{html.escape(lng)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(_texts(lng)(TITLE))}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def h5_page(lng: str, token: str, seconds_left: int) -> str:
    t = _texts(lng)
    q = f"?lng={html.escape(lng)}"
    return _page(
        lng,
        f"<h1>{html.escape(t(TITLE))}</h1><p>{html.escape(t(CONSENT))}</p>"
        f"<p><small>{html.escape(t(LEFT).format(s=max(0, seconds_left)))}</small></p>"
        f'<form method="post" action="{html.escape(token)}/approve{q}"><button id="approve" type="submit">{html.escape(t(APPROVE))}</button></form>'
        f'<form method="post" action="{html.escape(token)}/fail{q}"><button id="fail" type="submit">{html.escape(t(FAIL))}</button></form>',
    )


def expired_page(lng: str, state: str) -> str:
    t = _texts(lng)
    return _page(
        lng,
        f'<h1 id="expired">{html.escape(t(EXPIRED))}</h1><p><small>{html.escape(str(state))}</small></p>',
    )
