"""The H5 page a person opens on the phone, in the language of the link's `lng`: consent, then approve
or fail on the person's behalf (the sandbox has no camera). Plain HTML strings, no state."""

from __future__ import annotations

import html

TEXT = {
    "zh": {
        "title": "实名认证（沙盒）",
        "consent": "我同意为生成数字形象进行人脸核验。",
        "approve": "通过认证",
        "fail": "认证失败",
        "left": "链接剩余 {s} 秒",
        "expired": "链接已失效，请联系发送链接的人获取新链接。",
    },
    "en": {
        "title": "Identity verification (sandbox)",
        "consent": "I consent to a face check for creating my digital avatar.",
        "approve": "Approve",
        "fail": "Fail",
        "left": "This link expires in {s} s",
        "expired": "This link has expired. Ask the person who sent it for a new one.",
    },
    "zh-Hant": {
        "title": "實名認證（沙盒）",
        "consent": "我同意為生成數位形象進行人臉核驗。",
        "approve": "通過認證",
        "fail": "認證失敗",
        "left": "連結剩餘 {s} 秒",
        "expired": "連結已失效，請聯絡發送連結的人取得新連結。",
    },
}
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;background:#f5f5fa}"
    "main{max-width:26rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem}"
    "button{display:block;width:100%;font-size:1.1rem;padding:.9rem;margin:.6rem 0;border:0;border-radius:8px}"
    "#approve{background:#16a34a;color:#fff}#fail{background:#e5e7eb}"
)


def _texts(lng: str) -> dict:
    return TEXT.get(lng, TEXT["zh"])


def _page(lng: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{html.escape(lng)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(_texts(lng)['title'])}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def h5_page(lng: str, token: str, seconds_left: int) -> str:
    t = _texts(lng)
    q = f"?lng={html.escape(lng)}"
    return _page(
        lng,
        f"<h1>{html.escape(t['title'])}</h1><p>{html.escape(t['consent'])}</p>"
        f"<p><small>{html.escape(t['left'].format(s=max(0, seconds_left)))}</small></p>"
        f'<form method="post" action="{html.escape(token)}/approve{q}"><button id="approve" type="submit">{html.escape(t["approve"])}</button></form>'
        f'<form method="post" action="{html.escape(token)}/fail{q}"><button id="fail" type="submit">{html.escape(t["fail"])}</button></form>',
    )


def expired_page(lng: str, state: str) -> str:
    t = _texts(lng)
    return _page(
        lng,
        f'<h1 id="expired">{html.escape(t["expired"])}</h1><p><small>{html.escape(str(state))}</small></p>',
    )
