"""A display name from an uploaded file's name: what the operator sees in the tables. It never decides where
or under what key a file is stored (keys are unguessable and made by the intake)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

MAX_CHARS = 64
_MARKUP = re.compile(r"<[^>]*>?")  # tags, and a tag left open at the end
_UNSAFE = set('<>"`\\')  # what could still open markup or an attribute once the tags are gone
_SPACES = re.compile(r"\s+")


def safe_name(filename: str, fallback: str = "photo") -> str:
    """The stem of the file name, tags and control characters removed, spaces squeezed, at most 64
    characters; `fallback` ("photo", or "clip" for a video) when nothing is left."""
    # Tags first ("</b>" holds a slash), then the last path part (a browser may send a whole path).
    name = PureWindowsPath(PurePosixPath(_MARKUP.sub(" ", filename or "")).name).name
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    kept = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", stem)
        if char.isspace() or (unicodedata.category(char)[0] != "C" and char not in _UNSAFE)
    )
    kept = _SPACES.sub(" ", kept).strip(" .-_")
    if len(kept) > MAX_CHARS:
        kept = kept[:MAX_CHARS].rstrip(" .-_")
    return kept or fallback
