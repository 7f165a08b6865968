"""What became of a verification link, in words and its one next button: being prepared, failed to make,
finished on the phone, verified, expired, failed or used up; with its details for support."""

import streamlit as st

from lib.ui import language, state
from lib.ui.components import error_slot
from lib.ui.components.verify_actions import continue_to_group, create_session, get_group, open_session
from lib.ui.text import code, literal
from lib.verification import EXPIRED, FAILED, VerificationAttempt


def details(attempt: VerificationAttempt, *, group_id: str = "", upstream: str = "") -> None:
    """Raw ids and upstream's own words, for support: out of the way of the operator's next step."""
    _ = language.translator()
    with st.expander(_("Details")):
        lines = [
            _("Verification session {task}, made at {made}; its link ends at {ends}").format(
                task=code(attempt.task_id),
                made=language.clock(attempt.created_at, seconds=True),
                ends=language.clock(attempt.expires_at, seconds=True),
            )
        ]
        if group_id:
            lines.append(_("Group id {id}").format(id=code(group_id)))
        if upstream:
            lines.append(_("APIMart said: {words}").format(words=literal(upstream)))
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
        _ = language.translator()
        error_slot.show_error(error, again=_("press “Get the group id” again"), repeat_is_safe=True)


@st.fragment(run_every=1.0)
def preparing_link() -> None:
    """Reads the session whose link was not ready yet, once a tick (never a new session), until it is."""
    task_id, callback, secret = st.session_state["verify__preparing"]
    open_session(callback, secret, session_task_id=task_id)
    if "verify__preparing" not in st.session_state:
        st.rerun()  # the link (or an error) is here: the whole page changes
    _ = language.translator()
    st.info(_("APIMart is preparing the verification link…"), icon=":material/hourglass_top:")


def verified(attempt: VerificationAttempt) -> None:
    """A link whose token was read: the group it gave (from the store, the durable word), or none."""
    _ = language.translator()
    group_id = (state.stored_verification(attempt.task_id) or {}).get("group_id") or ""
    if group_id:
        label = state.workflow().known_groups.get(group_id, "")
        at = language.clock(attempt.created_at)
        st.success(
            _("Verified at {time}: the person's group is saved as **{name}**.").format(time=at, name=literal(label))
            if label
            else _("Verified at {time}: the person's group is saved.").format(time=at),
            icon=":material/verified:",
        )
        st.button(
            _("Continue: name the person"),
            key="verify__to_group",
            type="primary",
            on_click=continue_to_group,
            args=(group_id,),
            icon=":material/arrow_forward:",
        )
    else:
        st.info(_("This link was used, and the registry holds no group from it: verify the person again."))
    details(attempt, group_id=group_id)


def start_button(first: bool) -> None:
    _ = language.translator()
    st.button(
        _("Create verification session") if first else _("Verify another person"),
        key="verify__create",
        type="primary" if first else "secondary",
        on_click=create_session,
        icon=":material/qr_code_2:",
    )


def ended(attempt: VerificationAttempt, status: str) -> None:
    """An expired, failed or used-up link: what happened and one button for a new link, no QR code."""
    _ = language.translator()
    if status == EXPIRED:
        st.warning(
            _("The link expired before the person finished. Make a new one: nothing else is lost."),
            icon=":material/timer_off:",
        )
    elif status == FAILED:
        st.error(
            _("The verification failed on the phone. Make a new link and let the person try again."),
            icon=":material/block:",
        )
    elif attempt.signal == "operator":
        st.error(
            _(
                "This link is used up: APIMart refused its one-time token, so it gave no group (it was confirmed "
                "by hand before the person had finished). Make a new link and let the person scan it again; "
                "nothing else is lost."
            ),
            icon=":material/link_off:",
        )
    else:
        st.error(
            _(
                "This link is used up: APIMart refused its one-time token, so it gave no group. Make a new link "
                "and let the person scan it again; nothing else is lost."
            ),
            icon=":material/link_off:",
        )
    st.button(
        _("Make a new link"),
        key="verify__renew",
        type="primary",
        on_click=create_session,
        icon=":material/refresh:",
        help=_("A fresh link and QR code. Nothing else is lost: labels, groups and assets stay."),
    )
    details(attempt, upstream=st.session_state.get("verify__spent_reason", ""))


def finished(attempt: VerificationAttempt) -> None:
    # The person finished (the phone said so, or the operator confirmed), and the group is not read yet.
    _ = language.translator()
    st.success(_("The person finished on the phone."), icon=":material/check_circle:")
    st.button(
        _("Get the group id"),
        key="verify__query",
        type="primary",
        on_click=get_group,
        icon=":material/arrow_forward:",
    )
    details(attempt)
