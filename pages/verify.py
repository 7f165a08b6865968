"""Step 1, Verify: the QR code first (a phone held up to it needs it above the fold), its countdown, whether
a phone can reach what it is given, and the hand-over to the group step. A link that expired, failed or was
used up shows no QR code: only what happened and one button for a new link."""

import os

import streamlit as st

from lib import flow, reachability
from lib.apimart import ApimartError, NotReadyError, with_language
from lib.callbacks import SECRET_PARAM, new_callback_secret, server_inbox, with_callback_secret
from lib.qr import qr_png
from lib.ui import state, when, widgets
from lib.ui.text import code, literal
from lib.verification import (
    APPROVED,
    EXPIRED,
    FAILED,
    LANGUAGES,
    SPENT,
    USED,
    WAITING,
    handoff_text,
)

wf = state.workflow()

# A callback URL pointed at this page (instead of /callback) lands here, on the person's phone, with the
# result in the query: the same secret and the same rules as the /callback route, and the same answer.
if "bytedToken" in st.query_params:
    landed = st.query_params.to_dict()
    st.query_params.clear()
    if (record := server_inbox().record(landed.get(SECRET_PARAM, ""), landed)) is None:
        st.warning("This link is not valid (any more). Ask the person who sent it for a new one.")
    elif record.succeeded:
        st.success("Done: thank you. Your verification is complete. You can close this page.")
    else:
        st.warning(
            "Verification not completed. Tell the person who sent you the link: they can send a new one."
        )
    st.stop()

# Set by a button's callback or by the callback watch: switched here, in the script, where it always works.
if st.session_state.pop("verify__go_to_group", False):
    st.switch_page("pages/group.py")

widgets.step_header(
    1, "Verify the person", "The person scans the code with their phone and completes a face check there."
)


def create_session() -> None:
    # A secret of this attempt's own rides in the callback URL: only a callback carrying it (and this
    # attempt's token) moves this page; the token alone, which is in the QR code, does not.
    secret = new_callback_secret()
    for key in ("verify__refusal", "verify__spent_reason", "verify__confirming"):
        st.session_state.pop(key, None)
    open_session(with_callback_secret(wf.callback_url or state.default_callback_url(), secret), secret)


def open_session(callback: str, secret: str, session_task_id: str | None = None) -> None:
    """Create a session (or read again the one whose link was not ready): the client blocks at most about
    a second, so a link APIMart is still preparing is read again by `preparing_link` on its next tick."""
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


@st.fragment(run_every=1.0)
def preparing_link() -> None:
    """Reads the session whose link was not ready yet, once a tick (never a new session), until it is."""
    task_id, callback, secret = st.session_state["verify__preparing"]
    open_session(callback, secret, session_task_id=task_id)
    if "verify__preparing" not in st.session_state:
        st.rerun()  # the link (or an error) is here: the whole page changes
    st.info("APIMart is preparing the verification link…", icon=":material/hourglass_top:")


def get_group() -> None:
    """Query the token (only after a success signal) and go on to the group step."""
    attempt = wf.verification
    st.session_state.pop("verify__confirming", None)
    try:
        group_id = flow.finish_verification(state.client(), attempt, store=state.store())
    except flow.RefusedError as refusal:
        st.session_state["verify__refusal"] = str(refusal)
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
    wf.notice = "Verified: the person's asset group is ready. Give it a name you will recognise."
    st.session_state["verify__go_to_group"] = True


def ask_to_confirm() -> None:
    st.session_state["verify__confirming"] = True


def cancel_confirm() -> None:
    st.session_state.pop("verify__confirming", None)


def confirm_finished() -> None:
    wf.verification.confirm_by_operator()
    get_group()


def continue_to_group(group_id: str) -> None:
    if group_id and group_id != wf.group_id:
        state.use_group(group_id)
    st.session_state["verify__go_to_group"] = True


def registry_row(task_id: str) -> dict | None:
    """What the store knows about this verification session (the durable word, not the session's)."""
    return state.stored_verification(task_id)


def show_advice(advice: reachability.Advice) -> None:
    body = f"**{literal(advice.problem)}**  \n{advice.consequence}"
    if advice.blocking:
        st.warning(body, icon=":material/wifi_off:")
    else:
        st.caption(f":material/wifi: {body}")
    if advice.command:
        st.code(advice.command, language="bash", wrap_lines=True)
    if advice.note:
        st.caption(advice.note)


def callback_url() -> str:
    return wf.callback_url or state.default_callback_url()


def live_callback_advice() -> None:
    """Live mode, before the QR is shown: will the phone's browser come back to this app after the check?"""
    if not state.connection_settings().is_sandbox and (
        advice := reachability.callback_advice(callback_url())
    ):
        show_advice(advice)


def phone_advice(link: str) -> None:
    """Sandbox mode: can a phone open the link at all? (In live mode the link is APIMart's own.)"""
    if not state.connection_settings().is_sandbox:
        live_callback_advice()
        return
    advice = reachability.phone_link_advice(
        link,
        app_port=int(st.get_option("server.port") or 8501),
        lan=reachability.lan_address() if reachability.reach_of(link) == reachability.THIS_COMPUTER else None,
        sandbox_url=os.environ.get("AVATAR_DESK_SANDBOX_URL") or None,
    )
    if advice or (advice := reachability.callback_advice(callback_url())):
        show_advice(advice)


