"""The approved list to take away: CSV and JSON downloads, and the asset:// URLs in a block to copy."""

from __future__ import annotations

import streamlit as st

from lib import review
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
    a.download_button(
        "Download CSV",
        exports[0],
        file_name=f"approved-{group_id}.csv",
        mime="text/csv",
        key="review__csv",
        on_click="ignore",
        icon=":material/download:",
    )
    b.download_button(
        "Download JSON",
        exports[1],
        file_name=f"approved-{group_id}.json",
        mime="application/json",
        key="review__json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    if st.toggle("Show the asset:// URLs to copy", key="review__show_urls"):
        st.code("\n".join(usable["asset_url"]), language=None)
