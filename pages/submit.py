"""Step 3, Submit: an editable asset table, pre-flight checks per row, then one click to send."""

import pandas as pd
import streamlit as st

from lib import flow
from lib.assets import ASSET_TYPES, AssetRow, check_rows, parse_csv, parse_pasted, request_count
from lib.probe import probe_urls
from lib.ui import state, unsettled, widgets
from lib.ui.text import code, literal

wf = state.workflow()
widgets.step_header(
    3, "Submit assets", "Images or videos of the verified person, sent to their group for review."
)
widgets.require(
    bool(wf.group_id), "Choose the person's asset group first.", "pages/group.py", "Go to the group step"
)
st.caption(f"Group **{literal(wf.group_label) or '(no label)'}** · {code(wf.group_id)}")

EDITOR = f"submit__editor_{st.session_state.setdefault('submit__editor_version', 0)}"


def reset_editor(rows: list[AssetRow]) -> None:
    """Replace the table's contents (the editor is re-created around the new rows)."""
    wf.draft = rows
    st.session_state["submit__editor_version"] += 1
    st.session_state.pop("submit__probe", None)


def add_rows(rows: list[AssetRow], empty_message: str) -> None:
    if not rows:
        st.session_state["submit__input_error"] = empty_message
        return
    # New input: the last send's error or refusal is about rows the operator has moved on from.
    for stale in ("submit__input_error", "submit__error", "submit__refusal"):
        st.session_state.pop(stale, None)
    reset_editor([r for r in wf.draft if r.url or r.name] + rows)


def add_pasted() -> None:
    add_rows(
        parse_pasted(st.session_state.get("submit__paste", "")),
        "No URLs found: put one per line, optionally as `name, url`.",
    )
    if "submit__input_error" not in st.session_state:
        st.session_state["submit__paste"] = ""


def add_csv() -> None:
    upload = st.session_state.get("submit__csv")
    if upload is not None:
        add_rows(
            parse_csv(upload.getvalue()),
            "That CSV has no rows with a URL (a `url` column, or one URL per line).",
        )


def set_type() -> None:
    wf.asset_type = st.session_state["submit__asset_type"]
    st.session_state.pop("submit__probe", None)


st.radio(
    "Asset type",
    ASSET_TYPES,
    index=ASSET_TYPES.index(wf.asset_type),
    key="submit__asset_type",
    horizontal=True,
    on_change=set_type,
    help="Video is recommended for real-person portraits (mp4/mov, 2-15 s). Images: jpg, png, webp and more.",
)

paste_tab, csv_tab = st.tabs(["Paste a list", "Upload a CSV"])
with paste_tab:
    st.text_area(
        "One URL per line, optionally `name, url`",
        key="submit__paste",
        height=110,
        placeholder="front, https://cdn.example.com/lin-front.mp4\nhttps://cdn.example.com/lin-side.mp4",
    )
    st.button("Add to the table", key="submit__add_paste", on_click=add_pasted)
with csv_tab:
    st.file_uploader(
        "CSV with a `url` column (and optionally `name`)", type=["csv", "txt"], key="submit__csv"
    )
    st.button("Add the CSV rows", key="submit__add_csv", on_click=add_csv)
if message := st.session_state.get("submit__input_error"):
    st.error(message)

# The editor starts from the saved draft each time it is (re)created (first visit, back from another
# page, new rows added) and keeps that base while it lives: its edits are deltas on top of it. The
# edited rows are copied into the workflow on every run, so leaving the page loses nothing.
if EDITOR not in st.session_state:
    st.session_state["submit__editor_base"] = pd.DataFrame(
        [{"url": r.url, "name": r.name} for r in wf.draft], columns=["url", "name"], dtype="string"
    )
