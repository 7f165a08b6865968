"""The waiting verification link: its QR code, countdown, the link to copy, the message to send the person
and the manual confirm. Shown only while the link can still be used."""

import streamlit as st

from lib.apimart import with_language
from lib.callbacks import server_inbox
from lib.qr import qr_png
from lib.ui import language, state, when
from lib.ui.components.manual_confirm import manual_confirm
from lib.verification import APPROVED, WAITING, VerificationAttempt, handoff_text

# The callback watch's tick. Cheap: a look into this process's callback inbox and the countdown redrawn, no
# API call; a quarter of a second, so the page moves on soon after the phone's redirect reaches the server.
WATCH_EVERY_S = 0.25
QUERY_NOW_KEY = "verify__query_now"  # set by the watch: the page's next run queries the token first


@st.fragment(run_every=WATCH_EVERY_S)
def live_status() -> None:
    """Countdown and callback watch: reads this attempt's own entry in the server's callback inbox (by its
    secret, never by the token), never the API. On a success the whole page runs again at once and queries
    the token before anything else (pages/verify.py), then opens the Group step. Not from here: that full
    run stops this tick in the browser first, so no tick still on its way can land after the switch and
    ask for this page again (which would leave the Group step blank)."""
    current = state.workflow().verification
    if current.apply_callback(server_inbox().get(current.callback_secret)):
        if current.outcome == APPROVED:
            st.session_state[QUERY_NOW_KEY] = True
        st.rerun()
    if current.state() != WAITING:
        st.rerun()  # the whole page changes (no QR code, other buttons), not just this box
    left = int(current.remaining())
    _ = language.translator()
    st.progress(
        left / current.lifetime, text=_("Waiting for the person: the link expires in **{left} s**").format(left=left)
    )
    st.caption(_("This page moves on by itself when the person finishes on their phone."))


def qr_card(attempt: VerificationAttempt) -> str:
    """Shows the card; returns the link it shows (in the phone page's language)."""
    _ = language.translator()
    h5_language = state.workflow().language
    link = with_language(attempt.h5_link, h5_language)
    qr_col, info_col = st.columns([2, 3])
    with qr_col:
        st.image(
            qr_png(link, scale=10),
            output_format="PNG",
            caption=_("Scan with the person's phone"),
            width="stretch",
        )
    with info_col:
        live_status()
        st.markdown(_("**Link** (copy with the icon on the right)"))
        st.code(link, language=None, wrap_lines=True)
        with st.expander(_("Message to send the person")):
            st.code(
                handoff_text(link, attempt.expires_at, h5_language, when.zone()), language=None, wrap_lines=True
            )
        manual_confirm()
    return link
