"""Step 3, Submit: an editable asset table with a type per row, checks per row, then one click to send
(one request per type, at most 20 assets each)."""

import hashlib

import pandas as pd
import streamlit as st

from lib import flow
from lib.assets import (
    ASSET_TYPES,
    TYPE_CHOSEN,
    TYPE_DEFAULT,
    TYPE_FROM_EXTENSION,
    TYPE_FROM_SERVER,
    AssetRow,
    check_rows,
    parse_csv,
    parse_pasted,
    requests_for,
    url_extension,
)
from lib.probe import probe_urls
from lib.ui import state, unsettled, widgets
from lib.ui.text import code, literal

AUTO = "Auto"

wf = state.workflow()
widgets.step_header(
    3, "Submit assets", "Photos and clips of the verified person, sent to their group for review."
)
widgets.require(
    bool(wf.group_id), "Choose the person's asset group first.", "pages/group.py", "Go to the group step"
)
st.caption(f"Sending to **{literal(wf.group_label) or 'the person without a label'}**")
with st.expander("Details"):
    st.markdown(f"Group id: {code(wf.group_id)}")

EDITOR = f"submit__editor_{st.session_state.setdefault('submit__editor_version', 0)}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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


paste_tab, csv_tab = st.tabs(["Paste a list", "Upload a CSV"])
with paste_tab:
    st.text_area(
        "One URL per line, optionally `name, url`",
        key="submit__paste",
        height=110,
        placeholder="front, https://cdn.example.com/lin-front.mp4\nhttps://cdn.example.com/lin-side.jpg",
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
        [{"url": r.url, "name": r.name, "type": r.asset_type or AUTO} for r in wf.draft],
        columns=["url", "name", "type"],
        dtype="string",
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
        "type": st.column_config.SelectboxColumn(
            "Type",
            options=[AUTO, *ASSET_TYPES],
            default=AUTO,
            help="Auto: from the file's extension (.jpg, .mp4…), else from what its server says when you "
            "check the URLs. The check below shows what each row will be sent as. Choose Image or Video "
            "to override it.",
        ),
    },
)
wf.draft = [
    AssetRow(str(u or "").strip(), str(n or "").strip(), t if t in ASSET_TYPES else "")
    for u, n, t in edited[["url", "name", "type"]].fillna("").itertuples(index=False)
]
rows = [r for r in wf.draft if r.url or r.name]

# The probe's answers by URL (as sent); each is judged again for the row's type on every run.
probe = st.session_state.get("submit__probe") or {}
detected = {url: result.detected_type for url, result in probe.items() if result.detected_type}
default_type = st.session_state.get("submit__default_type")
checks = check_rows(rows, detected=detected, default_type=default_type)

# Rows whose URL says nothing about the type (a signed link without an extension): one answer for them all,
# or a type per row in the table.
if any(c.url_ok and c.type_from in ("", TYPE_DEFAULT) for c in checks):
    st.radio(
        "Type for rows we cannot detect",
        ASSET_TYPES,
        index=None,
        key="submit__default_type",
        horizontal=True,
        help="For rows whose URL has no .jpg, .mp4 or other extension and whose server did not say. "
        "A type chosen in a row wins.",
    )


def run_probe() -> None:
    # Each row is asked as the type it has, unless only the server can tell (then the server's type).
    current = check_rows(
        [r for r in wf.draft if r.url or r.name],
        default_type=st.session_state.get("submit__default_type"),
    )
    asked = [c for c in current if c.url_ok]
    kinds = [c.asset_type if c.type_from not in ("", TYPE_DEFAULT) else None for c in asked]
    st.session_state["submit__probe"] = {r.url: r for r in probe_urls([c.url for c in asked], kinds)}


if rows:
    st.button(
        "Check that the URLs are reachable",
        key="submit__probe_button",
        icon=":material/travel_explore:",
        on_click=run_probe,
        help="Asks each URL's server for its headers (HEAD): whether it answers, the file's type and size "
        "against APIMart's limits. Rows without an extension get their type from the answer.",
    )


def anyway_key(url: str) -> str:
    return "submit__anyway_" + hashlib.sha256(url.encode()).hexdigest()[:16]


# A verdict per row: problems (nothing is sent while there is one), held back by a definite answer of the
# probe (sent only when the operator says so), or ready, with a warning when the probe could not tell.
send_all_anyway = bool(st.session_state.get("submit__anyway_all"))
verdicts, held, warned = [], [], []
for check in checks:
    result = probe.get(check.url) if check.url_ok else None
    if result is not None:
        result = result.judged(check.asset_type or None)
    if check.problems:
        reasons = list(check.problems) + ([result.problem] if result is not None and result.blocks else [])
        verdicts.append("❌ " + "; ".join(reasons))
    elif result is not None and result.blocks:
        held.append((check, result))
        if send_all_anyway or st.session_state.get(anyway_key(check.url)):
            verdicts.append(f"⚠️ sent anyway: {result.problem}")
        else:
            verdicts.append(f"⛔ held back: {result.problem}")
    elif result is not None and result.warns:
        warned.append(check)
        verdicts.append(f"⚠️ ready, not checked: {result.problem}")
    else:
        verdicts.append("✅ ready")
