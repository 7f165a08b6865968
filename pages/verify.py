"""Step 1, Verify: the QR code first (a phone held up to it needs it above the fold), its countdown, whether
a phone can reach what it is given, and the hand-over to the group step. A link that expired, failed or was
used up shows no QR code: only what happened and one button for a new link."""

import streamlit as st

from lib.i18n import said_in
from lib.ui import language
from lib.ui.components import go_to_step, verification_status
from lib.ui.components.callback_landing import stop_if_landed
from lib.ui.components.link_settings import link_settings
from lib.ui.components.qr_card import QUERY_NOW_KEY, qr_card
from lib.ui.components.reachability_notice import live_callback_advice, phone_advice
from lib.ui.components.verify_actions import get_group, renewed_if_expired
from lib.verification import APPROVED, EXPIRED, FAILED, SPENT, USED

# The person's phone may land here with its result (a callback URL pointed at this page): it sees only that.
stop_if_landed()

# The callback watch saw the phone's success: the token is queried first, in this full run (its request
# takes a moment, in which the browser's last watch ticks arrive and fold into the switch below).
if st.session_state.pop(QUERY_NOW_KEY, False):
    get_group()
# Set by a button's callback or by the token query: switched here, in the script, where it always works.
if st.session_state.pop("verify__go_to_group", False):
    st.switch_page("pages/group.py")

_ = language.translator()
go_to_step.step_header(
    1, _("Verify the person"), _("The person scans the code with their phone and completes a face check there.")
)

verification_status.failure()
if st.session_state.get("verify__preparing"):
    verification_status.preparing_link()

attempt = renewed_if_expired()
status = attempt.state() if attempt is not None else None

if refusal := st.session_state.get("verify__refusal"):
    st.warning(said_in(_, refusal), icon=":material/front_hand:")

if status is None or status == USED:
    if status == USED:
        verification_status.verified(attempt)
    else:
        live_callback_advice()
    verification_status.start_button(first=status is None)
    link_settings()
    st.stop()

if status in (EXPIRED, FAILED, SPENT):
    verification_status.ended(attempt, status)
    link_settings()
    st.stop()

if status == APPROVED:
    verification_status.finished(attempt)
    st.stop()

link = qr_card(attempt)
phone_advice(link)
verification_status.details(attempt)
link_settings()
