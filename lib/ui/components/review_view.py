"""What the review page's pieces read: the ledger, its frames built once per change, its assets' words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib import review
from lib.ledger import AssetLedger
from lib.ui import state
from lib.ui.words import Kind


@dataclass(frozen=True)
class ReviewView:
    ledger: AssetLedger
    kind: Kind
    version: tuple
    usable: pd.DataFrame
    failed: pd.DataFrame
    photos: bool  # photos get a thumbnail column (a list may mix photos and clips)

    def cached(self, name: str, build: Callable[[], Any]) -> Any:
        """A value derived from the frames, rebuilt only when the ledger changes."""
        return state.cached_view(name, self.version, build)


def build(ledger: AssetLedger, kind: Kind) -> ReviewView:
    # Frames and exports change only when a review result or submission does: build them once per change.
    version = (id(ledger), ledger.version)
    usable = state.cached_view("review_usable", version, lambda: review.usable_frame(ledger))
    failed = state.cached_view("review_failed", version, lambda: review.failed_frame(ledger))
    photos = state.cached_view("review_has_photos", version, lambda: review.has_photos(usable, failed))
    return ReviewView(ledger, kind, version, usable, failed, photos)
