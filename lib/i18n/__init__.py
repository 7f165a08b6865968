"""Translations: gettext catalogs kept as `.po` files in locales/, read with Babel. No Streamlit here: the
operator's pages bind a language through lib/ui/language.py, the phone pages (capture page, sandbox H5 page)
from their own request.

English is the source language: a msgid is the English text, so English needs no catalog and a string
missing from a catalog shows in English, never as a key. Two domains:

- `avatar_desk`: what the operator reads (zh_CN);
- `phone`: what the person reads on their phone (zh_CN and zh_TW), a small catalog of its own so that
  traditional Chinese covers everything the person sees without translating the whole dashboard twice.

Catalogs are read from the `.po` files at first use (once per process, then cached): `read_po` parses the file
and `write_mo` compiles it in memory into a standard `babel.support.Translations`, so there is no build step
and no compiled `.mo` to forget (fuzzy entries are left out, as msgfmt leaves them out). Plurals go through the
catalog's own Plural-Forms (`ngettext`), never through string tricks.

    _ = translator("zh_CN")
    _("Connection")                                        # "连接"
    _.ngettext("{n} person", "{n} people", n).format(n=n)  # "3 人"
    _.pgettext("asset status", "approved")                 # "可用"

Module-level constants are marked with `N_` (found by `pybabel extract`, left in English) and translated
where they are shown: `_(SANDBOX_NOTICE)`.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent.parent / "locales"
DOMAIN = "avatar_desk"  # the operator's dashboard
PHONE = "phone"  # the capture page and the sandbox's H5 page
SOURCE = "en"
# The locales each domain has a catalog for (English is the msgids themselves).
CATALOGS = {DOMAIN: ("zh_CN",), PHONE: ("zh_CN", "zh_TW")}

# The modules whose user-facing strings all go through a translator. tests/test_i18n_extract.py fails when a
# string literal shown by an st.* call in one of them is not wrapped in `_()`; add a module here when it is
# converted (and run scripts/i18n.sh to bring its strings into the catalogs).
CONVERTED_MODULES = (
    "lib/ui/components/sidebar.py",
    "lib/ui/components/key_box.py",
    "lib/ui/components/go_to_step.py",
    "lib/ui/language.py",
    "pages/home.py",
    "pages/verify.py",
    "lib/ui/components/verification_status.py",
    "lib/ui/components/qr_card.py",
    "lib/ui/components/manual_confirm.py",
    "lib/ui/components/link_settings.py",
    "lib/ui/components/reachability_notice.py",
    "lib/ui/components/error_slot.py",
    "lib/ui/unsettled.py",
    "pages/group.py",
    "lib/ui/components/group_label_form.py",
    "lib/ui/components/saved_people_picker.py",
    "lib/ui/components/recover_card.py",
    "lib/ui/components/verify_actions.py",
    "lib/ui/components/phone_capture.py",
    "pages/submit.py",
    "lib/ui/components/asset_input.py",
    "lib/ui/components/asset_editor.py",
    "lib/ui/components/url_probe.py",
    "lib/ui/components/send_button.py",
    "lib/ui/components/send_outcome.py",
    "lib/ui/components/earlier_files.py",
    "lib/ui/components/hosting_guard.py",
    "lib/ui/components/file_drop.py",
    "lib/ui/components/fix_buttons.py",
    "lib/ui/components/media_rows.py",
    "lib/ui/media_words.py",  # takes `_` (English by default)
    "lib/submission_view.py",  # verdict words take `_` (English by default)
    "lib/ui/components/check_table.py",  # its own words and headers; the cells come from lib/submission_view
    "pages/generate.py",
    "lib/ui/components/generate_button.py",
    "lib/ui/components/video_settings.py",
    "lib/ui/components/prompt_box.py",
    "lib/ui/components/reference_list.py",
    "lib/ui/components/reference_picker.py",
    "lib/ui/components/video_cards.py",
    "lib/ui/components/earlier_videos.py",
    "lib/generation.py",  # problems take `_` (English by default)
    "lib/ui/errors.py",  # hints take `_` (English by default)
    "lib/reachability.py",  # lib sentences: functions take `_` (English by default)
    "lib/ui/components/callback_landing.py",  # the person's phone: the `phone` catalogs
    "pages/library.py",
    "lib/ui/components/library_tables.py",  # headers are msgids; the frames keep their English keys
    "lib/ui/components/library_person.py",
    "lib/ui/components/library_exports.py",
    "lib/ui/components/sign_in.py",  # lib/signin.py's reasons and refusals are msgids (N_)
    "pages/review.py",
    "lib/ui/components/review_approved.py",
    "lib/ui/components/review_details.py",
    "lib/ui/components/review_exports.py",
    "lib/ui/components/review_failures.py",  # lib/review.py's reasons and fixes are msgids (N_)
    "lib/ui/components/review_progress.py",
    "lib/ui/components/review_view.py",
    "lib/ui/components/resubmit_form.py",
    "lib/ui/components/asset_tables.py",
    "lib/ui/components/media_hosting.py",
    "lib/ui/components/thumbnails.py",  # captions come from its callers, in their language
    "lib/ui/shell.py",  # page titles through language.page_title
)
# What the person reads on the phone: every shown string is a msgid of the `phone` domain.
PHONE_MODULES = ("lib/media/capture_page.py", "lib/sandbox/h5.py", "lib/ui/components/callback_landing.py")


def N_(message: str) -> str:
    """Marks `message` for extraction without translating it (module-level constants)."""
    return message


class Said(str):
    """An English sentence made in lib (a row's problem, a probe's answer) that remembers its msgid and fields,
    so that a page can say it in the operator's language (`said_in`). It *is* the English text: code and tests
    that compare, join or log it read the English as before.

        problem = Said(N_("{host} names a machine on a local network"), host=host)
        said_in(_, problem)  # "{host} 是本地网络中的机器" with the field filled in
    Fields may be Said themselves (translated too). `n` picks a plural through the catalog (`plural` given)."""

    msgid: str
    fields: dict
    plural: str | None
    n: int | None

    def __new__(cls, msgid: str, plural: str | None = None, n: int | None = None, /, **fields) -> Said:
        english = (msgid if plural is None or n == 1 else plural).format(**({"n": n} | fields))
        said = super().__new__(cls, english)
        said.msgid, said.plural, said.n, said.fields = msgid, plural, n, fields
        return said

    def __getnewargs_ex__(self):  # pickles (and copies) as itself, fields included
        return (self.msgid, self.plural, self.n), self.fields

    @classmethod
    def ngettext(cls, singular: str, plural: str, n: int, /, **fields) -> Said:
        """A counted sentence, marked for extraction as one plural entry (`Said.ngettext(...)`)."""
        return cls(singular, plural, n, **fields)


class SaidList(str):
    """Items joined by `sep` (", " or "; "), each said in the reader's language too (a Said field)."""

    items: tuple
    sep: str

    def __new__(cls, items, sep: str = ", ") -> SaidList:
        items = tuple(items)
        joined = super().__new__(cls, sep.join(items))
        joined.items, joined.sep = items, sep
        return joined

    def __getnewargs__(self):
        return (self.items, self.sep)


