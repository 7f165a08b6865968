"""The review's Details: the group and task ids, the attempt history and the raw responses, out of the way."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.i18n import N_
from lib.ledger import AssetLedger
from lib.ui import language, words
from lib.ui.components import library_tables
from lib.ui.text import code, literal

# The attempt history's columns (lib.review.history_frame keeps its keys), as headers.
HISTORY_TABLE = {
    "name": N_("Name"),
    "attempt": N_("Try"),
    "status": N_("Status"),
    "source_url": N_("Your link"),
    "asset_url": N_("Approved link (for videos)"),
    "code": N_("Error code"),
    "task_id": N_("Review id"),
}


def show(ledger: AssetLedger) -> None:
    _ = language.translator()
    with st.expander(_("Details"), icon=":material/info:"):
        st.markdown(_("Group id: {id}").format(id=code(ledger.group_id)))
        st.markdown(
            _("Review tasks:")
            + "  \n"
            + "  \n".join(
                f"{code(t.task_id)} · {literal(task_status(_, t.status))}" for t in list(ledger.tasks.values())[-20:]
            )
        )
        if st.toggle(_("Show the attempt history"), key="review__show_history"):
            history = review.history_frame(ledger)
            st.dataframe(
                history.assign(status=history["status"].map(lambda s: words.asset_status_in(_, s))),
                hide_index=True,
                width="stretch",
                key="review__history",
                placeholder="",
                column_config=library_tables.headers(HISTORY_TABLE, _),
            )
        if st.toggle(_("Show raw responses (for debugging)"), key="review__show_raw"):
            task_id = st.selectbox(_("Task"), list(ledger.tasks), key="review__raw_task")
            if task_id:
                st.json(ledger.tasks[task_id].raw or {}, expanded=False)


def task_status(_, status: str) -> str:
    """A review task's status (APIMart's code) in `_`'s language; English reads the code itself, an unknown
    one stays as it is."""
    return _task_statuses(_).get(status, status)


_STATUSES: dict[str, dict[str, str]] = {}


def _task_statuses(_) -> dict[str, str]:
    # Made once per language: the Details list names up to 20 tasks on every rerun of the Review page.
    held = _STATUSES.get(_.locale)
    if held is None:
        held = _STATUSES[_.locale] = {
            "submitted": _.pgettext("review task status", "submitted"),
            "pending": _.pgettext("review task status", "pending"),
            "processing": _.pgettext("review task status", "processing"),
            "completed": _.pgettext("review task status", "completed"),
            "failed": _.pgettext("review task status", "failed"),
            "cancelled": _.pgettext("review task status", "cancelled"),
            "not found": _.pgettext("review task status", "not found"),
        }
    return held
