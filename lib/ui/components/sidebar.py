"""The sidebar on every page: which APIMart the app talks to (the one sandbox notice), the key box, a
connection test, and what a reloaded session picked up."""

from __future__ import annotations

import streamlit as st

from lib.apimart import ApimartError
from lib.ui import state
from lib.ui.components.error_slot import show_error
from lib.ui.components.key_box import key_box
from lib.ui.text import code

SANDBOX_NOTICE = (
    "**Sandbox mode**: a practice copy of APIMart. Nothing is billed; links open a test page where you "
    "approve for the person. Type a key below to work for real."
)
KEY_SOURCES = {
    "environment": "from the server's environment",
    "secrets": "from the secrets file",
    "this session": "typed here, for this session only",
}


def sidebar_connection() -> None:
    settings = state.connection_settings()
    with st.sidebar:
        st.subheader("Connection")
        if settings.is_sandbox:
            # The one sandbox notice: the sidebar is on every page, so no page repeats it.
            st.info(SANDBOX_NOTICE, icon=":material/science:")
        else:
            st.success(
                f"**Connected to APIMart** with the key {settings.masked_key} "
                f"({KEY_SOURCES.get(settings.key_source, settings.key_source)})",
                icon=":material/cloud_done:",
            )
        with st.expander("Details"):
            st.caption(f"API address: {code(settings.base_url)}  \nProject: {code(settings.project_name)}")
        key_box()
        if st.button("Test connection", key="sidebar__test_connection", icon=":material/network_check:"):
            try:
                state.client().check_connection()
                st.success("Connected: APIMart accepts the key.")
            except ApimartError as error:
                show_error(error)


def resumed_notice(wf: state.Workflow) -> None:
    """Tells a reloaded or restarted session what it picked up, on whichever page it lands, for as long
    as that work is still running."""
    if wf.resumed and wf.running:
        st.info(wf.resumed, icon=":material/restore:")
    else:
        wf.resumed = ""
