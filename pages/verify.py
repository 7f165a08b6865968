"""Step 1, Verify: a QR code of the H5 link, its countdown, and the hand-over to the group step."""

import time

import streamlit as st

from lib import flow
from lib.apimart import ApimartError, with_language
from lib.callbacks import SECRET_PARAM, new_callback_secret, server_inbox, with_callback_secret
from lib.qr import qr_png
from lib.ui import state, widgets
from lib.ui.text import code
from lib.verification import APPROVED, EXPIRED, FAILED, LANGUAGES, USED, WAITING, handoff_text

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

widgets.step_header(
    1, "Verify the person", "The person scans the code with their phone and completes a face check there."
)
widgets.sandbox_banner()


def create_session() -> None:
    # A secret of this attempt's own rides in the callback URL: only a callback carrying it (and this
    # attempt's token) moves this page; the token alone, which is in the QR code, does not.
    secret = new_callback_secret()
    try:
        wf.verification = flow.start_session(
            state.client(),
            with_callback_secret(wf.callback_url or state.default_callback_url(), secret),
            wf.language,
            lifetime=state.session_lifetime(),
            journal=state.journal(),
        )
        server_inbox().expect(secret, wf.verification.byted_token, wf.verification.expires_at)
        wf.notice = ""
        st.session_state.pop("verify__error", None)
    except ApimartError as error:
        st.session_state["verify__error"] = (error, "create")


def get_group() -> None:
    """Query the token (only after a success signal) and go on to the group step."""
    attempt = wf.verification
    try:
        group_id = flow.finish_verification(
            state.client(), attempt, label=wf.group_label, journal=state.journal()
        )
    except flow.RefusedError as refusal:
        st.session_state["verify__refusal"] = str(refusal)
        return
    except ApimartError as error:
        st.session_state["verify__error"] = (error, "group")
        return
    st.session_state.pop("verify__error", None)
    st.session_state.pop("verify__refusal", None)
    state.use_group(group_id, wf.group_label)
    wf.notice = "Verified: the person's asset group is ready. Give it a name you will recognise."
    st.session_state["verify__go_to_group"] = True


def confirm_finished() -> None:
    wf.verification.confirm_by_operator()
    get_group()


with st.container(border=True):
    left, right = st.columns([1, 1])
    left.radio(
        "Language of the phone page",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        index=list(LANGUAGES).index(wf.language),
        key="verify__language",
        horizontal=True,
        on_change=lambda: setattr(wf, "language", st.session_state["verify__language"]),
    )
    right.toggle(
        "Make a new link automatically when one expires",
        value=wf.auto_renew,
        key="verify__auto_renew",
        on_change=lambda: setattr(wf, "auto_renew", st.session_state["verify__auto_renew"]),
    )
    with st.expander("Callback URL (where the phone is sent when the person finishes)"):
        st.text_input(
            "Callback URL",
            value=wf.callback_url or state.default_callback_url(),
            key="verify__callback_url",
            on_change=lambda: setattr(wf, "callback_url", st.session_state["verify__callback_url"].strip()),
            help="By default this app's own /callback route. Set AVATAR_DESK_PUBLIC_URL when phones reach the app through another address.",
        )

if failure := st.session_state.get("verify__error"):
    error, action = failure
    if widgets.show_error(error, retry_key="verify__retry", repeat_is_safe=True):
        st.session_state.pop("verify__error", None)
        {"create": create_session, "group": get_group}[action]()
        st.rerun()

if st.session_state.pop("verify__go_to_group", False):
    st.switch_page("pages/group.py")

attempt = wf.verification
if attempt is not None and attempt.state() == EXPIRED and wf.auto_renew:
    wf.expired_sessions += 1
    create_session()
    attempt = wf.verification

if attempt is None or attempt.state() == USED:
    if attempt is not None and wf.group_id:
        st.success(f"Verified. Group {code(wf.group_id)}.")
        st.page_link("pages/group.py", label="Go to the group", icon=":material/arrow_forward:")
    st.button(
        "Create verification session",
        key="verify__create",
        type="primary",
        on_click=create_session,
        icon=":material/qr_code_2:",
    )
    st.stop()


waiting_at_render = attempt.state() == WAITING


@st.fragment(run_every=1.0 if waiting_at_render else None)
def live_status() -> None:
    """Countdown and callback watch: reads this attempt's own entry in the server's callback inbox (by its
    secret, never by the token), never the API."""
    current = wf.verification
    if current.apply_callback(server_inbox().get(current.callback_secret)):
        if current.outcome == APPROVED:
            get_group()
        st.rerun()
    status = current.state()
    if status != WAITING and waiting_at_render:
        st.rerun()  # the whole page changes (new buttons), not just this box
    if status == WAITING:
        left = int(current.remaining())
        st.progress(left / current.lifetime, text=f"Waiting for the person: the link expires in **{left} s**")
    elif status == EXPIRED:
        st.warning(
            "The link expired before the person finished. Make a new one: nothing else is lost.",
            icon=":material/timer_off:",
        )
    elif status == FAILED:
        st.error(
            "The verification failed on the phone. Make a new link and let the person try again.",
            icon=":material/block:",
        )
    elif status == APPROVED:
        st.success("The person finished on the phone.", icon=":material/check_circle:")


link = with_language(attempt.h5_link, wf.language)
qr_col, info_col = st.columns([2, 3])
with qr_col:
    st.image(qr_png(link, scale=10), output_format="PNG", caption="Scan with the person's phone", width=360)
with info_col:
    live_status()
    status = attempt.state()
    if status in (EXPIRED, FAILED):
        st.button(
            "Make a new link",
            key="verify__renew",
            type="primary",
            on_click=create_session,
            icon=":material/refresh:",
        )
    st.markdown("**Link** (copy with the icon on the right)")
    st.code(link, language=None, wrap_lines=True)
    with st.expander("Message to send the person"):
        st.code(handoff_text(link, attempt.expires_at, wf.language), language=None, wrap_lines=True)
    if status == WAITING:
        a, b = st.columns(2)
        a.button(
            "Continue",
            key="verify__continue",
            on_click=get_group,
            icon=":material/arrow_forward:",
            help="Goes on only once the phone reported success (or you confirmed it).",
        )
        b.button(
            "The person has finished",
            key="verify__confirm",
            on_click=confirm_finished,
            icon=":material/how_to_reg:",
            help="Use when the phone showed success but could not reach this app.",
        )
    if status == APPROVED and not wf.group_id:
        st.button("Get the group id", key="verify__query", type="primary", on_click=get_group)

if refusal := st.session_state.get("verify__refusal"):
    st.warning(refusal, icon=":material/front_hand:")

st.caption(
    f"Session task {code(attempt.task_id)} · created {time.strftime('%H:%M:%S', time.localtime(attempt.created_at))}"
)
