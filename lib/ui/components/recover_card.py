"""Verifications whose token was spent but whose group id was not read yet: one click reads each."""

import streamlit as st

from lib import flow
from lib.apimart import ApimartError
from lib.i18n import N_
from lib.ui import language, state
from lib.ui.components import error_slot
from lib.ui.text import code


def _recover(session_task_id: str, result_task_id: str) -> None:
    try:
        group_id = flow.recover_verification(
            state.client(), session_task_id, result_task_id, store=state.store()
        )
    except ApimartError as error:
        st.session_state["group__recover_error"] = error
        return
    st.session_state.pop("group__recover_error", None)
    state.use_group(group_id)
    state.workflow().notice = N_(
        "Recovered: the person's group id was read from APIMart. Give it a name you will recognise."
    )


def recover_cards() -> None:
    _ = language.translator()
    for row in state.unread_verification_results():
        with st.container(border=True):
            st.warning(
                _(
                    "A verification from {time} was accepted, but the person's group could not be read yet. "
                    "Read it now: the person does not need to verify again."
                ).format(time=language.clock(row["created_at"])),
                icon=":material/restore:",
            )
            st.button(
                _("Read the group id"),
                key=f"group__recover_{row['task_id']}",
                on_click=_recover,
                args=(row["task_id"], row["result_task_id"]),
                icon=":material/download_done:",
            )
            with st.expander(_("Details")):
                st.caption(
                    _("Verification session {task}  \nResult {result}").format(
                        task=code(row["task_id"]), result=code(row["result_task_id"])
                    )
                )
    if error := st.session_state.get("group__recover_error"):
        error_slot.show_error(error)
