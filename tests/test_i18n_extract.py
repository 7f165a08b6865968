"""Every string a converted page shows goes through the translator, and every marked string is in the catalogs.

1. In each module of lib.i18n.CONVERTED_MODULES, a string literal given to an st.* call as what it shows (the
   first argument of st.button / st.markdown / st.caption …, every argument of st.write, the label=, help=,
   placeholder= … keywords), directly or as part of an f-string, a concatenation or a conditional, must be
   wrapped in `_()` (or a translator's ngettext / pgettext). Strings without a letter (markdown marks,
   separators) are not words. A line may opt out with a `# i18n: keep` comment (the product's name).
2. Babel's own extractor (babel.messages.extract, what `pybabel extract` runs) finds the marked strings of the
   sources scripts/i18n.sh extracts: every one must be in the catalogs, so a new `_("…")` without running the
   script and translating fails here, not on a Chinese screen.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from lib.i18n import CONVERTED_MODULES, DOMAIN, PHONE, PHONE_MODULES, po_path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_SOURCES = (
    "lib/ui",
    "pages",
    "lib/reachability.py",
    "lib/generation.py",
    "lib/submission_view.py",
    "lib/review.py",
    "lib/signin.py",
    "lib/assets.py",
    "lib/netguard.py",
    "lib/probe.py",
    "lib/flow.py",
    "lib/i18n/__init__.py",
    "lib/verification.py",
    "lib/media/rows.py",
)  # as scripts/i18n.sh

# The st.* calls that show text, and the keywords whose value is shown.
SHOWING_CALLS = {
    "button", "download_button", "link_button", "page_link", "form_submit_button", "markdown", "write",
    "caption", "header", "subheader", "title", "text", "info", "warning", "error", "success", "toast",
    "exception", "expander", "popover", "tabs", "spinner", "status", "metric", "checkbox", "toggle", "radio",
    "selectbox", "multiselect", "select_slider", "slider", "text_input", "text_area", "number_input",
    "date_input", "time_input", "file_uploader", "camera_input", "color_picker", "segmented_control", "pills",
    "feedback", "dialog", "chat_input", "Column", "TextColumn", "NumberColumn", "CheckboxColumn",
    "SelectboxColumn", "LinkColumn", "DatetimeColumn", "DateColumn", "TimeColumn", "ListColumn",
    "ImageColumn", "ProgressColumn", "LineChartColumn", "BarChartColumn", "AreaChartColumn", "JsonColumn",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "help", "placeholder", "body", "caption", "text", "title", "value_label"}
ALL_ARGS = {"write", "tabs"}  # every positional argument is shown
NO_POSITIONAL = {"page_link"}  # the first argument is a page, not words
# What counts as wrapped: _("…"), _.ngettext(…), gettext(…), … (the translator's names).
TRANSLATING = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
KEEP = "# i18n: keep"


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_translation(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in TRANSLATING
    if isinstance(func, ast.Attribute):
        if func.attr in ("format", "join", "strip", "capitalize", "upper", "lower"):
            return _is_translation(func.value)
        return func.attr in TRANSLATING and _root_name(func) in TRANSLATING | {"language"}
    return False


# Streamlit's icon and emoji shortcodes and colour directives are not words: `:material/wifi:`, `:tada:`, `:red[`.
SHORTCODES = re.compile(r":material/[a-z0-9_]+:|:[a-z0-9_+-]+:|:[a-z]+\[")


def _has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in SHORTCODES.sub("", text))


def _unmarked(node: ast.AST) -> list[str]:
    """The literal words in `node` that no translator call wraps."""
    if node is None or _is_translation(node):
        return []
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and _has_words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        found = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                found += _unmarked(part)
            elif isinstance(part, ast.FormattedValue):
                found += _unmarked(part.value)
        return found
    if isinstance(node, ast.BinOp):
        return _unmarked(node.left) + _unmarked(node.right)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) + _unmarked(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [w for value in node.values for w in _unmarked(value)]
    if isinstance(node, ast.List | ast.Tuple):
        return [w for element in node.elts for w in _unmarked(element)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _unmarked(node.func.value)  # "literal {x}".format(...)
    return []


def _streamlit_names(tree: ast.AST) -> set[str]:
    """`st` and every name bound to something st.* made (columns, containers, expanders, tabs, forms)."""
    names = {"st"}
    for _pass in range(2):
        for node in ast.walk(tree):
            targets: list[ast.AST] = []
            value = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                targets, value = [node.optional_vars], node.context_expr
            if value is None or _root_name(value) not in names:
                continue
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
    return names


def unmarked_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every shown literal in an st.* call that is not wrapped in a translator call."""
    tree = ast.parse(source)
    lines = source.splitlines()
    names = _streamlit_names(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SHOWING_CALLS or _root_name(node.func) not in names:
            continue
        attr = node.func.attr
        shown = [] if attr in NO_POSITIONAL else list(node.args) if attr in ALL_ARGS else node.args[:1]
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in shown:
            span = lines[arg.lineno - 1 : (arg.end_lineno or arg.lineno)]
            if any(KEEP in line for line in span):
                continue
            found += [(getattr(arg, "lineno", node.lineno), text) for text in _unmarked(arg)]
    return sorted(found, key=lambda item: item[0])


# ---------------------------------------------------------------- the check itself


BAD = '''
import streamlit as st
left, right = st.columns(2)
st.button("Send")
st.markdown(f"**Person**: {name}")
st.caption("Sent " + str(n))
st.text_input(_("Name"), help="Shown to the operator", placeholder="e.g. Lin Wei")
left.info("Not yet" if x else _("Done"))
with st.expander("More") as more:
    more.write("a", _("b"), "c")
st.write("{n} rows".format(n=3))
st.title("Avatar Desk")  # i18n: keep
'''

GOOD = """
import streamlit as st
_ = translator()
st.button(_("Send"), icon=":material/send:", key="x__send")
st.markdown(f"**{_('Person')}**: {literal(name)}")
st.caption(_.ngettext("{n} row", "{n} rows", n).format(n=n))
st.text_input(_("Name"), help=_("Shown"), placeholder="0-100")
st.text_input(_("Key"), placeholder="sk-…")  # i18n: keep
st.markdown("---")
st.caption(f":material/wifi: {body}")
st.write(value)
logger.info("Logs stay English")
st.code(wf.group_id, language=None)
"""


def test_the_check_finds_every_unmarked_string():
    found = unmarked_strings(BAD)
    assert [text for _, text in found] == [
        "Send",
        "**Person**: ",
        "Sent ",
        "Shown to the operator",
        "e.g. Lin Wei",
        "Not yet",
        "More",
        "a",
        "c",
        "{n} rows",
    ]


def test_the_check_passes_marked_strings():
    assert unmarked_strings(GOOD) == []


def test_converted_modules_exist():
    assert len(CONVERTED_MODULES) >= 5
    for module in CONVERTED_MODULES + PHONE_MODULES:
        assert (ROOT / module).is_file(), module


@pytest.mark.parametrize("module", CONVERTED_MODULES)
def test_a_converted_module_shows_no_unmarked_string(module):
    source = (ROOT / module).read_text(encoding="utf-8")
    assert unmarked_strings(source) == [], f"{module}: wrap these in _() and run scripts/i18n.sh"


# ---------------------------------------------------------------- extracted = catalogued


def _catalog_ids(domain: str, locale: str) -> set:
    with po_path(locale, domain).open("rb") as po:
        return {m.id for m in read_po(po) if m.id}


KEYWORDS = dict(DEFAULT_KEYWORDS)  # _, gettext, ngettext, pgettext, npgettext, N_ …


def test_every_string_marked_on_the_dashboard_is_in_the_catalog():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = set()
    for source in DASHBOARD_SOURCES:
        if (ROOT / source).is_file():
            found = extract_from_file("python", ROOT / source, keywords=KEYWORDS)
            extracted.update((context, message) for _line, message, _comments, context in found)
            continue
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / source, method_map=method_map, options_map=options_map, keywords=KEYWORDS
        ):
            extracted.add((context, message))
    catalogued = _catalog_ids(DOMAIN, "zh_CN")
    missing = [message for context, message in extracted if message not in catalogued]
    assert missing == [], "run scripts/i18n.sh, then translate these in locales/zh_CN/LC_MESSAGES/avatar_desk.po"
    assert len(extracted) >= 60


@pytest.mark.parametrize("module", CONVERTED_MODULES)
def test_each_converted_module_has_its_strings_in_the_catalog(module):
    found = {m for _, m, _, _ in extract_from_file("python", ROOT / module, keywords=KEYWORDS)}
    domain = PHONE if module in PHONE_MODULES else DOMAIN
    assert found <= _catalog_ids(domain, "zh_CN")


def test_phone_strings_stay_out_of_the_dashboards_catalog():
    with (ROOT / "locales" / f"{DOMAIN}.pot").open("rb") as pot:
        sources = {path for m in read_po(pot) for path, _ in m.locations}
    assert sources and not sources & set(PHONE_MODULES)


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
def test_every_string_of_the_phone_pages_is_in_their_catalogs(locale):
    extracted = {
        message
        for module in PHONE_MODULES
        for _, message, _, _ in extract_from_file("python", ROOT / module, keywords=KEYWORDS)
    }
    assert len(extracted) >= 30
    assert extracted == _catalog_ids(PHONE, locale)
