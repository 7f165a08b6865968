"""The review's Approved section: the table, the way to Generate with the picked ones, the exports."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.ui import language, state
from lib.ui.components import asset_tables, review_exports
from lib.ui.components.review_view import ReviewView


def show(wf: state.Workflow, view: ReviewView) -> None:
    usable, kind = view.usable, view.kind
    _ = language.translator()
    st.subheader(_("Approved ({n})").format(n=len(usable)))
    if usable.empty:
        st.caption(_("No approved {assets} yet.").format(assets=kind.many))
        return
    st.caption(_("Each one has an asset:// URL that Seedance 2.0 video generation can use directly."))
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
        _("Make a video with these {assets}").format(assets=kind.count(len(picks))),
        key="review__generate",
        type="primary",
        icon=":material/movie:",
        help=_("Opens Generate with them already picked. Select rows in the table to choose others."),
    ):
        wf.generate_picks = list(picks)  # a copy: the default picks are cached
        st.switch_page("pages/generate.py")
    if len(picks) < len(chosen_rows or usable):
        st.caption(
            _(
                "One video can use at most {photos} photos and {clips} clips: the first ones are taken. Select "
                "rows in the table to choose others."
            ).format(photos=review.pick_limit("Image"), clips=review.pick_limit("Video"))
        )
    review_exports.show(view)
