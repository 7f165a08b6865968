"""What the review page's pieces read: the ledger, its frames built once per change, its assets' words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib import review
from lib.ledger import AssetLedger
from lib.media import rows as media_table
from lib.ui import state
from lib.ui.components import media_rows
from lib.ui.words import Kind


@dataclass(frozen=True)
class ReviewView:
    ledger: AssetLedger
    kind: Kind
    version: tuple
    usable: pd.DataFrame
    failed: pd.DataFrame
    photos: bool  # photos get a thumbnail column (a list may mix photos and clips)
    previews: dict[str, str]  # source URL -> the app's own thumbnail of a file it hosts (a clip's poster too)

    def cached(self, name: str, build: Callable[[], Any]) -> Any:
        """A value derived from the frames, rebuilt only when the ledger changes (one per server when the
        ledger is shared: state.ledger_view). Never changed by its caller."""
        return state.ledger_view(self.ledger, name, self.version, build)


def build(ledger: AssetLedger, kind: Kind) -> ReviewView:
    # Frames and exports change only when a review result or submission does: build them once per change,
    # once for all the sessions showing a shared (finished, stored) review.
    version = (id(ledger), ledger.version)
    usable = state.ledger_view(ledger, "review_usable", version, lambda: review.usable_frame(ledger))
    failed = state.ledger_view(ledger, "review_failed", version, lambda: review.failed_frame(ledger))
    state.ledger_view(ledger, "review_media_ended", version, lambda: media_rows.mark_review_ended(ledger))
    previews = state.ledger_view(ledger, "review_previews", version, lambda: _previews(usable, failed))
    photos = state.ledger_view(
        ledger, "review_has_photos", version, lambda: review.has_photos(usable, failed)
    )
    return ReviewView(
        ledger, kind, (*version, len(previews)), usable, failed, photos or bool(previews), previews
    )


def _previews(usable: pd.DataFrame, failed: pd.DataFrame) -> dict[str, str]:
    """source URL -> data: URI of the app's own thumbnail of each file it hosts (as thumbnails.by_source gives,
    without keeping the JPEGs in the session): one store read per ledger change, once per server for a shared
    review."""
    urls = dict.fromkeys(u for u in (*usable["source_url"], *failed["source_url"]) if isinstance(u, str))
    ids = media_table.media_ids(urls)
    if not ids:
        return {}
    found = state.store().media.thumbnails(ids.values())
    return {url: media_table.cell_uri(found[i]) for url, i in ids.items() if i in found}
