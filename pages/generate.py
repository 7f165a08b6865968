"""Step 5, Generate: a person's approved photos and clips (asset:// URLs) into a Seedance 2.0 video. The
choices live on the session's Workflow (wf.generate): widget values are wiped when the operator opens another
page, so each widget is re-created from them and copies its value back in its callback
(lib/ui/components/generate_choices.py)."""

import streamlit as st

from lib import generation
from lib.ui import language, state, unsettled
from lib.ui.components import (
    earlier_videos,
    generate_button,
    go_to_step,
    prompt_box,
    reference_list,
    reference_picker,
    video_cards,
    video_settings,
)

wf = state.workflow()
store = state.store()
_ = language.translator()
go_to_step.step_header(
    5,
    _("Make a video"),
    _("Use a person's approved photos and clips with a -face model. They are not checked a second time."),
)

refs = generation.references(state.usable_assets(), wf.ledger, wf.group_label)
not_ready = sum(p.failed + p.pending for p in state.people())

go_to_step.require(
    bool(refs),
    _("No approved assets yet: submit photos or clips and wait until the review approves them."),
    "pages/review.py",
    _("Go to the review"),
)
if not_ready:
    st.caption(
        _.ngettext(
            "{n} photo or clip cannot be picked: only approved ones can be used. Those not approved can be sent "
            "again from the review; the others are still being checked.",
            "{n} photos or clips cannot be picked: only approved ones can be used. Those not approved can be "
            "sent again from the review; the others are still being checked.",
            not_ready,
        ).format(n=not_ready)
    )

reference_picker.start_picks(refs)
reference_picker.pick(refs)
reference_picker.by_url()

spec = wf.generate.spec(refs)
labelled = reference_list.show(spec, refs)
prompt_box.show(spec, labelled)
video_settings.show()
problems = generate_button.checks(spec)
generate_button.show(spec, problems)

if wf.videos:
    st.subheader(_("Videos of this session"))
    video_cards.show(wf.videos, store)
    unsettled.show_error()
earlier_videos.show(store, wf.videos)
st.page_link("pages/library.py", label=_("Everything is also in the Library"), icon=":material/video_library:")
