"""Step 4, Review: poll the review tasks without blocking, tabulate approved and not approved assets, export
the approved list, resubmit or replace the others, and go on to Generate with the approved ones."""

import time

import streamlit as st

from lib import flow, review
from lib.ui import state, unsettled, when, widgets
from lib.ui.text import code, literal

wf = state.workflow()
widgets.step_header(
    4, "Review", "APIMart checks each photo or clip: photos take seconds, clips can take minutes."
)
ledger = wf.ledger
widgets.require(
    bool(ledger and ledger.tasks),
    "Nothing has been submitted yet.",
    "pages/submit.py",
    "Go to the submit step",
)
KIND = {"Image": ("photo", "photos"), "Video": ("clip", "clips")}.get(ledger.asset_type, ("asset", "assets"))


def plural(n: int) -> str:
    return f"{n} {KIND[0] if n == 1 else KIND[1]}"


st.caption(f"Person **{literal(wf.group_label) or '(no name yet)'}** · {KIND[1]}")

if wf.review_started_at is None:
    wf.review_started_at = time.time()
pending_at_render = bool(ledger.pending_task_ids())


def review_progress() -> None:
    """Polls the unfinished tasks (one GET each) and redraws the counts; the page's tables are redrawn
    only when a task finishes."""
    before = len(ledger.pending_task_ids())
    errors = flow.poll_reviews(state.client(), ledger, store=state.store()) if before else []
    counts = state.cached_view("review_counts", (id(ledger), ledger.version), ledger.counts)
    cols = st.columns(4)
    cols[0].metric("Sent", counts["submitted"])
    cols[1].metric("Approved", counts["usable"])
    cols[2].metric("Not approved", counts["failed"])
    cols[3].metric("Being checked", counts["pending"])
    if counts["pending"]:
        started = wf.review_started_at
        st.progress(
            ledger.progress(),
            text=f"Checking {counts['pending']} of {plural(counts['submitted'])}… "
            f"since {when.clock(started, seconds=True)} ({when.span(time.time() - started)} so far)",
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
    "thumbnail": st.column_config.ImageColumn("Photo", width="small"),
    "name": "Name",
    "next": st.column_config.TextColumn("What to do next", width="small"),
    "reason": st.column_config.TextColumn("Why not approved", width="medium"),
    "fix": st.column_config.TextColumn("How to fix it", width="large"),
    "said": st.column_config.TextColumn("APIMart's own words", width="large"),
    "source_url": "Source URL",
    "code": st.column_config.TextColumn("Code", width="small"),
    "attempt": st.column_config.NumberColumn("Attempt", width="small"),
    "previous_codes": st.column_config.TextColumn("Earlier failures"),
}
usable = state.cached_view("review_usable", view_version, lambda: review.usable_frame(ledger))
failed = state.cached_view("review_failed", view_version, lambda: review.failed_frame(ledger))
images = state.cached_view(  # photos get a thumbnail column (a list may mix photos and clips)
    "review_has_photos",
    view_version,
    lambda: bool((usable["asset_type"] == "Image").any() or (failed["asset_type"] == "Image").any()),
)
# The download buttons get their bytes, not a callable: a callable is registered under a new id on every
# run, so a second button clicked after the first one's rerun asked for an id already dropped ("Deferred
# file not found"). Same bytes, same file id across runs; on_click="ignore" starts no rerun at all.
exports = state.cached_view(
    "review_exports",
    view_version,
    lambda: (review.usable_csv(usable), review.usable_json(usable, ledger.group_id)),
)

st.subheader(f"Approved ({len(usable)})")
if usable.empty:
    st.caption(f"No approved {KIND[1]} yet.")
