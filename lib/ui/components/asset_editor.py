"""Submit's editable asset table (URL, name, a type per row) and its copy into the workflow's draft."""

from __future__ import annotations

import streamlit as st

from lib.assets import ASSET_TYPES, AssetRow, RowCheck
from lib.submission_view import AUTO, draft_from_frame, editor_frame, filled, needs_default_type
from lib.ui import language
from lib.ui.state import Workflow

VERSION_KEY = "submit__editor_version"
BASE_KEY = "submit__editor_base"
DEFAULT_TYPE_KEY = "submit__default_type"


def _columns() -> dict:
    _ = language.translator()
    return {
        "url": st.column_config.TextColumn(
            _("Source URL"), width="large", help=_("A public http(s) URL of the file")
        ),
        "name": st.column_config.TextColumn(
            _("Name"), max_chars=200, help=_("Optional; at most 64 characters. Empty: taken from the URL")
        ),
        "type": st.column_config.SelectboxColumn(
            _("Type"),
            options=[AUTO, *ASSET_TYPES],
            default=AUTO,
            help=_(
                "Auto: from the file's extension (.jpg, .mp4…), else from what its server says when you "
                "check the URLs. The check below shows what each row will be sent as. Choose Image or Video "
                "to override it."
            ),
        ),
    }


def reset(wf: Workflow, rows: list[AssetRow]) -> None:
    """Replace the table's contents (the editor is re-created around the new rows)."""
    wf.draft = rows
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1
    st.session_state.pop("submit__probe", None)


def edit(wf: Workflow) -> list[AssetRow]:
    """The table; returns its rows with something in them."""
    editor = f"submit__editor_{st.session_state.setdefault(VERSION_KEY, 0)}"
    # The editor starts from the saved draft each time it is (re)created (first visit, back from another
    # page, new rows added) and keeps that base while it lives: its edits are deltas on top of it. The
    # edited rows are copied into the workflow on every run, so leaving the page loses nothing.
    if editor not in st.session_state:
        st.session_state[BASE_KEY] = editor_frame(wf.draft)
    edited = st.data_editor(
        st.session_state[BASE_KEY], key=editor, num_rows="dynamic", width="stretch", column_config=_columns()
    )
    wf.draft = draft_from_frame(edited)
    return filled(wf.draft)


def default_type() -> str | None:
    return st.session_state.get(DEFAULT_TYPE_KEY)


def default_type_choice(checks: list[RowCheck]) -> None:
    """Rows whose URL says nothing about the type (a signed link without an extension): one answer for them
    all, or a type per row in the table."""
    if needs_default_type(checks):
        _ = language.translator()
        st.radio(
            _("Type for rows we cannot detect"),
            ASSET_TYPES,
            index=None,
            key=DEFAULT_TYPE_KEY,
            horizontal=True,
            help=_(
                "For rows whose URL has no .jpg, .mp4 or other extension and whose server did not say. "
                "A type chosen in a row wins."
            ),
        )
