"""Tables of assets: the approved ones (asset:// URL, rows to pick) and the not approved (why, what to do)."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def approved_columns() -> dict:
    return {
        "thumbnail": st.column_config.ImageColumn("Photo", width="small"),
        "name": "Name",
        "asset_url": st.column_config.TextColumn("asset:// URL (use in Seedance 2.0)"),
        "source_url": "Source URL",
        "attempt": st.column_config.NumberColumn("Attempt", width="small"),
    }


def failed_columns() -> dict:
    return {
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
