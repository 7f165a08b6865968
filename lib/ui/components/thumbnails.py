"""Thumbnails wherever an asset appears (Review, Library, Make a video): the app's own picture of each file it
hosts (a photo, a clip's poster frame), found by the media id in the asset's source URL, read from the store
in one batch and kept until the set of URLs changes (a file's thumbnail never changes)."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from lib import library
from lib.ledger import USABLE
from lib.media import rows as media_table
from lib.ui import state


def pictures(urls: Iterable[str], name: str) -> dict[str, bytes]:
    """source URL -> JPEG, for the URLs that are files this app received; `name` keeps each caller's cache
    apart."""
    ids = media_table.media_ids(dict.fromkeys(u for u in urls if isinstance(u, str)))
    if not ids:
        return {}

    def read() -> dict[str, bytes]:
        found = state.store().media.thumbnails(ids.values())
        return {url: found[media_id] for url, media_id in ids.items() if media_id in found}

    return state.cached_view(f"thumbnails_{name}", tuple(sorted(ids.items())), read)


def by_source(urls: Iterable[str], name: str) -> dict[str, str]:
    """source URL -> data: URI (for a table's image column)."""
    found = pictures(urls, name)
    return state.cached_view(
        f"thumbnail_uris_{name}",
        tuple(sorted(found)),
        lambda: {url: media_table.cell_uri(jpeg) for url, jpeg in found.items()},
    )


def strip(shown: list[tuple[bytes, str]], per_row: int = 6) -> None:
    """Small pictures side by side, each with its caption (markdown: the caller makes text literal)."""
    for start in range(0, len(shown), per_row):
        columns = st.columns(per_row)
        for column, (jpeg, caption) in zip(columns, shown[start : start + per_row], strict=False):
            column.image(jpeg, caption=caption, width="stretch")


def _sources() -> dict[str, str]:
    """asset:// URL -> the source URL it was sent from, for every approved asset (one read per store change)."""
    kept = state.store()
    found = state.cached_view(
        "asset_sources",
        library.version(kept),
        lambda: {r["asset_url"]: r["source_url"] for r in kept.assets.usable() if r.get("source_url")},
    )
    ledger = state.workflow().ledger
    if ledger is not None:  # the current review's, which the store may not have yet
        for asset in ledger.by_status(USABLE):
            if asset.current.asset_url and asset.current.asset_url not in found:
                found = {**found, asset.current.asset_url: asset.current.url}
    return found


def for_assets(asset_urls: Iterable[str]) -> dict[str, bytes]:
    """asset:// URL -> JPEG, for approved assets whose source is a file this app received."""
    sources = _sources()
    wanted = {u: sources[u] for u in asset_urls if u in sources}
    found = pictures(wanted.values(), "assets")
    return {u: found[s] for u, s in wanted.items() if s in found}
