"""After Submit's send: a refusal, the error slot with Retry, the sends awaiting a decision, the way to Review."""

from __future__ import annotations

import streamlit as st

from lib.assets import RowCheck
from lib.i18n import said_in
from lib.ui import language, unsettled
from lib.ui.components import error_slot, send_button
from lib.ui.state import Workflow


def show(wf: Workflow, ready: list[RowCheck]) -> None:
    _ = language.translator()
    if refusal := st.session_state.get("submit__refusal"):
        st.warning(said_in(_, refusal))
    _error_slot(wf, ready)
    # Sends whose answer was lost: shown as "may have been sent", with the operator's two choices.
    unsettled.asset_sends(wf.ledger, key="submit__unsettled")
    unsettled.show_error()
    if st.session_state.pop("submit__go_to_review", False):
        st.switch_page("pages/review.py")
    if wf.ledger and wf.ledger.tasks:
        st.page_link("pages/review.py", label=_("See the review"), icon=":material/arrow_forward:")


def _error_slot(wf: Workflow, ready: list[RowCheck]) -> None:
    lost = st.session_state.get("submit__error")
    if lost is not None and lost.maybe_sent and not (wf.ledger and wf.ledger.unsettled_sends()):
        # The operator settled that send (sent again or put back): nothing below waits for a decision now.
        st.session_state.pop("submit__error")
    if error := st.session_state.get("submit__error"):
        _ = language.translator()
        counts = wf.ledger.counts() if wf.ledger else {}
        where = (
            _("The rows that may have been sent are below, waiting for your decision.")
            if error.maybe_sent
            else _("The rows that did not go out are still in the table.")
        )
        st.caption(
            _("Sent and being checked: {n}. {where}").format(
                n=counts.get("submitted", 0) - counts.get("unknown", 0), where=where
            )
        )
        if error_slot.show_error(error, retry_key="submit__retry"):
            st.session_state.pop("submit__error", None)
            send_button.send(ready)
            st.rerun()
