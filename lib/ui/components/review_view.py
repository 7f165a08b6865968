"""What the review page's pieces read: the ledger, its frames built once per change, its assets' words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib import review
from lib.ledger import AssetLedger
from lib.ui import state
from lib.ui.components import media_rows, thumbnails
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
    previews = thumbnails.by_source([*usable["source_url"], *failed["source_url"]], "review")
    photos = state.ledger_view(
        ledger, "review_has_photos", version, lambda: review.has_photos(usable, failed)
    )
    return ReviewView(
        ledger, kind, (*version, len(previews)), usable, failed, photos or bool(previews), previews
    )
