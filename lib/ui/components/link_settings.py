"""The verification link's settings: the phone page's language, automatic renewal, the callback URL."""

import streamlit as st

from lib.ui import language, state
from lib.ui.components.verify_actions import callback_url
from lib.verification import LANGUAGES


def link_settings() -> None:
    wf = state.workflow()
    _ = language.translator()
    with st.expander(_("Link settings: language, automatic renewal, where the phone goes afterwards")):
        st.radio(
            _("Language of the phone page"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            index=list(LANGUAGES).index(wf.language),
            key="verify__language",
            horizontal=True,
            on_change=lambda: setattr(wf, "language", st.session_state["verify__language"]),
        )
        st.toggle(
            _("Make a new link automatically when one expires"),
            value=wf.auto_renew,
            key="verify__auto_renew",
            on_change=lambda: setattr(wf, "auto_renew", st.session_state["verify__auto_renew"]),
        )
        st.text_input(
            _("Where the phone is sent when the person finishes (callback URL)"),
            value=callback_url(),
            key="verify__callback_url",
            on_change=lambda: setattr(wf, "callback_url", st.session_state["verify__callback_url"].strip()),
            help=_(
                "By default this app's own /callback route. Set AVATAR_DESK_PUBLIC_URL when phones reach the app "
                "through another address."
            ),
        )
