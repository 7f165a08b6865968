"""The operator's tables and their files, as data: thumbnails as data: URIs, which table rows are hosted files
(by the media id in their URL), a new row's name kept apart from the others, a fixed file taking its
original's row, and what a poll of a person's files brings that the table has not seen. Pure: no
Streamlit, no storage or database access."""

from __future__ import annotations

import base64
import io
from collections.abc import Collection, Iterable, Sequence
from urllib.parse import urlsplit

from PIL import Image

from lib import netguard
from lib.assets import AssetRow
from lib.i18n import N_, Said, said_of
from lib.media.intake import media_id_from_url

CELL_SIDE = 112  # px: a table cell's picture (the stored 320 px thumbnail would cost ~25 KB a row a rerun)


def data_uri(jpeg: bytes | None) -> str | None:
    """A JPEG as an image URL a table cell can show (st.column_config.ImageColumn), or None."""
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def cell_uri(jpeg: bytes | None, side: int = CELL_SIDE) -> str | None:
    """A thumbnail made small for a table cell (~3 KB), as a data: URI; None when there is none or it
    cannot be read."""
    if not jpeg:
        return None
    try:
        with Image.open(io.BytesIO(jpeg)) as picture:
            picture.draft("RGB", (side, side))  # JPEG: decode at a fraction of the size
            small = picture.convert("RGB")
            small.thumbnail((side, side))
    except (OSError, ValueError):
        return None
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return data_uri(out.getvalue())


def media_ids(urls: Iterable[str]) -> dict[str, str]:
    """url -> media id, for the URLs that name one (a table row, an asset's source URL); the caller keeps
    only the ids its store knows (a pasted URL may look like one)."""
    found = {}
    for url in urls:
        if url and (media_id := media_id_from_url(url)):
            found[url] = media_id
    return found


def unique_name(name: str, taken: Collection[str]) -> str:
    """`name`, or `name 2`, `name 3`… when the table already has it (names must tell assets apart; two
    folders' IMG_0001 must not block the send)."""
    folded = {t.casefold() for t in taken}
    if name.casefold() not in folded:
        return name
    n = 2
    while f"{name} {n}".casefold() in folded:
        n += 1
    return f"{name} {n}"


def add_rows(
    draft: Sequence[AssetRow], new: Iterable[tuple[str, str, str]]
) -> tuple[list[AssetRow], list[int]]:
    """The draft with a row per (url, name, kind) whose URL it lacks, names kept apart; and the positions
    in `new` of those already in it (said once: "already in the table")."""
    rows = list(draft)
    urls = {r.url for r in rows}
    already = []
    for n, (url, name, kind) in enumerate(new):
        if url in urls:
            already.append(n)
            continue
        rows.append(AssetRow(url, unique_name(name, [r.name for r in rows if r.name]), kind))
        urls.add(url)
    return rows, already


def replace_url(draft: Sequence[AssetRow], old: str, new: str, kind: str) -> list[AssetRow]:
    """The draft with the fixed file in its original's row (the row's name kept; its type the new file's);
    when the fixed file is already a row, the original's row just goes."""
    if any(r.url == new for r in draft):
        return [r for r in draft if r.url != old]
    return [AssetRow(new, r.name, kind or r.asset_type) if r.url == old else r for r in draft]


def unseen(rows: Iterable, seen: Collection[str], sources: Collection[str] = ("phone",)) -> list:
    """Stored media rows (lib.store.media.MediaRow) from `sources` the table has not taken in yet, oldest
    first."""
    return [r for r in rows if r.source in sources and r.id not in seen]


def not_in_table(kept: Sequence, in_table: Collection[str]) -> list:
    """A person's stored ready files (lib.store.media.MediaRow) worth offering back to the table: never
    sent, not in it, and not an original a fix has replaced."""
    replaced = {r.derived_from for r in kept if r.derived_from}
    return [r for r in kept if r.sent_at is None and r.id not in in_table and r.id not in replaced]


def newest(rows: Iterable, since: float | None) -> float | None:
    """The poll's next `since`: the newest created_at seen (rows at that instant are dropped by id)."""
    times = [r.created_at for r in rows]
    return max([since or 0.0, *times]) if times else since


def unreachable_from_outside(base_url: str) -> str | None:
    """Why APIMart's servers cannot fetch app-hosted files at `base_url` (a loopback, private or local
    address), or None when it looks public (a deployment, a tunnel)."""
    try:
        host = netguard.normalise_host(urlsplit(base_url).hostname or "")
    except ValueError as error:
        return said_of(error)  # lib.i18n.Said: said in the operator's language where shown
    return netguard.host_problem(host) if host else Said(N_("the app's address has no host name"))
