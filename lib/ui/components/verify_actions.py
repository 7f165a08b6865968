"""The Verify step's callbacks: make a session (or read again one not ready), read the group, move on."""

import streamlit as st

from lib import flow
from lib.apimart import ApimartError, NotReadyError
from lib.callbacks import new_callback_secret, server_inbox, with_callback_secret
from lib.i18n import N_, said_of
from lib.ui import state
from lib.verification import EXPIRED, SPENT, VerificationAttempt


def callback_url() -> str:
    wf = state.workflow()
    return wf.callback_url or state.default_callback_url()


def create_session() -> None:
    # A secret of this attempt's own rides in the callback URL: only a callback carrying it (and this
    # attempt's token) moves this page; the token alone, which is in the QR code, does not.
    secret = new_callback_secret()
    for key in ("verify__refusal", "verify__spent_reason", "verify__confirming"):
        st.session_state.pop(key, None)
    open_session(with_callback_secret(callback_url(), secret), secret)


def open_session(callback: str, secret: str, session_task_id: str | None = None) -> None:
    """Create a session (or read again the one whose link was not ready): the client blocks at most about
    a second, so a link APIMart is still preparing is read again by `preparing_link` on its next tick."""
    wf = state.workflow()
    st.session_state.pop("verify__preparing", None)
    try:
        wf.verification = flow.start_session(
            state.client(),
            callback,
            wf.language,
            lifetime=state.session_lifetime(),
            store=state.store(),
            session_task_id=session_task_id,
        )
        server_inbox().expect(secret, wf.verification.byted_token, wf.verification.expires_at)
        wf.notice = ""
        st.session_state.pop("verify__error", None)
    except NotReadyError as error:
        st.session_state["verify__preparing"] = (error.task_id, callback, secret)
    except ApimartError as error:
        st.session_state["verify__error"] = (error, "create")


def renewed_if_expired() -> VerificationAttempt | None:
    """The current attempt; a fresh one instead when it expired and automatic renewal is on."""
    wf = state.workflow()
    attempt = wf.verification
    if attempt is not None and attempt.state() == EXPIRED and wf.auto_renew:
        wf.expired_sessions += 1
        create_session()
        attempt = wf.verification
    return attempt


def get_group() -> None:
    """Query the token (only after a success signal) and go on to the group step."""
    wf = state.workflow()
    attempt = wf.verification
    st.session_state.pop("verify__confirming", None)
    try:
        group_id = flow.finish_verification(state.client(), attempt, store=state.store())
    except flow.RefusedError as refusal:
        st.session_state["verify__refusal"] = said_of(refusal)
        return
    except ApimartError as error:
        if attempt.state() == SPENT:
            # Upstream refused the token: it is gone. No Retry can help; the page offers a new link.
            st.session_state.pop("verify__error", None)
            st.session_state["verify__spent_reason"] = error.message
        else:
            st.session_state["verify__error"] = (error, "group")
        return
    st.session_state.pop("verify__error", None)
    st.session_state.pop("verify__refusal", None)
    # A new person: never the name of the one worked on before (a group verified again keeps its own name).
    state.use_group(group_id)
    wf.notice = N_("Verified: the person's asset group is ready. Give it a name you will recognise.")
    st.session_state["verify__go_to_group"] = True


def continue_to_group(group_id: str) -> None:
    if group_id and group_id != state.workflow().group_id:
        state.use_group(group_id)
    st.session_state["verify__go_to_group"] = True
