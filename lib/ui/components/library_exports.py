"""The Library's two downloads: everything as JSON and every asset attempt as CSV, each built on click."""

from __future__ import annotations

import streamlit as st

from lib import library
from lib.ui import language


def show(store) -> None:
    _ = language.translator()
    a, b = st.columns(2)
    a.download_button(
        _("Export everything (JSON)"),
        lambda: library.export_json(store),  # built on click
        "avatar-desk-export.json",
        "application/json",
        key="library__export_json",
        on_click="ignore",  # no rerun: a rerun would drop the other button's deferred file
        icon=":material/download:",
    )
    b.download_button(
        _("Export assets (CSV)"),
        lambda: library.export_csv(store),
        "avatar-desk-assets.csv",
        "text/csv",
        key="library__export_csv",
        on_click="ignore",
        icon=":material/download:",
    )
