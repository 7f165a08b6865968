"""Go to step: the step header, the first unfinished step of the workflow, its one primary button, and the
guard that stops a page whose earlier steps are not done."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.ui import language, state
from lib.ui.text import literal
from lib.ui.words import assets_in, sentence

CURRENT_PAGE_KEY = "avatar_desk__page"  # the page file this run shows (set by the shell)


@dataclass(frozen=True)
class Step:
    """Where the operator should go next: the page, the button's words and one sentence of why."""

    page: str
    label: str
    why: str
    icon: str


def step_header(number: int, title: str, caption: str) -> None:
    st.title(f"{number}. {title}")
    st.caption(caption)


def first_unfinished_step(wf: state.Workflow) -> Step | None:
    """The first step of the workflow that is not done yet, from the session's state; None when a person's
    photos or clips have been approved and nothing is being checked (everything up to Generate is done)."""
    _ = language.translator()
    if not wf.group_id:
        return Step(
            "pages/verify.py",
            _("Verify a person"),
            _("No person is chosen yet: verify one first, or pick someone verified before on the Group step."),
            ":material/qr_code_2:",
        )
    who = literal(wf.group_label) or _("this person")
    ledger = wf.ledger
    if not (ledger and ledger.tasks):
        rows = [r for r in wf.draft if r.url or r.name]
        why = (
            _.ngettext(
                "{n} row for {who} waits in the table: check and send them.",
                "{n} rows for {who} wait in the table: check and send them.",
                len(rows),
            ).format(n=len(rows), who=who)
            if rows
            else _("Nothing has been submitted for {who} yet: send their photos or clips first.").format(who=who)
        )
        return Step("pages/submit.py", _("Submit photos or clips"), why, ":material/upload:")
    counts = ledger.counts()
    if ledger.pending_task_ids() or counts["pending"]:
        return Step(
            "pages/review.py",
            _("See the review"),
            _.ngettext(
                "{assets} of {who} is still being checked: the review shows them as they are approved.",
                "{assets} of {who} are still being checked: the review shows them as they are approved.",
                counts["pending"],
            ).format(assets=sentence(assets_in(_, counts["pending"], ledger.kind())), who=who),
            ":material/fact_check:",
        )
    if not counts["usable"]:
        return Step(
            "pages/review.py",
            _("See the review"),
            _(
                "None of {who}'s photos or clips was approved: the review says why and lets you send better ones."
            ).format(who=who),
            ":material/fact_check:",
        )
    return None


def go_button(step: Step, key: str) -> None:
    """The one primary button of a page: it goes to `step`'s page."""
    if st.button(step.label, key=key, type="primary", icon=step.icon):
        st.switch_page(step.page)


def require(
    done: bool, message: str = "", page: str = "", label: str = "", *, key: str = "guard__go"
) -> None:
    """Stop the page when an earlier step is not done, with one sentence of why and one primary button
    straight to the first unfinished step of the workflow (not merely the step before this page).
    `message`, `page` and `label` say where to go when the workflow state points nowhere earlier than
    this page (the page's own condition is not a step, e.g. no approved asset of any saved person)."""
    if done:
        return
    step = first_unfinished_step(state.workflow())
    here = st.session_state.get(CURRENT_PAGE_KEY)
    if step is None or step.page == here:
        _ = language.translator()
        step = Step(
            page or "pages/home.py",
            label or _("Go to the Start page"),
            message,
            ":material/arrow_forward:",
        )
    if step.why:
        st.info(step.why)
    go_button(step, key)
    st.stop()