invalid = [i for i, c in enumerate(checks) if c.problems]
held_back = {c.index for c, v in zip(checks, verdicts, strict=True) if v.startswith("⛔")}

TYPE_FROM = {
    TYPE_CHOSEN: lambda c: "chosen in the row",
    TYPE_FROM_EXTENSION: lambda c: f"from .{url_extension(c.url)}",
    TYPE_FROM_SERVER: lambda c: f"the server says {probe[c.url].content_type}",
    TYPE_DEFAULT: lambda c: "type for rows we cannot detect",
}



def type_shown(check) -> str:
    """What the row will be sent as and why; empty when nobody can tell yet (the check asks to choose)."""
    if check.type_from in TYPE_FROM:
        return f"{check.asset_type} ({TYPE_FROM[check.type_from](check)})"
    return check.asset_type


if rows:
    st.dataframe(
        pd.DataFrame(
            {
                "#": range(1, len(rows) + 1),
                "Check": verdicts,
                "Sent as": [type_shown(c) for c in checks],
                "Name": [c.name for c in checks],
                "Link": [c.url for c in checks],
            }
        ),
        hide_index=True,
        width="stretch",
        key="submit__checks",
    )

if warned:
    st.warning(
        f"{plural(len(warned), 'row')} could not be checked from here (no answer, or the name does not "
        "resolve on this computer). They will be sent: APIMart's servers may well reach them.",
        icon=":material/wifi_off:",
    )
if held:
    with st.container(border=True):
        st.markdown(
            f"**{plural(len(held), 'row')}: the server's answer says APIMart will not be able to use "
            f"{'it' if len(held) == 1 else 'them'}.** Held back unless you send anyway (for example when "
            "the link only works for APIMart)."
        )
        if len(held) > 1:
            st.checkbox(f"Send all {len(held)} anyway", key="submit__anyway_all")
        for check, result in held:
            st.checkbox(
                f"Row {check.index + 1}, {literal(check.name)}: send anyway",
                key=anyway_key(check.url),
                disabled=send_all_anyway,
                help=result.problem,
            )

ready = [c for c in checks if not c.problems and c.index not in held_back]


def drop_invalid() -> None:
    dropped = set(invalid) | held_back
    reset_editor([rows[i] for i in range(len(rows)) if i not in dropped])


def submit() -> None:
    try:
        with widgets.sending(plural(len(ready), "asset")):
            outcome = flow.submit_rows(state.client(), wf.ledger, ready, store=state.store())
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


if invalid or held_back:
    blocked = len(invalid) + len(held_back)
    st.warning(
        f"{plural(blocked, 'row')} cannot be sent as {'it is' if blocked == 1 else 'they are'}: see the "
        "check column. Nothing is sent until every row is fixed, removed or sent anyway.",
        icon=":material/rule:",
    )
    st.button(
        f"Remove the {plural(blocked, 'row')} that cannot be sent",
        key="submit__drop",
        on_click=drop_invalid,
        icon=":material/delete_sweep:",
    )

n = len(ready)
parts = requests_for(c.asset_type for c in ready)
st.button(
    f"Send {plural(n, 'asset')}",
    key="submit__send",
    type="primary",
    disabled=not rows or bool(invalid) or bool(held_back),
    on_click=submit,
    icon=":material/send:",
)
if parts > 1:
    kinds = {c.asset_type for c in ready}
    why = "photos and clips go separately, " if len(kinds) > 1 else ""
    st.caption(f"Sent in {parts} parts ({why}at most 20 in each).")

if refusal := st.session_state.get("submit__refusal"):
    st.warning(refusal)
lost = st.session_state.get("submit__error")
if lost is not None and lost.maybe_sent and not (wf.ledger and wf.ledger.unsettled_sends()):
    # The operator settled that send (sent again or put back): nothing below waits for a decision now.
    st.session_state.pop("submit__error")
if error := st.session_state.get("submit__error"):
    counts = wf.ledger.counts() if wf.ledger else {}
    where = (
        "The rows that may have been sent are below, waiting for your decision."
        if error.maybe_sent
        else "The rows that did not go out are still in the table."
    )
    st.caption(f"Sent and being checked: {counts.get('submitted', 0) - counts.get('unknown', 0)}. {where}")
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
