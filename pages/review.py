"""Step 4, Review: poll the review tasks without blocking, tabulate usable and failed assets, export the
usable list, resubmit the failed ones."""

import time

import streamlit as st

from lib import flow, review
from lib.ui import state, unsettled, widgets
from lib.ui.text import code, literal

wf = state.workflow()
widgets.step_header(4, "Review", "APIMart reviews each asset: images take seconds, videos can take minutes.")
ledger = wf.ledger
widgets.require(
    bool(ledger and ledger.tasks),
    "Nothing has been submitted yet.",
    "pages/submit.py",
    "Go to the submit step",
)
st.caption(
    f"Group **{literal(wf.group_label) or '(no label)'}** · {code(ledger.group_id)} · {literal(ledger.asset_type)}"
)

if wf.review_started_at is None:
    wf.review_started_at = time.time()
pending_at_render = bool(ledger.pending_task_ids())


def review_progress() -> None:
    """Polls the unfinished tasks (one GET each) and redraws the metrics; the page's tables are redrawn
    only when a task finishes."""
    before = len(ledger.pending_task_ids())
    errors = flow.poll_reviews(state.client(), ledger, journal=state.journal()) if before else []
    counts = state.cached_view("review_counts", (id(ledger), ledger.version), ledger.counts)
    cols = st.columns(4)
    cols[0].metric("Submitted", counts["submitted"])
    cols[1].metric("Usable", counts["usable"])
    cols[2].metric("Failed", counts["failed"])
    cols[3].metric("Pending", counts["pending"])
    if counts["pending"]:
        elapsed = int(time.time() - wf.review_started_at)
        st.progress(
            ledger.progress(),
            text=f"Reviewing… {elapsed} s elapsed, {len(ledger.pending_task_ids())} task(s) open",
        )
    for error in errors[:1]:
        # A failed poll loses nothing: the next tick asks again.
        widgets.show_error(error, again="the page asks again by itself every few seconds")
    if len(ledger.pending_task_ids()) != before:
        st.rerun()


# Poll in a timed fragment only while something is under review; a finished review is drawn once.
(st.fragment(review_progress, run_every=2.0) if pending_at_render else review_progress)()

# Frames and exports change only when a review result or submission does: build them once per change.
view_version = (id(ledger), ledger.version)
FAILED_COLUMNS = {
    "name": "Name",
    "source_url": "Source URL",
    "code": st.column_config.TextColumn("Code", width="small"),
    "reason": st.column_config.TextColumn("Reason", width="medium"),
    "fix": st.column_config.TextColumn("Suggested fix", width="large"),
    "attempt": st.column_config.NumberColumn("Attempt", width="small"),
    "previous_codes": st.column_config.TextColumn("Earlier failures"),
}
usable = state.cached_view("review_usable", view_version, lambda: review.usable_frame(ledger))
failed = state.cached_view("review_failed", view_version, lambda: review.failed_frame(ledger))

st.subheader(f"Usable ({len(usable)})")
if usable.empty:
    st.caption("No usable assets yet.")
else:
    st.dataframe(
        state.cached_view(
            "review_usable_shown",
            view_version,
            lambda: usable[["name", "asset_url", "source_url", "attempt"]],
        ),
        hide_index=True,
        width="stretch",
        key="review__usable",
        column_config={
            "name": "Name",
            "asset_url": st.column_config.TextColumn("asset:// URL (use in Seedance 2.0)"),
            "source_url": "Source URL",
            "attempt": st.column_config.NumberColumn("Attempt", width="small"),
        },
    )
    a, b = st.columns(2)
    a.download_button(
        "Download CSV",
        lambda: review.usable_csv(usable),  # built on click, not on every rerun
        file_name=f"usable-{ledger.group_id}.csv",
        mime="text/csv",
        key="review__csv",
        icon=":material/download:",
    )
    b.download_button(
        "Download JSON",
        lambda: review.usable_json(usable, ledger.group_id),
        file_name=f"usable-{ledger.group_id}.json",
        mime="application/json",
        key="review__json",
        icon=":material/data_object:",
    )
    if st.toggle("Show the asset:// URLs to copy", key="review__show_urls"):
        st.code("\n".join(usable["asset_url"]), language=None)


