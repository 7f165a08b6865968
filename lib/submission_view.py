"""What the Submit page shows, as data: the editor's frame and rows, each row's verdict and the check table.
Pure (pandas only): nothing here renders or reads the session. The words take the operator's translator `_`
(English by default); the frame's column names stay English keys (the page translates the headers)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from lib.assets import (
    ASSET_TYPES,
    TYPE_CHOSEN,
    TYPE_DEFAULT,
    TYPE_FROM_EXTENSION,
    TYPE_FROM_SERVER,
    AssetRow,
    RowCheck,
    check_rows,
    requests_for,
    url_extension,
)
from lib.i18n import Translator, said_in, translator
from lib.probe import ProbeResult

ENGLISH = translator("en")

AUTO = "Auto"  # the Type column's "from the extension, else from the server"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def filled(draft: Sequence[AssetRow]) -> list[AssetRow]:
    """The draft's rows with something in them (the editor's empty last rows are not rows)."""
    return [r for r in draft if r.url or r.name]


def editor_frame(draft: Sequence[AssetRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"url": r.url, "name": r.name, "type": r.asset_type or AUTO} for r in draft],
        columns=["url", "name", "type"],
        dtype="string",
    )


def draft_from_frame(edited: pd.DataFrame) -> list[AssetRow]:
    return [
        AssetRow(str(u or "").strip(), str(n or "").strip(), t if t in ASSET_TYPES else "")
        for u, n, t in edited[["url", "name", "type"]].fillna("").itertuples(index=False)
    ]


def checked(
    rows: Sequence[AssetRow],
    probe: Mapping[str, ProbeResult],
    default_type: str | None,
    hosted: Collection[str] = (),
) -> list[RowCheck]:
    """The rows' checks, with the types the probe's answers detected (by URL, as sent); `hosted`: the URLs
    of the table's files (lib.assets.check_rows)."""
    detected = {url: result.detected_type for url, result in probe.items() if result.detected_type}
    return check_rows(rows, detected=detected, default_type=default_type, hosted=hosted)


def needs_default_type(checks: Sequence[RowCheck]) -> bool:
    """Some row's URL says nothing about its type (a signed link without an extension)."""
    return any(c.url_ok and c.type_from in ("", TYPE_DEFAULT) for c in checks)


def probe_requests(draft: Sequence[AssetRow], default_type: str | None) -> tuple[list[str], list[str | None]]:
    """The URLs to probe and the type each is asked as: the type it has, unless only the server can tell
    (then None: the server's type)."""
    asked = [c for c in check_rows(filled(draft), default_type=default_type) if c.url_ok]
    kinds = [c.asset_type if c.type_from not in ("", TYPE_DEFAULT) else None for c in asked]
    return [c.url for c in asked], kinds


@dataclass(frozen=True)
class FileVerdict:
    """The media check's word on a file row (made in lib/ui/media_words) and whether it keeps the send
    waiting (a fix is needed, or the file cannot be sent at all)."""

    text: str
    blocks: bool


@dataclass
class Verdicts:
    """A verdict per row: problems (nothing is sent while there is one), held back by a definite answer of
    the probe (sent only when the operator says so), or ready, with a warning when the probe could not
    tell."""

    texts: list[str] = field(default_factory=list)
    held: list[tuple[RowCheck, ProbeResult]] = field(default_factory=list)
    warned: list[RowCheck] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)
    held_back: set[int] = field(default_factory=set)
    ready: list[RowCheck] = field(default_factory=list)

    @property
    def blocked(self) -> int:
        return len(self.invalid) + len(self.held_back)


def verdicts(
    checks: Sequence[RowCheck],
    probe: Mapping[str, ProbeResult],
    sent_anyway: Callable[[str], bool],
    files: Mapping[str, FileVerdict] | None = None,
    _: Translator = ENGLISH,
) -> Verdicts:
    """Each row judged on its checks and the probe's answer for its type; `sent_anyway(url)` says whether
    the operator chose to send a held-back row; `files`: the media check's verdict on each file row, by URL
    (a file that needs a fix is not sent until it is fixed or removed)."""
    out = Verdicts()
    files = files or {}
    for check in checks:
        result = probe.get(check.url) if check.url_ok else None
        if result is not None:
            result = result.judged(check.asset_type or None)
        file = files.get(check.url)
        if check.problems:
            # lib.assets' and lib.probe's problems are Said: in `_`'s language.
            reasons = [said_in(_, p) for p in check.problems] + (
                [said_in(_, result.problem)] if result is not None and result.blocks else []
            )
            out.texts.append("❌ " + _("; ").join(reasons) + (f" · {file.text}" if file and file.blocks else ""))
        elif file is not None:
            out.texts.append(file.text)
        elif result is not None and result.blocks:
            out.held.append((check, result))
            if sent_anyway(check.url):
                out.texts.append(_("⚠️ sent anyway: {problem}").format(problem=said_in(_, result.problem)))
            else:
                out.texts.append("⛔ " + _("held back: {problem}").format(problem=said_in(_, result.problem)))
        elif result is not None and result.warns:
            out.warned.append(check)
            out.texts.append(_("⚠️ ready, not checked: {problem}").format(problem=said_in(_, result.problem)))
        else:
            out.texts.append(_("✅ ready"))
    out.invalid = [i for i, c in enumerate(checks) if c.problems or (c.url in files and files[c.url].blocks)]
    out.held_back = {c.index for c, v in zip(checks, out.texts, strict=True) if v.startswith("⛔")}
    out.ready = [c for c in checks if not c.problems and c.index not in out.held_back]
    return out


def type_shown(check: RowCheck, probe: Mapping[str, ProbeResult], _: Translator = ENGLISH) -> str:
    """What the row will be sent as and why; empty when nobody can tell yet (the check asks to choose)."""
    why = {
        TYPE_CHOSEN: lambda: _("chosen in the row"),
        TYPE_FROM_EXTENSION: lambda: _("from .{extension}").format(extension=url_extension(check.url)),
        TYPE_FROM_SERVER: lambda: _("the server says {type}").format(type=probe[check.url].content_type),
        TYPE_DEFAULT: lambda: _("type for rows we cannot detect"),
    }
    if check.type_from in why:
        return f"{check.asset_type} ({why[check.type_from]()})"
    return check.asset_type


def check_frame(
    checks: Sequence[RowCheck],
    texts: Sequence[str],
    probe: Mapping[str, ProbeResult],
    thumbnails: Mapping[str, str] | None = None,
    _: Translator = ENGLISH,
) -> pd.DataFrame:
    """The check table; a Preview column first when some row has a thumbnail (`thumbnails`: an image URL,
    e.g. a data: URI, by row URL)."""
    columns = {
        "#": range(1, len(checks) + 1),
        "Check": list(texts),
        "Sent as": [type_shown(c, probe, _) for c in checks],
        "Name": [c.name for c in checks],
        "Link": [c.url for c in checks],
    }
    if thumbnails:
        columns = {"Preview": [thumbnails.get(c.url) for c in checks], **columns}
    return pd.DataFrame(columns)


def parts_note(ready: Sequence[RowCheck], _: Translator = ENGLISH) -> str:
    """How the send is split, when it goes out in more than one request; empty otherwise."""
    parts = requests_for(c.asset_type for c in ready)
    if parts <= 1:
        return ""
    if len({c.asset_type for c in ready}) > 1:
        return _("Sent in {n} parts (photos and clips go separately, at most 20 in each).").format(n=parts)
    return _("Sent in {n} parts (at most 20 in each).").format(n=parts)
