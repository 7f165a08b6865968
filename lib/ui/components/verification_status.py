"""What became of a verification link, in words and its one next button: being prepared, failed to make,
finished on the phone, verified, expired, failed or used up; with its details for support."""

import streamlit as st

from lib.ui import state, when
from lib.ui.components import error_slot
from lib.ui.components.verify_actions import continue_to_group, create_session, get_group, open_session
from lib.ui.text import code, literal
from lib.verification import EXPIRED, FAILED, VerificationAttempt


def details(attempt: VerificationAttempt, *, group_id: str = "", upstream: str = "") -> None:
    """Raw ids and upstream's own words, for support: out of the way of the operator's next step."""
    with st.expander("Details"):
        lines = [
            f"Verification session {code(attempt.task_id)}, made at {when.clock(attempt.created_at, seconds=True)}; "
            f"its link ends at {when.clock(attempt.expires_at, seconds=True)}"
        ]
        if group_id:
            lines.append(f"Group id {code(group_id)}")
        if upstream:
            lines.append(f"APIMart said: {literal(upstream)}")
        st.caption("  \n".join(lines))


def failure() -> None:
    """The last request's error: making a link (with Retry) or reading the group (press the button again)."""
    if not (failed := st.session_state.get("verify__error")):
        return
    error, action = failed
    if action == "create":
        if error_slot.show_error(error, retry_key="verify__retry", repeat_is_safe=True):
            st.session_state.pop("verify__error", None)
            create_session()
            st.rerun()
    else:
        error_slot.show_error(error, again="press “Get the group id” again", repeat_is_safe=True)


@st.fragment(run_every=1.0)
def preparing_link() -> None:
    """Reads the session whose link was not ready yet, once a tick (never a new session), until it is."""
    task_id, callback, secret = st.session_state["verify__preparing"]
    open_session(callback, secret, session_task_id=task_id)
    if "verify__preparing" not in st.session_state:
        st.rerun()  # the link (or an error) is here: the whole page changes
    st.info("APIMart is preparing the verification link…", icon=":material/hourglass_top:")


def verified(attempt: VerificationAttempt) -> None:
    """A link whose token was read: the group it gave (from the store, the durable word), or none."""
    group_id = (state.stored_verification(attempt.task_id) or {}).get("group_id") or ""
    if group_id:
        label = state.workflow().known_groups.get(group_id, "")
        who = f" as **{literal(label)}**" if label else ""
        st.success(
            f"Verified at {when.clock(attempt.created_at)}: the person's group is saved{who}.",
            icon=":material/verified:",
        )
        st.button(
            "Continue: name the person",
            key="verify__to_group",
            type="primary",
            on_click=continue_to_group,
            args=(group_id,),
            icon=":material/arrow_forward:",
        )
    else:
        st.info("This link was used, and the registry holds no group from it: verify the person again.")
    details(attempt, group_id=group_id)


def start_button(first: bool) -> None:
    st.button(
        "Create verification session" if first else "Verify another person",
        key="verify__create",
        type="primary" if first else "secondary",
        on_click=create_session,
        icon=":material/qr_code_2:",
    )


def ended(attempt: VerificationAttempt, status: str) -> None:
    """An expired, failed or used-up link: what happened and one button for a new link, no QR code."""
    if status == EXPIRED:
        st.warning(
            "The link expired before the person finished. Make a new one: nothing else is lost.",
            icon=":material/timer_off:",
        )
    elif status == FAILED:
        st.error(
            "The verification failed on the phone. Make a new link and let the person try again.",
            icon=":material/block:",
        )
    else:
        st.error(
            "This link is used up: APIMart refused its one-time token, so it gave no group"
            + (
                " (it was confirmed by hand before the person had finished)"
                if attempt.signal == "operator"
                else ""
            )
            + ". Make a new link and let the person scan it again; nothing else is lost.",
            icon=":material/link_off:",
        )
    st.button(
        "Make a new link",
        key="verify__renew",
        type="primary",
        on_click=create_session,
        icon=":material/refresh:",
        help="A fresh link and QR code. Nothing else is lost: labels, groups and assets stay.",
    )
    details(attempt, upstream=st.session_state.get("verify__spent_reason", ""))


def finished(attempt: VerificationAttempt) -> None:
    # The person finished (the phone said so, or the operator confirmed), and the group is not read yet.
    st.success("The person finished on the phone.", icon=":material/check_circle:")
    st.button(
        "Get the group id",
        key="verify__query",
        type="primary",
        on_click=get_group,
        icon=":material/arrow_forward:",
    )
    details(attempt)
