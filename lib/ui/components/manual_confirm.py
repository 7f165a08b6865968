"""The operator's "the person has finished" for a phone that could not reach this app: asked twice, since
confirming too early uses the link up."""

import streamlit as st

from lib.ui import language, state
from lib.ui.components.verify_actions import get_group


def _ask() -> None:
    st.session_state["verify__confirming"] = True


def _cancel() -> None:
    st.session_state.pop("verify__confirming", None)


def _confirm() -> None:
    state.workflow().verification.confirm_by_operator()
    get_group()


def manual_confirm() -> None:
    _ = language.translator()
    if st.session_state.get("verify__confirming"):
        with st.container(border=True):
            st.warning(
                _(
                    "Only if the person's phone shows 'done'. If they have not finished, this uses up the link "
                    "and they must scan a new one."
                ),
                icon=":material/front_hand:",
            )
            yes, no = st.columns(2)
            yes.button(_("Confirm"), key="verify__confirm_yes", type="primary", on_click=_confirm)
            no.button(_("Cancel"), key="verify__confirm_no", on_click=_cancel)
    else:
        st.button(
            _("The person has finished…"),
            key="verify__confirm",
            on_click=_ask,
            icon=":material/how_to_reg:",
            help=_(
                "Only when the phone showed 'done' but this page did not move on (the phone could not reach this app)."
            ),
        )
