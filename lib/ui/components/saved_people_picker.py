"""Use a group verified earlier: pick a saved person, or paste a group id with a label."""

import streamlit as st

from lib.i18n import N_
from lib.ui import language, state
from lib.verification import looks_like_group_id


def _use_pasted() -> None:
    pasted = st.session_state.get("group__paste_id", "").strip()
    label = st.session_state.get("group__paste_label", "").strip()
    if not looks_like_group_id(pasted):
        st.session_state["group__paste_error"] = N_(
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
    _ = language.translator()
    with st.expander(_("Use a group verified earlier"), expanded=not wf.group_id):
        others = [g for g in wf.known_groups if g != wf.group_id]
        if others:
            unlabelled, choose = _("(no label)"), _("Choose…")
            st.selectbox(
                _("Groups known to this session"),
                [""] + others,
                format_func=lambda g: f"{wf.known_groups[g] or unlabelled} · {g}" if g else choose,
                key="group__known",
                on_change=_pick_known,
            )
        a, b = st.columns([3, 2])
        a.text_input(_("Group id"), key="group__paste_id", placeholder="group-20260520163350-ctpqc")  # i18n: keep
        b.text_input(_("Label"), key="group__paste_label", placeholder=_("the person's name"))
        st.button(_("Use this group"), key="group__use", on_click=_use_pasted)
        if message := st.session_state.get("group__paste_error"):
            st.error(_(message))
