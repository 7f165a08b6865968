"""The ones not approved, read-only until the operator chooses to act; then ticks, new URLs and Resubmit."""

from __future__ import annotations

import time

import streamlit as st

from lib import flow, review
from lib.i18n import said_in, said_of
from lib.ui import language, review_poll, state
from lib.ui.components import asset_tables, error_slot, media_rows
from lib.ui.components.review_view import ReviewView
from lib.ui.text import literal

EDITOR_KEY = "review__failed_editor"
REFUSAL_KEY = "review__refusal"
ERROR_KEY = "review__error"
TAKEN_KEY = "review__taken_elsewhere"  # how many the last resubmit left to another tab or server


def show(wf: state.Workflow, view: ReviewView) -> None:
    """The table or the form, then what the last resubmit said (kept across reruns)."""
    _ = language.translator()
    if view.failed.empty:
        pass
    elif not st.toggle(
        _("Send again or replace the ones not approved"),
        key="review__resubmit_mode",
        help=_("Opens the list for editing: tick which to send again and give a new URL where one is needed."),
    ):
        # Read-only until the operator chooses to act: cheap to redraw while other tasks are polled. Its
        # words once per change and language (English: the frame as lib.review made it).
        shown = view.cached(
            _in_locale("review_failed_shown", _),
            lambda: asset_tables.in_words(review.failed_shown(view.failed, view.photos, view.previews), _),
        )
        asset_tables.failed_table(shown, key="review__failed")
    else:
        _form(wf, view)
    if refusal := st.session_state.get(REFUSAL_KEY):
        st.warning(literal(said_in(_, refusal)))  # may name the operator's assets
    if taken := st.session_state.get(TAKEN_KEY):
        st.info(
            _.ngettext(
                "{n} of them was already being sent again from another tab or server: it was not sent twice, and "
                "the tables show it as it stands now.",
                "{n} of them were already being sent again from another tab or server: they were not sent twice, "
                "and the tables show them as they stand now.",
                taken,
            ).format(n=taken),
            icon=":material/group:",
        )
    if error := st.session_state.get(ERROR_KEY):
        error_slot.show_error(error, again=_("press the resubmit button again"))


def _form(wf: state.Workflow, view: ReviewView) -> None:
    failed, one = view.failed, view.kind.one
    _ = language.translator()
    editable = view.cached(
        _in_locale("review_failed_editable", _),
        lambda: asset_tables.in_words(review.failed_editable(failed, view.photos, view.previews), _),
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
                _("Resubmit"),
                help=_("Send this again. Refused for the {one} itself: needs a new URL (choose another {one}).").format(
                    one=one
                ),
            ),
            "new_url": st.column_config.TextColumn(
                _("Replace URL with"),
                help=_("Empty: send the same URL again (only when the cause was not the file)"),
            ),
        },
    )
    chosen = edited[edited["resubmit"].fillna(False).astype(bool)]
    replaced = int((chosen["new_url"].fillna("").str.strip() != "").sum())
    missing = review.resubmit_plan(
        failed.assign(resubmit=edited["resubmit"].values, new_url=edited["new_url"].values)
    )[1]
    if missing:
        st.warning(
            _.ngettext(
                "Choose another {one} for {names}: it was not approved because of the {one} itself, so the same "
                "URL would be refused again. Put a new URL in “Replace URL with”, or untick it.",
                "Choose another {one} for {names}: they were not approved because of the {one} itself, so the "
                "same URL would be refused again. Put a new URL in “Replace URL with”, or untick them.",
                len(missing),
            ).format(one=one, names=literal(", ".join(missing))),
            icon=":material/photo_camera:",
        )
    st.button(
        _.ngettext(
            "Resubmit {n} asset, {replaced} with a new URL", "Resubmit {n} assets, {replaced} with a new URL", len(chosen)
        ).format(n=len(chosen), replaced=replaced),
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
        _ = language.translator()
        st.session_state[REFUSAL_KEY] = _.ngettext(
            "Nothing was sent: {names} was not approved because of the {one} itself, so the same URL would be "
            "refused again. Choose another {one} (a new URL in “Replace URL with”) or untick it.",
            "Nothing was sent: {names} were not approved because of the {one} itself, so the same URL would be "
            "refused again. Choose another {one} (a new URL in “Replace URL with”) or untick them.",
            len(missing),
        ).format(names=", ".join(missing), one=one)
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
        st.session_state[REFUSAL_KEY] = said_of(refusal)
        return
    st.session_state.pop(REFUSAL_KEY, None)
    if outcome.taken_elsewhere:
        # Another tab or server claimed them first (lib.flow._write_ahead): this page's copy still showed
        # them not approved. Show the person's review as the store holds it now, that send included.
        kept = state.store()
        wf.ledger = state.stored_ledger(kept, wf.ledger.group_id) or wf.ledger
        if wf.ledger.pending_task_ids() and not wf.review_started_at:
            wf.review_started_at = time.time()  # the other's send is under review: the progress counts from now
        st.session_state[TAKEN_KEY] = len(outcome.taken_elsewhere)
    else:
        st.session_state.pop(TAKEN_KEY, None)
    review_poll.note_sent(wf.ledger)
    if outcome.error:
        st.session_state[ERROR_KEY] = outcome.error
    else:
        st.session_state.pop(ERROR_KEY, None)
    if outcome.sent_keys:
        wf.review_started_at = time.time()


def _in_locale(name: str, _) -> str:
    """A cached table's name for `_`'s language (English: the name itself, the table as lib.review made it)."""
    return name if _.locale == "en" else f"{name}_{_.locale}"
