"""The approved list to take away: CSV and JSON downloads, and the asset:// URLs in a block to copy."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib import review
from lib.ui import language
from lib.ui.components.review_view import ReviewView


def show(view: ReviewView) -> None:
    usable, group_id = view.usable, view.ledger.group_id
    # The download buttons get their bytes, not a callable: a callable is registered under a new id on every
    # run, so a second button clicked after the first one's rerun asked for an id already dropped ("Deferred
    # file not found"). Same bytes, same file id across runs; on_click="ignore" starts no rerun at all.
    exports = view.cached(
        "review_exports", lambda: (review.usable_csv(usable), review.usable_json(usable, group_id))
    )
    a, b = st.columns(2)
    _download(a, "CSV", exports[0], group_id, "text/csv", ":material/download:")
    _download(b, "JSON", exports[1], group_id, "application/json", ":material/data_object:")
    _ = language.translator()
    if st.toggle(_("Show the asset:// URLs to copy"), key="review__show_urls"):
        st.code("\n".join(usable["asset_url"]), language=None)


def _download(column: DeltaGenerator, kind: str, data: bytes, group_id: str, mime: str, icon: str) -> None:
    """One of the two buttons: its key and file name follow the kind (CSV or JSON)."""
    _ = language.translator()
    column.download_button(
        _("Download {kind}").format(kind=kind),
        data,
        file_name=f"approved-{group_id}.{kind.lower()}",
        mime=mime,
        key=f"review__{kind.lower()}",
        on_click="ignore",
        icon=icon,
    )
