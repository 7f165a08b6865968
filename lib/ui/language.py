"""The dashboard's language for this browser session, and the translator every converted page uses.

Which language, first match wins:
1. `?lang=zh` or `?lang=en` in the URL (a shared link, a reload, the sidebar switch, which writes it there);
2. the language chosen earlier in this session (a page change or `st.switch_page` drops the URL's query, and
   the next run puts `lang` back);
3. the browser's language (`st.context.locale`, navigator.language): zh-* gives Chinese;
4. English (AppTest and script runs, which have no browser).

Switching is one rerun: the switch's on_change writes the URL and the session, the rerun renders in the new
language. A page binds the translator once per run and calls it for each string:

    from lib.ui.language import translator
    _ = translator()
    st.button(_("Test connection"))

The H5 link's language (Workflow.language: zh, en or zh-Hant) follows the dashboard's until the operator picks
another one under "Link settings" (see `follow_ui`).
"""

from __future__ import annotations

import threading
from datetime import tzinfo

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.i18n import N_, Translator
from lib.i18n import formats as _formats
from lib.i18n import translator as _translator
from lib.ui import when

QUERY_KEY = "lang"
CHOICE_KEY = "avatar_desk__language"  # the language chosen by URL or switch in this session
SWITCH_KEY = "sidebar__language"  # the sidebar's switch
# The dashboard's languages: the URL's value → the catalog's locale, and how the switch names each one (in
# its own language, so that a reader of either finds theirs).
LOCALES = {"zh": "zh_CN", "en": "en"}
NAMES = {"zh": "中文", "en": "English"}
DEFAULT = "en"
# The H5 page's language (APIMart's `lng`) for each dashboard language.
H5_FOR_UI = {"zh": "zh", "en": "en"}
H5_AUTO_KEY = "avatar_desk__h5_language_auto"  # the H5 language last set by following the dashboard
H5_PICKED_KEY = "avatar_desk__h5_language_picked"  # the operator picked one: stop following
H5_WIDGET_KEY = "verify__language"  # the radio under Link settings (lib/ui/components/link_settings.py)

# The navigation's page titles (lib/ui/shell.py's PAGES), translated where the menu is built (page_title).
PAGE_TITLES = (
    N_("Start"),
    N_("1. Verify"),
    N_("2. Group"),
    N_("3. Submit"),
    N_("4. Review"),
    N_("5. Make a video"),
    N_("Library"),
)
SWITCH_LABEL = N_("Language · 语言")  # both, so a reader of either finds the switch


def from_tag(tag: object) -> str | None:
    """"zh" for any Chinese tag (zh, zh-CN, zh-Hant-TW), "en" for any English one, else None."""
    text = str(tag or "").strip().lower().replace("_", "-")
    for lang in LOCALES:
        if text == lang or text.startswith(f"{lang}-"):
            return lang
    return None


# The language found in this script run: pages ask many times per run, and reading st.query_params and
# session_state each time costs ~15 µs. A run is recognised by its ScriptRunContext's `cursors` dict, which
# Streamlit makes anew at the start of every run; thread-local, so nothing outlives the run's thread.
_memo = threading.local()


def current() -> str:
    """"zh" or "en" for this session (see the module's order); found once per script run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return DEFAULT
    memo = getattr(_memo, "run", None)
    if memo is not None and memo[0] is ctx.cursors:
        return memo[1]
    lang = _resolve()
    _memo.run = (ctx.cursors, lang)
    return lang


def _resolve() -> str:
    asked = from_tag(st.query_params.get(QUERY_KEY))
    if asked:
        st.session_state[CHOICE_KEY] = asked
        return asked
    chosen = st.session_state.get(CHOICE_KEY)
    if chosen in LOCALES:
        return chosen
    try:
        browser = st.context.locale
    except Exception:  # no browser context (a bare script run)
        browser = None
    return from_tag(browser) or DEFAULT


def locale() -> str:
    """The catalog locale of this session: "zh_CN" or "en"."""
    return LOCALES[current()]


def translator() -> Translator:
    """The session's translator (`_ = translator()` once per page run)."""
    return _translator(locale())


def page_title(title: str) -> str:
    """A navigation title (English, as lib/ui/shell.py lists it) in this session's language."""
    return translator()(title)


def keep_in_url() -> None:
    """Puts a chosen language back into the URL when a page change dropped it, so that a reload or a copied
    link keeps it. A language that came from the browser alone stays out of the URL."""
    chosen = st.session_state.get(CHOICE_KEY)
    if chosen in LOCALES and st.query_params.get(QUERY_KEY) != chosen:
        st.query_params[QUERY_KEY] = chosen


def _switched() -> None:
    picked = st.session_state.get(SWITCH_KEY)
    if picked in LOCALES:
        st.session_state[CHOICE_KEY] = picked
        st.query_params[QUERY_KEY] = picked
        _memo.run = None  # this run reads the new language


def language_switch() -> None:
    """The sidebar's switch between 中文 and English; its label in both languages."""
    lang = current()
    st.session_state[SWITCH_KEY] = lang  # follows the URL too (set before the widget exists in this run)
    _ = translator()
    st.segmented_control(
        _(SWITCH_LABEL),
        list(LOCALES),
        format_func=NAMES.get,
        key=SWITCH_KEY,
        on_change=_switched,
    )


def follow_ui(wf) -> None:
    """The H5 link's language (Workflow.language) follows the dashboard's, until the operator picks another
    one under Link settings: a pick shows up as a value other than the one set here last."""
    if st.session_state.get(H5_PICKED_KEY):
        return
    last_auto = st.session_state.get(H5_AUTO_KEY)
    if last_auto is not None and wf.language != last_auto:
        st.session_state[H5_PICKED_KEY] = True
        return
    wanted = H5_FOR_UI[current()]
    if wf.language != wanted or last_auto is None:
        wf.language = wanted
        st.session_state[H5_AUTO_KEY] = wanted
        if H5_WIDGET_KEY in st.session_state:
            st.session_state[H5_WIDGET_KEY] = wanted  # the radio shows it too (set before it renders)


# ------------------------------------------------------------------------------ formats, in this session


def _zone(tz: tzinfo | str | None = None) -> tzinfo:
    return when.zone(tz)


def number(value: float) -> str:
    return _formats.number(value, locale())


def date_time(ts: object, tz: tzinfo | str | None = None) -> str:
    """A date and time in the browser's zone (`st.context.timezone`), as the session's locale writes it."""
    return _formats.short_date_time(ts, locale(), _zone(tz))


def clock(ts: object, tz: tzinfo | str | None = None, *, seconds: bool = False) -> str:
    """A moment for sentences in the browser's zone: "14:05" today, else with its day. English keeps
    lib.ui.when.clock's wording ("4 Mar 14:05"); Chinese reads "12月4日 14:05"."""
    if current() == "en":
        return when.clock(ts, tz, seconds=seconds)
    return _formats.moment(ts, locale(), _zone(tz), seconds=seconds)


def relative(seconds: float) -> str:
    return _formats.relative(seconds, locale())


def duration(seconds: float) -> str:
    return _formats.duration(seconds, locale())


def span(seconds: float) -> str:
    """A duration so far, short: English keeps lib.ui.when.span's wording ("40 s", "3 min"); Chinese reads
    Babel's ("3分钟")."""
    if current() == "en":
        return when.span(seconds)
    return _formats.duration(seconds, locale())
