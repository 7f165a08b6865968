"""The current person's card on the Group step: their name, typed and saved, and Continue to Submit."""

import streamlit as st

from lib.ui import language, state


def _save_label() -> None:
    wf = state.workflow()
    label = str(st.session_state.get("group__label", wf.group_label) or "").strip()
    if label == wf.group_label:
        return
    state.use_group(wf.group_id, label)
    state.rename_person(wf.group_id, label)


def _continue_to_submit() -> None:
    # The label typed last is read from the session state here: a click that also ends the typing sends
    # both in one go, so this one click saves and goes on.
    _save_label()
    st.session_state["group__go_to_submit"] = True


def group_label_form() -> None:
    """The current group's card, or where to get one when there is none."""
    wf = state.workflow()
    _ = language.translator()
    if not wf.group_id:
        st.info(_("No group yet: verify a person first, or use a group verified earlier below."))
        st.page_link("pages/verify.py", label=_("Verify a person"), icon=":material/arrow_back:")
        return
    with st.container(border=True):
        st.markdown(_("**Current group**: the person whose photos and clips you submit next"))
        st.text_input(
            _("Who is this? (the person's name)"),
            value=wf.group_label,
            key="group__label",
            on_change=_save_label,
            placeholder=_("e.g. Lin Wei, presenter"),
        )
        if not wf.group_label:
            st.caption(_("A label makes this group easy to find again."))
        st.button(
            _("Continue: submit assets"),
            key="group__continue",
            type="primary",
            on_click=_continue_to_submit,
            icon=":material/arrow_forward:",
        )
        with st.expander(_("Details")):
            st.caption(_("The person's asset group at APIMart (reusable without verifying again):"))
            st.code(wf.group_id, language=None)
