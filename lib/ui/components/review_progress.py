"""The review's progress: polls the unfinished tasks without blocking the page and shows the counts."""

from __future__ import annotations

import time

import streamlit as st

from lib import flow
from lib.ledger import AssetLedger
from lib.ui import language, review_poll, state
from lib.ui.components import error_slot
from lib.ui.words import Kind

ERRORS_KEY = "review__poll_errors"  # the last read's errors, shown until the next read


def show(wf: state.Workflow, ledger: AssetLedger, kind: Kind) -> None:
    # Tick in a timed fragment only while something is under review; a finished review is drawn once.
    pending_at_render = bool(ledger.pending_task_ids())
    if pending_at_render:
        st.fragment(review_progress, run_every=review_poll.tick_every(ledger))(wf, ledger, kind)
    else:
        review_progress(wf, ledger, kind)


def review_progress(wf: state.Workflow, ledger: AssetLedger, kind: Kind) -> None:
    """Reads the unfinished tasks (one GET each) when they are due (lib.ui.review_poll) and redraws the
    counts; the page's tables are redrawn only when a task finishes."""
    before = len(ledger.pending_task_ids())
    if before and review_poll.due(ledger):
        st.session_state[ERRORS_KEY] = flow.poll_reviews(state.client(), ledger, store=state.store())
        review_poll.polled(ledger)
    errors = st.session_state.get(ERRORS_KEY, []) if ledger.pending_task_ids() else []
    counts = state.ledger_view(ledger, "review_counts", (id(ledger), ledger.version), ledger.counts)
    _ = language.translator()
    cols = st.columns(4)
    cols[0].metric(_("Sent"), counts["submitted"])
    cols[1].metric(_("Approved"), counts["usable"])
    cols[2].metric(_("Not approved"), counts["failed"])
    cols[3].metric(_("Being checked"), counts["pending"])
    if counts["pending"]:
        started = wf.review_started_at
        st.progress(
            ledger.progress(),
            text=_("Checking {pending} of {assets}… since {clock} ({span} so far)").format(
                pending=counts["pending"],
                assets=kind.count(counts["submitted"]),
                clock=language.clock(started, seconds=True),  # in the browser's time zone
                span=language.span(time.time() - started),
            ),
        )
    for error in errors[:1]:
        # A failed poll loses nothing: the next tick asks again.
        error_slot.show_error(error, again=_("the page asks again by itself every few seconds"))
    if len(ledger.pending_task_ids()) != before:
        st.rerun()