else:
    st.caption("Each one has an asset:// URL that Seedance 2.0 video generation can use directly.")
    shown = state.cached_view(
        "review_usable_shown",
        view_version,
        lambda: usable.assign(thumbnail=review.thumbnails(usable))[
            (["thumbnail"] if images else []) + ["name", "asset_url", "source_url", "attempt"]
        ],
    )
    picked_rows = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="review__usable",
        placeholder="",
        on_select="rerun",
        selection_mode="multi-row",
        column_config={
            "thumbnail": st.column_config.ImageColumn("Photo", width="small"),
            "name": "Name",
            "asset_url": st.column_config.TextColumn("asset:// URL (use in Seedance 2.0)"),
            "source_url": "Source URL",
            "attempt": st.column_config.NumberColumn("Attempt", width="small"),
        },
    )
    chosen_rows = [r for r in (picked_rows.selection.rows if picked_rows else []) if r < len(usable)]
    picks = review.generate_picks(usable, chosen_rows)
    if st.button(
        f"Make a video with these {plural(len(picks))}",
        key="review__generate",
        type="primary",
        icon=":material/movie:",
        help="Opens Generate with them already picked. Select rows in the table to choose others.",
    ):
        wf.generate_picks = picks
        st.switch_page("pages/generate.py")
    if len(picks) < len(chosen_rows or usable):
        st.caption(
            f"One video can use at most {review.pick_limit('Image')} photos and {review.pick_limit('Video')} "
            "clips: the first ones are taken. Select rows in the table to choose others."
        )
    a, b = st.columns(2)
    a.download_button(
        "Download CSV",
        exports[0],
        file_name=f"approved-{ledger.group_id}.csv",
        mime="text/csv",
        key="review__csv",
        on_click="ignore",
        icon=":material/download:",
    )
    b.download_button(
        "Download JSON",
        exports[1],
        file_name=f"approved-{ledger.group_id}.json",
        mime="application/json",
        key="review__json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    if st.toggle("Show the asset:// URLs to copy", key="review__show_urls"):
        st.code("\n".join(usable["asset_url"]), language=None)


def edited_failed():
    """The failed table with the operator's ticks and new URLs from the editor's state."""
    table = st.session_state.get("review__failed_editor") or {}
    frame = failed.assign(resubmit=True, new_url="")
    for row, changes in table.get("edited_rows", {}).items():
        for column, value in changes.items():
            if column in ("resubmit", "new_url"):
                frame.loc[frame.index[int(row)], column] = value
    return frame


def do_resubmit() -> None:
    replacements, missing = review.resubmit_plan(edited_failed())
    if missing:
        st.session_state["review__refusal"] = (
            f"Nothing was sent: {', '.join(missing)} {'was' if len(missing) == 1 else 'were'} not approved "
            f"because of the {KIND[0]} itself, so the same URL would be refused again. Choose another {KIND[0]} "
            f"(a new URL in “Replace URL with”) or untick {'it' if len(missing) == 1 else 'them'}."
        )
        return
    try:
        with widgets.sending(plural(len(replacements))):
            outcome = flow.resubmit(state.client(), ledger, replacements, store=state.store())
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


st.subheader(f"Not approved ({len(failed)})")
if failed.empty:
    st.caption(f"No {KIND[1]} refused.")
else:
    # The whole reason, fix and APIMart's own words, once per kind of failure (a table cell cuts them short).
    groups = state.cached_view("review_failure_groups", view_version, lambda: review.failure_groups(failed))
    for group in groups[:20]:
        names = group["names"]
        with st.expander(f"{literal(group['reason'])} · {plural(len(names))}", icon=":material/block:"):
            st.markdown(
                f"**Not approved:** {literal(group['reason'])}  \n**What to do:** {literal(group['fix'])}"
            )
            if group["said"]:
                st.markdown(f"**APIMart said:** “{literal(group['said'])}”")
            st.markdown(
                f"**Next:** {literal(group['next'])} · {literal(', '.join(names[:50]))}"
                + (f" and {len(names) - 50} more" if len(names) > 50 else "")
            )
    if len(groups) > 20:
        st.caption(f"{len(groups) - 20} more kinds of failure: see the table.")
thumbnail = ["thumbnail"] if images else []
READ_ONLY = ["name", "next", "reason", "fix", "said", "source_url", "code", "attempt", "previous_codes"]
if failed.empty:
    pass
elif not st.toggle(
    "Send again or replace the ones not approved",
    key="review__resubmit_mode",
    help="Opens the list for editing: tick which to send again and give a new URL where one is needed.",
):
    # Read-only until the operator chooses to act: cheap to redraw while other tasks are polled.
    st.dataframe(
        state.cached_view(
            "review_failed_shown",
            view_version,
            lambda: failed.assign(thumbnail=review.thumbnails(failed))[thumbnail + READ_ONLY],
        ),
        hide_index=True,
        width="stretch",
        key="review__failed",
        placeholder="",
        column_config=FAILED_COLUMNS,
    )
else:
    # "Replace URL with" stays two cells right of the name: resubmit, name, source URL, new URL, ...
    editable = state.cached_view(
        "review_failed_editable",
        view_version,
        lambda: failed.assign(resubmit=True, new_url="", thumbnail=review.thumbnails(failed))[
            ["resubmit", "name", "source_url", "new_url", *READ_ONLY[1:5], "code", "attempt", *thumbnail]
        ],
    )
    edited = st.data_editor(
        editable,
        key="review__failed_editor",
        hide_index=True,
        width="stretch",
        placeholder="",
        disabled=[c for c in editable.columns if c not in ("resubmit", "new_url")],
        column_config={
            **FAILED_COLUMNS,
            "resubmit": st.column_config.CheckboxColumn(
                "Resubmit",
                help=f"Send this again. Refused for the {KIND[0]} itself: needs a new URL (choose another {KIND[0]}).",
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
            f"Choose another {KIND[0]} for {literal(', '.join(missing))}: "
            f"{'it was' if len(missing) == 1 else 'they were'} not approved because of the {KIND[0]} itself, "
            "so the same URL would be refused again. Put a new URL in “Replace URL with”, or untick "
            f"{'it' if len(missing) == 1 else 'them'}.",
            icon=":material/photo_camera:",
        )
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

with st.expander("Details", icon=":material/info:"):
    st.markdown(f"Group id: {code(ledger.group_id)}")
    st.markdown(
        "Review tasks:  \n"
        + "  \n".join(f"{code(t.task_id)} · {literal(t.status)}" for t in list(ledger.tasks.values())[-20:])
    )
    if st.toggle("Show the attempt history", key="review__show_history"):
        st.dataframe(
            review.history_frame(ledger),
            hide_index=True,
            width="stretch",
            key="review__history",
            placeholder="",
        )
    if st.toggle("Show raw responses (for debugging)", key="review__show_raw"):
        task_id = st.selectbox("Task", list(ledger.tasks), key="review__raw_task")
        if task_id:
            st.json(ledger.tasks[task_id].raw or {}, expanded=False)
