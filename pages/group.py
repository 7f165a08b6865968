"""Step 2, Group: the verified person's asset group, labelled; or a group verified earlier."""

import streamlit as st

from lib.ui import language, state
from lib.ui.components import go_to_step, phone_capture
from lib.ui.components.group_label_form import group_label_form
from lib.ui.components.recover_card import recover_cards
from lib.ui.components.saved_people_picker import saved_people_picker

wf = state.workflow()

# Set by the Continue button's callback: switched here, in the script, where it always works.
if st.session_state.pop("group__go_to_submit", False):
    st.switch_page("pages/submit.py")

_ = language.translator()
go_to_step.step_header(
    2, _("Asset group"), _("One group belongs to one verified person and can be reused without verifying again.")
)

if wf.notice:
    st.success(_(wf.notice), icon=":material/verified:")  # set in English (a msgid) by the step before
    wf.notice = ""

# A verification whose token was spent but whose group id could not be read: one click reads it.
recover_cards()
group_label_form()
if wf.group_id:
    phone_capture.card(wf.group_id, wf.group_label)
saved_people_picker()
