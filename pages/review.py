"""Step 4, Review: poll the review tasks without blocking, tabulate approved and not approved assets, export
the approved list, resubmit or replace the others, and go on to Generate with the approved ones."""

import time

import streamlit as st

from lib.ui import language, state, unsettled, words
from lib.ui.components import (
    go_to_step,
    resubmit_form,
    review_approved,
    review_details,
    review_failures,
    review_progress,
    review_view,
)
from lib.ui.text import literal

wf = state.workflow()
_ = language.translator()
go_to_step.step_header(
    4, _("Review"), _("APIMart checks each photo or clip: photos take seconds, clips can take minutes.")
)
ledger = wf.ledger
go_to_step.require(
    bool(ledger and ledger.tasks),
    _("Nothing has been submitted yet."),
    "pages/submit.py",
    _("Go to the submit step"),
)
kind = words.review_kind_in(_, ledger.kind())
st.caption(
    _("Person **{name}** · {assets}").format(name=literal(wf.group_label) or _("(no name yet)"), assets=kind.many)
)

if wf.review_started_at is None:
    wf.review_started_at = time.time()
review_progress.show(wf, ledger, kind)

view = review_view.build(ledger, kind)
review_approved.show(wf, view)
review_failures.show(view)
resubmit_form.show(wf, view)
unsettled.asset_sends(ledger, key="review__unsettled")
unsettled.show_error()
review_details.show(ledger)