edited = st.data_editor(
    st.session_state["submit__editor_base"],
    key=EDITOR,
    num_rows="dynamic",
    width="stretch",
    column_config={
        "url": st.column_config.TextColumn(
            "Source URL", width="large", help="A public http(s) URL of the file"
        ),
        "name": st.column_config.TextColumn(
            "Name", max_chars=200, help="Optional; at most 64 characters. Empty: taken from the URL"
        ),
    },
)
wf.draft = [
    AssetRow(str(u or "").strip(), str(n or "").strip())
    for u, n in edited[["url", "name"]].fillna("").itertuples(index=False)
]
rows = [r for r in wf.draft if r.url or r.name]
checks = check_rows(rows, wf.asset_type)

probe = st.session_state.get("submit__probe") or {}
if rows and st.button(
    "Check that the URLs are reachable",
    key="submit__probe_button",
    icon=":material/travel_explore:",
    help="Asks each URL's server for its headers (HEAD): status, type and size against APIMart's limits.",
):
    with st.spinner("Checking URLs…"):
        results = probe_urls([c.url for c in checks if c.ok], wf.asset_type)
    probe = {r.url: r.problem for r in results}
    st.session_state["submit__probe"] = probe

verdicts = []
for check in checks:
    reasons = list(check.problems)
    if check.ok and probe.get(check.url):
        reasons.append(probe[check.url])
    verdicts.append(reasons)
invalid = [i for i, reasons in enumerate(verdicts) if reasons]

if rows:
    st.dataframe(
        pd.DataFrame(
            {
                "row": range(1, len(rows) + 1),
                "check": ["❌ " + "; ".join(r) if r else "✅ ready" for r in verdicts],
                "name sent": [c.name for c in checks],
                "url": [c.url for c in checks],
            }
        ),
        hide_index=True,
        width="stretch",
        key="submit__checks",
    )

valid_checks = [c for c, reasons in zip(checks, verdicts, strict=True) if not reasons]


def drop_invalid() -> None:
    reset_editor([rows[i] for i in range(len(rows)) if i not in invalid])


def submit() -> None:
    try:
        with widgets.sending(f"{len(valid_checks)} asset(s)"):
            outcome = flow.submit_rows(
                state.client(), wf.ledger, valid_checks, wf.asset_type, journal=state.journal()
            )
    except flow.RefusedError as refusal:
        st.session_state["submit__refusal"] = str(refusal)
        return
    st.session_state.pop("submit__refusal", None)
    reset_editor(outcome.unsent)
    if outcome.error is not None:
        st.session_state["submit__error"] = outcome.error
    else:
        st.session_state.pop("submit__error", None)
    if outcome.sent_keys:
        st.session_state["submit__go_to_review"] = outcome.error is None


if invalid:
    st.warning(
        f"{len(invalid)} row(s) need attention. Nothing is sent while a row is invalid.",
        icon=":material/rule:",
    )
    st.button(
        f"Drop the {len(invalid)} invalid row(s)",
        key="submit__drop",
        on_click=drop_invalid,
        icon=":material/delete_sweep:",
    )

n = len(valid_checks)
st.button(
    f"Submit {n} asset{'s' if n != 1 else ''} ({request_count(n)} request{'s' if request_count(n) != 1 else ''})",
    key="submit__send",
    type="primary",
    disabled=not rows or bool(invalid),
    on_click=submit,
    icon=":material/send:",
)

if refusal := st.session_state.get("submit__refusal"):
    st.warning(refusal)
if error := st.session_state.get("submit__error"):
    counts = wf.ledger.counts() if wf.ledger else {}
    st.caption(
        f"Sent and under review: {counts.get('submitted', 0) - counts.get('unknown', 0)}. "
        "The rows that certainly did not go out are still in the table."
    )
    if widgets.show_error(error, retry_key="submit__retry"):
        st.session_state.pop("submit__error", None)
        submit()
        st.rerun()
# Sends whose answer was lost: shown as "may have been sent", with the operator's two choices.
unsettled.asset_sends(wf.ledger, key="submit__unsettled")
unsettled.show_error()
if st.session_state.pop("submit__go_to_review", False):
    st.switch_page("pages/review.py")
if wf.ledger and wf.ledger.tasks:
    st.page_link("pages/review.py", label="See the review", icon=":material/arrow_forward:")
