"""Use a group verified earlier: pick a saved person, or paste a group id with a label."""

import streamlit as st

from lib.ui import state
from lib.verification import looks_like_group_id


def _use_pasted() -> None:
    pasted = st.session_state.get("group__paste_id", "").strip()
    label = st.session_state.get("group__paste_label", "").strip()
    if not looks_like_group_id(pasted):
        st.session_state["group__paste_error"] = (
            "That does not look like a group id (for example group-20260520163350-ctpqc). Nothing was changed."
        )
        return
    st.session_state.pop("group__paste_error", None)
    state.use_group(pasted, label)


def _pick_known() -> None:
    picked = st.session_state["group__known"]
    if picked:
        state.use_group(picked)


def saved_people_picker() -> None:
    wf = state.workflow()
    with st.expander("Use a group verified earlier", expanded=not wf.group_id):
        others = [g for g in wf.known_groups if g != wf.group_id]
        if others:
            st.selectbox(
                "Groups known to this session",
                [""] + others,
                format_func=lambda g: f"{wf.known_groups[g] or '(no label)'} · {g}" if g else "Choose…",
                key="group__known",
                on_change=_pick_known,
            )
        a, b = st.columns([3, 2])
        a.text_input("Group id", key="group__paste_id", placeholder="group-20260520163350-ctpqc")
        b.text_input("Label", key="group__paste_label", placeholder="the person's name")
        st.button("Use this group", key="group__use", on_click=_use_pasted)
        if message := st.session_state.get("group__paste_error"):
            st.error(message)
