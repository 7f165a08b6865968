"""The review's Approved section: the table, the way to Generate with the picked ones, the exports."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.ui import state
from lib.ui.components import asset_tables, review_exports
from lib.ui.components.review_view import ReviewView


def show(wf: state.Workflow, view: ReviewView) -> None:
    usable, kind = view.usable, view.kind
    st.subheader(f"Approved ({len(usable)})")
    if usable.empty:
        st.caption(f"No approved {kind.many} yet.")
        return
    st.caption("Each one has an asset:// URL that Seedance 2.0 video generation can use directly.")
    shown = view.cached(
        "review_usable_shown", lambda: review.approved_shown(usable, view.photos, view.previews)
    )
    chosen_rows = [r for r in asset_tables.approved_table(shown, key="review__usable") if r < len(usable)]
    # With no row selected the picks follow the table alone: built once per change, not on every rerun.
    picks = (
        review.generate_picks(usable, chosen_rows)
        if chosen_rows
        else view.cached("review_default_picks", lambda: review.generate_picks(usable))
    )
    if st.button(
        f"Make a video with these {kind.count(len(picks))}",
        key="review__generate",
        type="primary",
        icon=":material/movie:",
        help="Opens Generate with them already picked. Select rows in the table to choose others.",
    ):
        wf.generate_picks = list(picks)  # a copy: the default picks are cached
        st.switch_page("pages/generate.py")
    if len(picks) < len(chosen_rows or usable):
        st.caption(
            f"One video can use at most {review.pick_limit('Image')} photos and {review.pick_limit('Video')} "
            "clips: the first ones are taken. Select rows in the table to choose others."
        )
    review_exports.show(view)
