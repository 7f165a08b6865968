"""The key box: a key typed for this session is read once and the box emptied, so the key never stays a
widget value (sent back to the browser on every rerun); shown masked elsewhere, with "Forget this key"."""

from __future__ import annotations

import streamlit as st

from lib.ui import language, state


def _take_typed_key() -> None:
    """Reads the key box once, then empties it: a widget's value is sent to the browser on every rerun,
    so the key lives only in the session's TypedKey from here on."""
    typed = str(st.session_state.get(state.SESSION_API_KEY) or "").strip()
    st.session_state[state.SESSION_API_KEY] = ""
    if typed:
        state.typed_key().value = typed


def _forget_typed_key() -> None:
    state.typed_key().value = ""
    st.session_state[state.SESSION_API_KEY] = ""


def key_box() -> None:
    _ = language.translator()
    st.text_input(
        _("API key for this session only"),
        key=state.SESSION_API_KEY,
        type="password",
        placeholder="sk-…",  # i18n: keep (what a key looks like)
        on_change=_take_typed_key,
        help=_(
            "Read once and kept in this session's server memory only: never sent back to the page, "
            "written to disk, logs or exports."
        ),
    )
    if state.typed_key().value:
        st.button(
            _("Forget this key"),
            key="sidebar__forget_key",
            on_click=_forget_typed_key,
            icon=":material/key_off:",
            help=_("Drops the key typed for this session and goes back to the configured key or the sandbox."),
        )
