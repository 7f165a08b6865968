"""Shared page pieces: step header, the "earlier step first" guard, error display, sidebar connection."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.apimart import ApimartError, RateLimitError
from lib.ui import state
from lib.ui.errors import what_to_do
from lib.ui.text import code, literal
from lib.ui.words import assets as assets_word
from lib.ui.words import count

CURRENT_PAGE_KEY = "avatar_desk__page"  # the page file this run shows (set by the shell)


@dataclass(frozen=True)
class Step:
    """Where the operator should go next: the page, the button's words and one sentence of why."""

    page: str
    label: str
    why: str
    icon: str


def step_header(number: int, title: str, caption: str) -> None:
    st.title(f"{number}. {title}")
    st.caption(caption)


def first_unfinished_step(wf: state.Workflow) -> Step | None:
    """The first step of the workflow that is not done yet, from the session's state; None when a person's
    photos or clips have been approved and nothing is being checked (everything up to Generate is done)."""
    if not wf.group_id:
        return Step(
            "pages/verify.py",
            "Verify a person",
            "No person is chosen yet: verify one first, or pick someone verified before on the Group step.",
            ":material/qr_code_2:",
        )
    who = literal(wf.group_label) or "this person"
    ledger = wf.ledger
    if not (ledger and ledger.tasks):
        rows = [r for r in wf.draft if r.url or r.name]
        why = (
            f"{count(len(rows), 'row')} for {who} {'waits' if len(rows) == 1 else 'wait'} in the table: "
            "check and send them."
            if rows
            else f"Nothing has been submitted for {who} yet: send their photos or clips first."
        )
        return Step("pages/submit.py", "Submit photos or clips", why, ":material/upload:")
    counts = ledger.counts()
    if ledger.pending_task_ids() or counts["pending"]:
        return Step(
            "pages/review.py",
            "See the review",
            f"{assets_word(counts['pending'], ledger.asset_type).capitalize()} of {who} "
            f"{'is' if counts['pending'] == 1 else 'are'} still being checked: the review shows them as they "
            "are approved.",
            ":material/fact_check:",
        )
    if not counts["usable"]:
        return Step(
            "pages/review.py",
            "See the review",
            f"None of {who}'s photos or clips was approved: the review says why and lets you send better ones.",
            ":material/fact_check:",
        )
    return None


def go_button(step: Step, key: str) -> None:
    """The one primary button of a page: it goes to `step`'s page."""
    if st.button(step.label, key=key, type="primary", icon=step.icon):
        st.switch_page(step.page)


def require(
    done: bool, message: str = "", page: str = "", label: str = "", *, key: str = "guard__go"
) -> None:
    """Stop the page when an earlier step is not done, with one sentence of why and one primary button
    straight to the first unfinished step of the workflow (not merely the step before this page).
    `message`, `page` and `label` say where to go when the workflow state points nowhere earlier than
    this page (the page's own condition is not a step, e.g. no approved asset of any saved person)."""
    if done:
        return
    step = first_unfinished_step(state.workflow())
    here = st.session_state.get(CURRENT_PAGE_KEY)
    if step is None or step.page == here:
        step = Step(page or "pages/home.py", label or "Go to the Start page", message, ":material/arrow_forward:")
    if step.why:
        st.info(step.why)
    go_button(step, key)
    st.stop()


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
    if hint := what_to_do(error, "press Retry" if offered else again, unsafe):
        text += f"  \n{hint}"
    if isinstance(error, RateLimitError):
        st.warning(text, icon=":material/hourglass_top:")
    else:
        st.error(text, icon=":material/error:")
    error_details(error)
    return offered and st.button("Retry", key=retry_key, icon=":material/refresh:")


def error_details(error: ApimartError) -> None:
    """What support needs (HTTP status, APIMart's error code, request id), out of the way in an expander;
    nothing when the error carries none of them."""
    facts = [
        (name, value)
        for name, value in (
            ("HTTP status", getattr(error, "status_code", None)),
            ("Error code", getattr(error, "code", None)),
            ("Request id", getattr(error, "request_id", None)),
        )
        if value not in (None, "")
    ]
    if facts:
        with st.expander("Details"):
            st.markdown("  \n".join(f"{name}: {code(value)}" for name, value in facts))


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


def sandbox_banner() -> None:
    """Kept for the pages that call it: the sandbox notice is shown once per page, in the sidebar
    (`sidebar_connection`), so this shows nothing."""
