"""Shared page pieces: step header, the "earlier step first" guard, error display, sidebar connection."""

from __future__ import annotations

import streamlit as st

from lib.apimart import (
    ApiConnectionError,
    ApimartError,
    AuthenticationError,
    InsufficientBalanceError,
    RateLimitError,
    ServerError,
)
from lib.ui import state
from lib.ui.text import code, literal

STEPS = ["Verify", "Group", "Submit", "Review"]


def step_header(number: int, title: str, caption: str) -> None:
    st.title(f"{number}. {title}")
    st.caption(caption)


def require(done: bool, message: str, page: str, label: str) -> None:
    """Stop the page with a pointer back when an earlier step is not done."""
    if not done:
        st.info(message)
        st.page_link(page, label=label, icon=":material/arrow_back:")
        st.stop()


def _what_to_do(error: ApimartError, again: str, unsafe: bool) -> str:
    if unsafe:
        # Never "press Retry" here: the request may have been carried out, and a repeat could pay twice.
        return (
            "The request may have reached APIMart before the answer was lost. Nothing is sent again by "
            "itself: decide below what to do with it."
        )
    if isinstance(error, AuthenticationError):
        return "Check the API key in the sidebar (or APIMART_API_KEY)."
    if isinstance(error, InsufficientBalanceError):
        return "Top up the APIMart balance, then try again: nothing you entered is lost."
    if isinstance(error, RateLimitError):
        wait = f" in about {error.retry_after:g} s" if error.retry_after else " in a moment"
        return f"APIMart asked us to slow down: try again{wait}."
    if isinstance(error, ServerError | ApiConnectionError):
        return f"This is usually temporary: {again}. Your table, group and tasks are kept."
    return literal(error.hint or "")


def sending(what: str):
    """A visible "sending" state around a POST: the client may wait out a 429's Retry-After (up to a
    minute) and send again by itself, and the operator should know the app is not stuck."""
    return st.spinner(
        f"Sending {what} to APIMart… If it asks us to slow down, we wait and retry by ourselves."
    )


def show_error(
    error: ApimartError,
    *,
    retry_key: str | None = None,
    again: str = "try the same button again",
    repeat_is_safe: bool = False,
) -> bool:
    """One clear message with what to do next; returns True when the operator pressed Retry. `again` says
    how this page tries again when it offers no Retry button (a poll asks again by itself). A request that
    may have been carried out gets no Retry unless `repeat_is_safe` (a second one creates nothing billed)."""
    text = f"**{literal(error.message)}**"  # upstream's words, shown as text
    unsafe = error.maybe_sent and not repeat_is_safe
    offered = bool(retry_key) and not unsafe
    if hint := _what_to_do(error, "press Retry" if offered else again, unsafe):
        text += f"  \n{hint}"
    if isinstance(error, RateLimitError):
        st.warning(text, icon=":material/hourglass_top:")
    else:
        st.error(text, icon=":material/error:")
    return offered and st.button("Retry", key=retry_key, icon=":material/refresh:")


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


def sidebar_connection() -> None:
    settings = state.connection_settings()
    with st.sidebar:
        st.subheader("Connection")
        if settings.is_sandbox:
            st.info(
                "**Sandbox mode**: a local emulator of APIMart. Nothing is billed and no real person is "
                "verified. Set APIMART_API_KEY (or type a key below) to go live.",
                icon=":material/science:",
            )
        else:
            st.success(
                f"**Live APIMart** · key {settings.masked_key} (from {settings.key_source})",
                icon=":material/cloud_done:",
            )
        st.caption(f"Base URL: {code(settings.base_url)}  \nProject: {code(settings.project_name)}")
        st.text_input(
            "API key for this session only",
            key=state.SESSION_API_KEY,
            type="password",
            placeholder="sk-…",
            on_change=_take_typed_key,
            help="Read once and kept in this session's server memory only: never sent back to the page, "
            "written to disk, logs or exports.",
        )
        if state.typed_key().value:
            st.button(
                "Forget this key",
                key="sidebar__forget_key",
                on_click=_forget_typed_key,
                icon=":material/key_off:",
                help="Drops the key typed for this session and goes back to the configured key or the sandbox.",
            )
        if st.button("Test connection", key="sidebar__test_connection", icon=":material/network_check:"):
            try:
                state.client().check_connection()
                st.success("Connected: the key works.")
            except ApimartError as error:
                show_error(error)


def resumed_notice(wf: state.Workflow) -> None:
    """Tells a reloaded or restarted session what it picked up, on whichever page it lands, for as long
    as that work is still running."""
    if wf.resumed and wf.running:
        st.info(wf.resumed, icon=":material/restore:")
    else:
        wf.resumed = ""


def sandbox_banner() -> None:
    if state.connection_settings().is_sandbox:
        st.info(
            "You are on the **sandbox**: a built-in APIMart emulator. Verification links open a test page "
            "where you approve or fail on the person's behalf.",
            icon=":material/science:",
        )