def do_resubmit() -> None:
    table = st.session_state["review__failed_editor"]
    frame = failed.assign(resubmit=True, new_url="")
    for row, changes in table.get("edited_rows", {}).items():
        for column, value in changes.items():
            frame.loc[frame.index[int(row)], column] = value
    picked = frame[frame["resubmit"]]
    replacements = {int(r.key): (str(r.new_url).strip() or r.source_url) for r in picked.itertuples()}
    try:
        with widgets.sending(f"{len(replacements)} asset(s)"):
            outcome = flow.resubmit(state.client(), ledger, replacements, journal=state.journal())
    except flow.RefusedError as refusal:
        st.session_state["review__refusal"] = str(refusal)
        return
    st.session_state.pop("review__refusal", None)
    if outcome.error:
        st.session_state["review__error"] = outcome.error
    else:
        st.session_state.pop("review__error", None)
    if outcome.sent_keys:
        wf.review_started_at = time.time()


st.subheader(f"Failed ({len(failed)})")
if failed.empty:
    st.caption("No failed assets.")
elif not st.toggle(
    "Resubmit or replace failed assets",
    key="review__resubmit_mode",
    help="Opens the failed assets for editing: pick which to resend and, optionally, a new URL for each.",
):
    # Read-only until the operator chooses to act: cheap to redraw while other tasks are polled.
    shown = state.cached_view(
        "review_failed_shown",
        view_version,
        lambda: failed[["name", "source_url", "code", "reason", "fix", "attempt", "previous_codes"]],
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="review__failed",
        column_config=FAILED_COLUMNS,
    )
else:
    editable = state.cached_view(
        "review_failed_editable",
        view_version,
        lambda: failed.assign(resubmit=True, new_url="")[
            [
                "resubmit",
                "name",
                "source_url",
                "new_url",
                "code",
                "reason",
                "fix",
                "attempt",
                "previous_codes",
            ]
        ],
    )
    edited = st.data_editor(
        editable,
        key="review__failed_editor",
        hide_index=True,
        width="stretch",
        disabled=["name", "source_url", "code", "reason", "fix", "attempt", "previous_codes"],
        column_config={
            **FAILED_COLUMNS,
            "resubmit": st.column_config.CheckboxColumn("Resubmit", help="Send this asset again"),
            "new_url": st.column_config.TextColumn("Replace URL with", help="Empty: resubmit the same URL"),
        },
    )
    chosen = edited[edited["resubmit"].fillna(False).astype(bool)]
    replaced = int((chosen["new_url"].fillna("").str.strip() != "").sum())
    st.button(
        f"Resubmit {len(chosen)} asset{'s' if len(chosen) != 1 else ''}, {replaced} with a new URL",
        key="review__resubmit",
        disabled=chosen.empty,
        type="primary",
        on_click=do_resubmit,
        icon=":material/replay:",
    )
if refusal := st.session_state.get("review__refusal"):
    st.warning(literal(refusal))  # may name the operator's assets
if error := st.session_state.get("review__error"):
    widgets.show_error(error, again="press the resubmit button again")
unsettled.asset_sends(ledger, key="review__unsettled")
unsettled.show_error()

if st.toggle("Show the attempt history", key="review__show_history"):
    st.dataframe(review.history_frame(ledger), hide_index=True, width="stretch", key="review__history")
if st.toggle("Show raw responses (for debugging)", key="review__show_raw"):
    task_id = st.selectbox("Task", list(ledger.tasks), key="review__raw_task")
    if task_id:
        st.json(ledger.tasks[task_id].raw or {}, expanded=False)
