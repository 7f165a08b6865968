"""Step 2, Group: the verified person's asset group, labelled; or a group verified earlier."""

import re

import streamlit as st

from lib import flow
from lib.apimart import ApimartError
from lib.ui import state, when, widgets
from lib.ui.text import code

GROUP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{3,127}$")

wf = state.workflow()

# Set by the Continue button's callback: switched here, in the script, where it always works.
if st.session_state.pop("group__go_to_submit", False):
    st.switch_page("pages/submit.py")

widgets.step_header(
    2, "Asset group", "One group belongs to one verified person and can be reused without verifying again."
)

if wf.notice:
    st.success(wf.notice, icon=":material/verified:")
    wf.notice = ""


def recover(session_task_id: str, result_task_id: str) -> None:
    try:
        group_id = flow.recover_verification(
            state.client(), session_task_id, result_task_id, store=state.store()
        )
    except ApimartError as error:
        st.session_state["group__recover_error"] = error
        return
    st.session_state.pop("group__recover_error", None)
    state.use_group(group_id)
    wf.notice = "Recovered: the person's group id was read from APIMart. Give it a name you will recognise."


# A verification whose token was spent but whose group id could not be read: one click reads it.
for row in state.unread_verification_results():
    with st.container(border=True):
        st.warning(
            f"A verification from {when.clock(row['created_at'])} was accepted, but the person's group could "
            "not be read yet. Read it now: the person does not need to verify again.",
            icon=":material/restore:",
        )
        st.button(
            "Read the group id",
            key=f"group__recover_{row['task_id']}",
            on_click=recover,
            args=(row["task_id"], row["result_task_id"]),
            icon=":material/download_done:",
        )
        with st.expander("Details"):
            st.caption(f"Verification session {code(row['task_id'])}  \nResult {code(row['result_task_id'])}")
if error := st.session_state.get("group__recover_error"):
    widgets.show_error(error)


def save_label() -> None:
    label = str(st.session_state.get("group__label", wf.group_label) or "").strip()
    if label == wf.group_label:
        return
    state.use_group(wf.group_id, label)
    state.rename_person(wf.group_id, label)


def continue_to_submit() -> None:
    # The label typed last is read from the session state here: a click that also ends the typing sends
    # both in one go, so this one click saves and goes on.
    save_label()
    st.session_state["group__go_to_submit"] = True


def use_existing() -> None:
    pasted = st.session_state.get("group__paste_id", "").strip()
    label = st.session_state.get("group__paste_label", "").strip()
    if not GROUP_ID.match(pasted):
        st.session_state["group__paste_error"] = (
            "That does not look like a group id (for example group-20260520163350-ctpqc). Nothing was changed."
        )
        return
    st.session_state.pop("group__paste_error", None)
    state.use_group(pasted, label)


def pick_known() -> None:
    picked = st.session_state["group__known"]
    if picked:
        state.use_group(picked)


if wf.group_id:
    with st.container(border=True):
        st.markdown("**Current group**: the person whose photos and clips you submit next")
        st.text_input(
            "Who is this? (the person's name)",
            value=wf.group_label,
            key="group__label",
            on_change=save_label,
            placeholder="e.g. Lin Wei, presenter",
        )
        if not wf.group_label:
            st.caption("A label makes this group easy to find again.")
        st.button(
            "Continue: submit assets",
            key="group__continue",
            type="primary",
            on_click=continue_to_submit,
            icon=":material/arrow_forward:",
        )
        with st.expander("Details"):
            st.caption("The person's asset group at APIMart (reusable without verifying again):")
            st.code(wf.group_id, language=None)
else:
    st.info("No group yet: verify a person first, or use a group verified earlier below.")
    st.page_link("pages/verify.py", label="Verify a person", icon=":material/arrow_back:")

with st.expander("Use a group verified earlier", expanded=not wf.group_id):
    others = [g for g in wf.known_groups if g != wf.group_id]
    if others:
        st.selectbox(
            "Groups known to this session",
            [""] + others,
            format_func=lambda g: f"{wf.known_groups[g] or '(no label)'} · {g}" if g else "Choose…",
            key="group__known",
            on_change=pick_known,
        )
    a, b = st.columns([3, 2])
    a.text_input("Group id", key="group__paste_id", placeholder="group-20260520163350-ctpqc")
    b.text_input("Label", key="group__paste_label", placeholder="the person's name")
    st.button("Use this group", key="group__use", on_click=use_existing)
    if message := st.session_state.get("group__paste_error"):
        st.error(message)
