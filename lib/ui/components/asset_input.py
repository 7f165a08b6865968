"""Submit's ways in besides typing: files from this computer (lib/ui/components/file_drop), a pasted list and a
CSV, added to the table, or why not."""

from __future__ import annotations

import streamlit as st

from lib.assets import AssetRow, parse_csv, parse_pasted
from lib.i18n import N_
from lib.submission_view import filled
from lib.ui import language, state
from lib.ui.components import asset_editor, file_drop

ERROR_KEY = "submit__input_error"


def _add_rows(rows: list[AssetRow], empty_message: str) -> None:
    if not rows:
        st.session_state[ERROR_KEY] = empty_message
        return
    # New input: the last send's error or refusal is about rows the operator has moved on from.
    for stale in (ERROR_KEY, "submit__error", "submit__refusal"):
        st.session_state.pop(stale, None)
    wf = state.workflow()
    asset_editor.reset(wf, filled(wf.draft) + rows)


def _add_pasted() -> None:
    _add_rows(
        parse_pasted(st.session_state.get("submit__paste", "")),
        N_("No URLs found: put one per line, optionally as `name, url`."),
    )
    if ERROR_KEY not in st.session_state:
        st.session_state["submit__paste"] = ""


def _add_csv() -> None:
    upload = st.session_state.get("submit__csv")
    if upload is not None:
        _add_rows(
            parse_csv(upload.getvalue()),
            N_("That CSV has no rows with a URL (a `url` column, or one URL per line)."),
        )


def show() -> None:
    # The list stays the first tab (the one open): the scenarios and habits that start with a pasted list.
    # Keyed and tracked, so the tab the operator works in stays open across the reruns a drop or a fix makes.
    _ = language.translator()
    paste_tab, files_tab, csv_tab = st.tabs(
        [_("Paste a list"), _("From this computer"), _("Upload a CSV")], key="submit__input_tab", on_change="rerun"
    )
    with files_tab:
        file_drop.show()
    with paste_tab:
        st.text_area(
            _("One URL per line, optionally `name, url`"),
            key="submit__paste",
            height=110,
            placeholder="front, https://cdn.example.com/lin-front.mp4\nhttps://cdn.example.com/lin-side.jpg",  # i18n: keep
        )
        st.button(_("Add to the table"), key="submit__add_paste", on_click=_add_pasted)
    with csv_tab:
        st.file_uploader(
            _("CSV with a `url` column (and optionally `name`)"), type=["csv", "txt"], key="submit__csv"
        )
        st.button(_("Add the CSV rows"), key="submit__add_csv", on_click=_add_csv)
    if message := st.session_state.get(ERROR_KEY):
        st.error(_(message))
