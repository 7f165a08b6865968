"""Submit's send: the rows that cannot go (and their removal), the one primary button, and the send itself."""

from __future__ import annotations

import streamlit as st

from lib import flow
from lib.assets import AssetRow, RowCheck
from lib.i18n import said_of
from lib.submission_view import Verdicts, parts_note
from lib.ui import language, review_poll, state
from lib.ui.components import asset_editor, error_slot, media_rows


def send(ready: list[RowCheck]) -> None:
    """Send the ready rows; what did not go out goes back to the table, an error or a refusal is kept for
    the page (lib.ui.components.send_outcome shows them)."""
    wf = state.workflow()
    _ = language.translator()
    try:
        with error_slot.sending(_.ngettext("{n} asset", "{n} assets", len(ready)).format(n=len(ready))):
            outcome = flow.submit_rows(state.client(), wf.own_ledger(), ready, store=state.store())
    except flow.RefusedError as refusal:
        st.session_state["submit__refusal"] = said_of(refusal)  # a Said: shown in the language of then
        return
    st.session_state.pop("submit__refusal", None)
    review_poll.note_sent(wf.ledger)
    media_rows.mark_sent(ready, outcome.unsent)
    asset_editor.reset(wf, outcome.unsent)
    if outcome.error is not None:
        st.session_state["submit__error"] = outcome.error
    else:
        st.session_state.pop("submit__error", None)
    if outcome.sent_keys:
        st.session_state["submit__go_to_review"] = outcome.error is None


def _drop(rows: list[AssetRow], dropped: set[int]) -> None:
    asset_editor.reset(state.workflow(), [rows[i] for i in range(len(rows)) if i not in dropped])


def show(rows: list[AssetRow], view: Verdicts, held: bool = False) -> None:
    """The removal of rows that cannot go, and the send; `held`: a guard above says nothing can be sent."""
    _ = language.translator()
    if view.invalid or view.held_back:
        st.warning(
            _.ngettext(
                "{n} row cannot be sent as it is: see the check column. Nothing is sent until every row is "
                "fixed, removed or sent anyway.",
                "{n} rows cannot be sent as they are: see the check column. Nothing is sent until every row is "
                "fixed, removed or sent anyway.",
                view.blocked,
            ).format(n=view.blocked),
            icon=":material/rule:",
        )
        st.button(
            _.ngettext(
                "Remove the {n} row that cannot be sent", "Remove the {n} rows that cannot be sent", view.blocked
            ).format(n=view.blocked),
            key="submit__drop",
            on_click=_drop,
            args=(rows, set(view.invalid) | view.held_back),
            icon=":material/delete_sweep:",
        )
    st.button(
        _.ngettext("Send {n} asset", "Send {n} assets", len(view.ready)).format(n=len(view.ready)),
        key="submit__send",
        type="primary",
        disabled=not rows or bool(view.invalid) or bool(view.held_back) or held,
        on_click=send,
        args=(view.ready,),
        icon=":material/send:",
    )
    if note := parts_note(view.ready, _):
        st.caption(note)