N_(", ")  # SaidList's separators, said in each language ("、", "；")
N_("; ")


def said_in(_, text: object) -> object:
    """`text` in `_`'s language when it is a Said (its fields too); anything else as it is."""
    if isinstance(text, SaidList):
        return _(text.sep).join(str(said_in(_, item)) for item in text.items)
    if not isinstance(text, Said):
        return text
    fields = {key: said_in(_, value) for key, value in text.fields.items()}
    if text.plural is not None:
        return _.ngettext(text.msgid, text.plural, text.n).format(**({"n": text.n} | fields))
    return _(text.msgid).format(**fields)


def said_of(error: BaseException) -> str:
    """An exception's message, kept a Said when it was raised with one (str(error) would drop what it knows)."""
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Said) else str(error)


class Translator:
    """gettext bound to one locale and domain: call it like `_`, or use its ngettext/pgettext/npgettext."""

    __slots__ = ("locale", "domain", "_catalog", "gettext", "ngettext", "pgettext", "npgettext")

    def __init__(self, locale: str, domain: str = DOMAIN) -> None:
        self.locale, self.domain = locale, domain
        self._catalog = catalog(locale, domain)
        # Bound methods of the catalog: one attribute lookup per call, nothing else.
        self.gettext = self._catalog.gettext
        self.ngettext = self._catalog.ngettext
        self.pgettext = self._catalog.pgettext
        self.npgettext = self._catalog.npgettext

    def __call__(self, message: str) -> str:
        return self.gettext(message)

    def __repr__(self) -> str:
        return f"Translator({self.locale!r}, {self.domain!r})"


def po_path(locale: str, domain: str = DOMAIN) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def catalog(locale: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalog of `locale` (read once per process); English, or a locale without a catalog,
    gives the msgids themselves."""
    if locale == SOURCE or locale not in CATALOGS.get(domain, ()):
        return gettext.NullTranslations()
    with po_path(locale, domain).open("rb") as po:
        messages = read_po(po, locale=locale, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


@functools.cache
def translator(locale: str, domain: str = DOMAIN) -> Translator:
    """The translator of `locale` ("en", "zh_CN", "zh_TW") in `domain`; one object per pair, made once."""
    return Translator(locale, domain)


def phone_locale(tag: str | None) -> str | None:
    """The phone pages' locale for a language tag ("zh", "zh-CN", "zh-Hans", "zh-Hant", "zh-TW", "zh-HK",
    "en-US", APIMart's `lng` values zh / en / zh-Hant), or None for a language the phone pages do not speak."""
    tag = (tag or "").strip().replace("_", "-").lower()
    if not tag:
        return None
    if tag == "zh" or tag.startswith("zh-"):
        traditional = any(part in ("hant", "tw", "hk", "mo") for part in tag.split("-")[1:])
        return "zh_TW" if traditional else "zh_CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def accept_language(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for *_, tag in sorted(ranked)]
