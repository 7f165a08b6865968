"""The review's Not approved heading and each kind of failure in full: reason, fix, APIMart's words, who."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.ui.components.review_view import ReviewView
from lib.ui.text import literal


def show(view: ReviewView) -> None:
    failed, kind = view.failed, view.kind
    st.subheader(f"Not approved ({len(failed)})")
    if failed.empty:
        st.caption(f"{kind.no()} refused.")
        return
    # The whole reason, fix and APIMart's own words, once per kind of failure (a table cell cuts them short).
    groups = view.cached("review_failure_groups", lambda: review.failure_groups(failed))
    for group in groups[:20]:
        names = group["names"]
        with st.expander(f"{literal(group['reason'])} · {kind.count(len(names))}", icon=":material/block:"):
            st.markdown(
                f"**Not approved:** {literal(group['reason'])}  \n**What to do:** {literal(group['fix'])}"
            )
            if group["said"]:
                st.markdown(f"**APIMart said:** “{literal(group['said'])}”")
            st.markdown(
                f"**Next:** {literal(group['next'])} · {literal(', '.join(names[:50]))}"
                + (f" and {len(names) - 50} more" if len(names) > 50 else "")
            )
    if len(groups) > 20:
        st.caption(f"{len(groups) - 20} more kinds of failure: see the table.")