def settings() -> None:
    with st.expander("Link settings: language, automatic renewal, where the phone goes afterwards"):
        st.radio(
            "Language of the phone page",
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            index=list(LANGUAGES).index(wf.language),
            key="verify__language",
            horizontal=True,
            on_change=lambda: setattr(wf, "language", st.session_state["verify__language"]),
        )
        st.toggle(
            "Make a new link automatically when one expires",
            value=wf.auto_renew,
            key="verify__auto_renew",
            on_change=lambda: setattr(wf, "auto_renew", st.session_state["verify__auto_renew"]),
        )
        st.text_input(
            "Where the phone is sent when the person finishes (callback URL)",
            value=callback_url(),
            key="verify__callback_url",
            on_change=lambda: setattr(wf, "callback_url", st.session_state["verify__callback_url"].strip()),
            help="By default this app's own /callback route. Set AVATAR_DESK_PUBLIC_URL when phones reach the app through another address.",
        )


def details(attempt, *, group_id: str = "", upstream: str = "") -> None:
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


def new_link_button() -> None:
    st.button(
        "Make a new link",
        key="verify__renew",
        type="primary",
        on_click=create_session,
        icon=":material/refresh:",
        help="A fresh link and QR code. Nothing else is lost: labels, groups and assets stay.",
    )


if failure := st.session_state.get("verify__error"):
    error, action = failure
    if action == "create":
        if widgets.show_error(error, retry_key="verify__retry", repeat_is_safe=True):
            st.session_state.pop("verify__error", None)
            create_session()
            st.rerun()
    else:
        widgets.show_error(error, again="press “Get the group id” again", repeat_is_safe=True)

if st.session_state.get("verify__preparing"):
    preparing_link()

attempt = wf.verification
if attempt is not None and attempt.state() == EXPIRED and wf.auto_renew:
    wf.expired_sessions += 1
    create_session()
    attempt = wf.verification

status = attempt.state() if attempt is not None else None

if refusal := st.session_state.get("verify__refusal"):
    st.warning(refusal, icon=":material/front_hand:")

if status is None or status == USED:
    if status == USED:
        row = registry_row(attempt.task_id) or {}
        group_id = row.get("group_id") or ""
        if group_id:
            label = wf.known_groups.get(group_id, "")
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
    else:
        widgets.sandbox_banner()
        live_callback_advice()
    st.button(
        "Create verification session" if status is None else "Verify another person",
        key="verify__create",
        type="primary" if status is None else "secondary",
        on_click=create_session,
        icon=":material/qr_code_2:",
    )
    settings()
    st.stop()

if status in (EXPIRED, FAILED, SPENT):
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
    new_link_button()
    details(attempt, upstream=st.session_state.get("verify__spent_reason", ""))
    settings()
    st.stop()

if status == APPROVED:
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
    st.stop()


@st.fragment(run_every=1.0)
def live_status() -> None:
    """Countdown and callback watch: reads this attempt's own entry in the server's callback inbox (by its
    secret, never by the token), never the API."""
    current = wf.verification
    if current.apply_callback(server_inbox().get(current.callback_secret)):
        if current.outcome == APPROVED:
            get_group()
        st.rerun()
    if current.state() != WAITING:
        st.rerun()  # the whole page changes (no QR code, other buttons), not just this box
    left = int(current.remaining())
    st.progress(left / current.lifetime, text=f"Waiting for the person: the link expires in **{left} s**")
    st.caption("This page moves on by itself when the person finishes on their phone.")


link = with_language(attempt.h5_link, wf.language)
qr_col, info_col = st.columns([2, 3])
with qr_col:
    st.image(
        qr_png(link, scale=10), output_format="PNG", caption="Scan with the person's phone", width="stretch"
    )
with info_col:
    live_status()
    st.markdown("**Link** (copy with the icon on the right)")
    st.code(link, language=None, wrap_lines=True)
    with st.expander("Message to send the person"):
        st.code(
            handoff_text(link, attempt.expires_at, wf.language, when.zone()), language=None, wrap_lines=True
        )
    if st.session_state.get("verify__confirming"):
        with st.container(border=True):
            st.warning(
                "Only if the person's phone shows 'done'. If they have not finished, this uses up the link "
                "and they must scan a new one.",
                icon=":material/front_hand:",
            )
            yes, no = st.columns(2)
            yes.button("Confirm", key="verify__confirm_yes", type="primary", on_click=confirm_finished)
            no.button("Cancel", key="verify__confirm_no", on_click=cancel_confirm)
    else:
        st.button(
            "The person has finished…",
            key="verify__confirm",
            on_click=ask_to_confirm,
            icon=":material/how_to_reg:",
            help="Only when the phone showed 'done' but this page did not move on (the phone could not reach this app).",
        )

phone_advice(link)
widgets.sandbox_banner()
details(attempt)
settings()
