"""Whether a phone can open the verification link, and whether it comes back to this app afterwards."""

import os

import streamlit as st

from lib import reachability
from lib.ui import language, state
from lib.ui.components.verify_actions import callback_url
from lib.ui.text import literal


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


def live_callback_advice() -> None:
    """Live mode, before the QR is shown: will the phone's browser come back to this app after the check?"""
    if not state.connection_settings().is_sandbox and (
        advice := reachability.callback_advice(callback_url(), _=language.translator())
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
        _=language.translator(),
    )
    if advice or (advice := reachability.callback_advice(callback_url(), _=language.translator())):
        show_advice(advice)
