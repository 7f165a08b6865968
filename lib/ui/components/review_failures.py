"""The review's Not approved heading and each kind of failure in full: reason, fix, APIMart's words, who."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.ui import language
from lib.ui.components.review_view import ReviewView
from lib.ui.text import literal


def show(view: ReviewView) -> None:
    failed, kind = view.failed, view.kind
    _ = language.translator()
    st.subheader(_("Not approved ({n})").format(n=len(failed)))
    if failed.empty:
        st.caption(_("No {assets} refused.").format(assets=kind.none))
        return
    # The whole reason, fix and APIMart's own words, once per kind of failure (a table cell cuts them short).
    groups = view.cached("review_failure_groups", lambda: review.failure_groups(failed))
    for group in groups[:20]:
        names = group["names"]
        reason, fix, step = literal(_(group["reason"])), literal(_(group["fix"])), literal(_(group["next"]))
        with st.expander(f"{reason} · {kind.count(len(names))}", icon=":material/block:"):
            st.markdown(_("**Not approved:** {reason}  \n**What to do:** {fix}").format(reason=reason, fix=fix))
            if group["said"]:
                st.markdown(_("**APIMart said:** “{said}”").format(said=literal(group["said"])))
            shown = literal(", ".join(names[:50]))
            if len(names) > 50:
                more = len(names) - 50
                st.markdown(
                    _.ngettext(
                        "**Next:** {next} · {names} and {n} more", "**Next:** {next} · {names} and {n} more", more
                    ).format(next=step, names=shown, n=more)
                )
            else:
                st.markdown(_("**Next:** {next} · {names}").format(next=step, names=shown))
    if len(groups) > 20:
        more = len(groups) - 20
        st.caption(
            _.ngettext(
                "{n} more kind of failure: see the table.", "{n} more kinds of failure: see the table.", more
            ).format(n=more)
        )
