"""Step 3, Submit: an editable asset table with a type per row, checks per row, then one click to send
(one request per type, at most 20 assets each)."""

import streamlit as st

from lib.submission_view import checked
from lib.ui import language, state
from lib.ui.components import (
    asset_editor,
    asset_input,
    check_table,
    earlier_files,
    fix_buttons,
    go_to_step,
    hosting_guard,
    media_rows,
    phone_capture,
    send_button,
    send_outcome,
    url_probe,
)
from lib.ui.text import code, literal

wf = state.workflow()
_ = language.translator()
go_to_step.step_header(
    3, _("Submit assets"), _("Photos and clips of the verified person, sent to their group for review.")
)
go_to_step.require(
    bool(wf.group_id), _("Choose the person's asset group first."), "pages/group.py", _("Go to the group step")
)
st.caption(_("Sending to **{name}**").format(name=literal(wf.group_label) or _("the person without a label")))
with st.expander(_("Details")):
    st.markdown(_("Group id: {id}").format(id=code(wf.group_id)))

phone_open = phone_capture.on_submit(wf.group_id)  # first: the phone's files join the table, refused list
asset_input.show()
earlier_files.show(wf)
rows = asset_editor.edit(wf)
files = media_rows.read(rows)
probe = url_probe.answers()
checks = checked(rows, probe, asset_editor.default_type(), hosted=files.urls)
asset_editor.default_type_choice(checks)
if rows:
    url_probe.button()
view = check_table.show(checks, probe, files)
fix_buttons.show(checks, files)
send_button.show(rows, view, held=hosting_guard.blocks(files))
send_outcome.show(wf, view.ready)
if phone_open:
    phone_capture.poll(wf.group_id)
