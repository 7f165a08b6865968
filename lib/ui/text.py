"""User and upstream text shown as text inside Streamlit's markdown (bodies, captions, alerts, widget labels).

Streamlit renders those as GitHub-flavoured markdown with LaTeX, emoji, icons and colour directives, and has
no escaping helper of its own: a person's label like `[click](https://evil.example)` would be a live link on
the operator's page. `literal` backslash-escapes markdown's characters (CommonMark shows an escaped punctuation
character as itself): brackets, emphasis, code, LaTeX, HTML, entities, tables, strikethrough, and the `:` and
`/` of Streamlit's `:smile:`, `:material/x:` and `:red[…]`, everywhere; `_` at a word's edge (GFM leaves
task_1 alone); block markers (`-`, `=`, `1.`) at the start. Escapes do not stop what happens to the text after
parsing (GFM links bare `https://…`, `www.…` and `a@b.c`; `->`, `--`, `<=` become arrows and dashes), so an
invisible word joiner goes where those would match; and text is kept on one line, so no line of it can start a
block. Checked in Chromium against the real renderer (tests/browser/test_user_text_and_key.py). `code` puts a value in an
inline code span that its own backticks cannot close. Nothing here stores or logs.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WORD_JOINER = "\u2060"  # invisible and zero-width; not a word character, so it breaks the patterns below
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c\x85]+\s*")
# Where GFM's literal autolinks and Streamlit's typography would match in plain text.
_JOINER_SPOTS = re.compile(
    r"(?<=:)(?=/)"  # https://, javascript:/
    r"|(?<=www)(?=\.)"  # www.
    r"|(?=@)"  # me@example.com
    r"|(?<=[-<>~=])(?=[-<>=])",  # -> <- <-> -- >= <= ~=
    re.IGNORECASE,
)
_ALWAYS = re.compile(r"([\\`*\[\]<>$~|&{}:/#+^])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BLOCK_START = re.compile(r"^([-=]|\d+(?=[.)]))")


def literal(value: object) -> str:
    """`value` as markdown that shows exactly its text (on one line), for use anywhere in a sentence."""
    text = "" if value is None else str(value)
    text = _LINE_BREAKS.sub(" ", text).strip()
    text = _JOINER_SPOTS.sub(WORD_JOINER, text)
    text = _ALWAYS.sub(r"\\\1", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    if match := _BLOCK_START.match(text):
        end = match.end()
        text = f"{text[:end]}\\{text[end:]}" if match.group(1).isdigit() else f"\\{text}"
    return text


def code(value: object) -> str:
    """`value` as an inline code span (ids, task ids) that no backtick inside it can end early."""
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    if not text.strip():
        return literal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def unescape(markdown: str) -> str:
    """Plain text back from `literal`'s output: what the operator sees (for tests and for reading a body)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def web_url(value: object) -> str | None:
    """`value` when it is a plain http(s) URL that may be a link target (an upstream video URL), else None."""
    url = str(value or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>"`\\' for ch in url):
        return None
    return url
