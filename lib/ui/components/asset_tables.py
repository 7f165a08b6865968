"""Tables of assets: the approved ones (asset:// URL, rows to pick) and the not approved (why, what to do)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.ui import language

# The cells lib.review writes as English msgids (reasons, fixes, what to do next): shown translated.
WORD_COLUMNS = ("reason", "fix", "next")


def approved_columns() -> dict:
    _ = language.translator()
    return {
        "thumbnail": st.column_config.ImageColumn(_("Photo"), width="small"),
        "name": _("Name"),
        "asset_url": st.column_config.TextColumn(_("asset:// URL (use in Seedance 2.0)")),
        "source_url": _("Source URL"),
        "attempt": st.column_config.NumberColumn(_("Attempt"), width="small"),
    }


def failed_columns() -> dict:
    _ = language.translator()
    return {
        "thumbnail": st.column_config.ImageColumn(_("Photo"), width="small"),
        "name": _("Name"),
        "next": st.column_config.TextColumn(_("What to do next"), width="small"),
        "reason": st.column_config.TextColumn(_("Why not approved"), width="medium"),
        "fix": st.column_config.TextColumn(_("How to fix it"), width="large"),
        "said": st.column_config.TextColumn(_("APIMart's own words"), width="large"),
        "source_url": _("Source URL"),
        "code": st.column_config.TextColumn(_("Code"), width="small"),
        "attempt": st.column_config.NumberColumn(_("Attempt"), width="small"),
        "previous_codes": st.column_config.TextColumn(_("Earlier failures")),
    }


def in_words(frame: pd.DataFrame, _) -> pd.DataFrame:
    """`frame` with lib.review's reasons, fixes and next steps in `_`'s language (APIMart's own words, which
    are no msgid, as they are). English: `frame` itself."""
    if _.locale == "en":
        return frame
    return frame.assign(**{c: frame[c].map(_) for c in WORD_COLUMNS if c in frame.columns})


def approved_table(frame: pd.DataFrame, key: str) -> list[int]:
    """The approved assets, rows selectable; returns the selected rows."""
    picked = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        placeholder="",
        on_select="rerun",
        selection_mode="multi-row",
        column_config=approved_columns(),
    )
    return list(picked.selection.rows) if picked else []


def failed_table(frame: pd.DataFrame, key: str) -> None:
    """The assets not approved, read-only."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        placeholder="",
        column_config=failed_columns(),
    )
