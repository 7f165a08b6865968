"""The ones not approved, read-only until the operator chooses to act; then ticks, new URLs and Resubmit."""

from __future__ import annotations

import time

import streamlit as st

from lib import flow, review
from lib.ui import review_poll, state
from lib.ui.components import asset_tables, error_slot, media_rows
from lib.ui.components.review_view import ReviewView
from lib.ui.text import literal

EDITOR_KEY = "review__failed_editor"
REFUSAL_KEY = "review__refusal"
ERROR_KEY = "review__error"


def show(wf: state.Workflow, view: ReviewView) -> None:
    """The table or the form, then what the last resubmit said (kept across reruns)."""
    if view.failed.empty:
        pass
    elif not st.toggle(
        "Send again or replace the ones not approved",
        key="review__resubmit_mode",
        help="Opens the list for editing: tick which to send again and give a new URL where one is needed.",
    ):
        # Read-only until the operator chooses to act: cheap to redraw while other tasks are polled.
        shown = view.cached(
            "review_failed_shown", lambda: review.failed_shown(view.failed, view.photos, view.previews)
        )
        asset_tables.failed_table(shown, key="review__failed")
    else:
        _form(wf, view)
    if refusal := st.session_state.get(REFUSAL_KEY):
        st.warning(literal(refusal))  # may name the operator's assets
    if error := st.session_state.get(ERROR_KEY):
        error_slot.show_error(error, again="press the resubmit button again")


def _form(wf: state.Workflow, view: ReviewView) -> None:
    failed, one = view.failed, view.kind.one
    editable = view.cached(
        "review_failed_editable", lambda: review.failed_editable(failed, view.photos, view.previews)
    )
    edited = st.data_editor(
        editable,
        key=EDITOR_KEY,
        hide_index=True,
        width="stretch",
        placeholder="",
        disabled=[c for c in editable.columns if c not in ("resubmit", "new_url")],
        column_config={
            **asset_tables.failed_columns(),
            "resubmit": st.column_config.CheckboxColumn(
                "Resubmit",
                help=f"Send this again. Refused for the {one} itself: needs a new URL (choose another {one}).",
            ),
            "new_url": st.column_config.TextColumn(
                "Replace URL with",
                help="Empty: send the same URL again (only when the cause was not the file)",
            ),
        },
    )
    chosen = edited[edited["resubmit"].fillna(False).astype(bool)]
    replaced = int((chosen["new_url"].fillna("").str.strip() != "").sum())
    _, missing = review.resubmit_plan(
        failed.assign(resubmit=edited["resubmit"].values, new_url=edited["new_url"].values)
    )
    if missing:
        st.warning(
            f"Choose another {one} for {literal(', '.join(missing))}: "
            f"{'it was' if len(missing) == 1 else 'they were'} not approved because of the {one} itself, "
            "so the same URL would be refused again. Put a new URL in “Replace URL with”, or untick "
            f"{'it' if len(missing) == 1 else 'them'}.",
            icon=":material/photo_camera:",
        )
    st.button(
        f"Resubmit {len(chosen)} asset{'s' if len(chosen) != 1 else ''}, {replaced} with a new URL",
        key="review__resubmit",
        disabled=chosen.empty,
        type="primary",
        on_click=_resubmit,
        args=(wf, view),
        icon=":material/replay:",
    )


def _resubmit(wf: state.Workflow, view: ReviewView) -> None:
    edits = (st.session_state.get(EDITOR_KEY) or {}).get("edited_rows", {})
    replacements, missing = review.resubmit_plan(review.with_edits(view.failed, edits))
    one = view.kind.one
    if missing:
        st.session_state[REFUSAL_KEY] = (
            f"Nothing was sent: {', '.join(missing)} {'was' if len(missing) == 1 else 'were'} not approved "
            f"because of the {one} itself, so the same URL would be refused again. Choose another {one} "
            f"(a new URL in “Replace URL with”) or untick {'it' if len(missing) == 1 else 'them'}."
        )
        return
    try:
        with error_slot.sending(view.kind.count(len(replacements))):
            outcome = flow.resubmit(
                state.client(),
                wf.own_ledger(),  # a shared review: this session's own copy from here (state.Workflow)
                replacements,
                store=state.store(),
                hosted=media_rows.hosted_urls(replacements.values()),
            )
    except flow.RefusedError as refusal:
        st.session_state[REFUSAL_KEY] = str(refusal)
        return
    st.session_state.pop(REFUSAL_KEY, None)
    review_poll.note_sent(wf.ledger)
    if outcome.error:
        st.session_state[ERROR_KEY] = outcome.error
    else:
        st.session_state.pop(ERROR_KEY, None)
    if outcome.sent_keys:
        wf.review_started_at = time.time()
