"""The Library's tables: people (one can be selected), a person's photos and clips (with every try on
demand) and their videos; stored columns and codes in, words on screen, ids last."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import library, review
from lib.ui import state, words
from lib.ui.components import thumbnails

# The tables keep their stored columns (and codes, for the exports); these are the words shown for them,
# with ids last.
PEOPLE_TABLE = {
    "label": "Name",
    "usable": "Approved",
    "failed": "Not approved",
    "pending": "Being checked",
    "created": "Added",
    "mode": "Mode",
    "notes": "Notes",
    "created_by": "Added by",
    "group_id": "Id at APIMart",
}
ANYONE = ""
ASSETS_TABLE = {
    "thumbnail": st.column_config.ImageColumn("Preview", width="small"),
    "name": "Name",
    "status": "Status",
    "why": "Why not approved",
    "asset_url": "Approved link (for videos)",
    "source_url": "Your link",
    "attempt": "Try",
    "error_code": "Error code",
    "created_by": "By",
    "task_id": "Review id",
}
VIDEOS_TABLE = {
    "created": "Made",
    "status": "Status",
    "model": "Model",
    "prompt": "Prompt",
    "video_url": st.column_config.LinkColumn("Video", display_text="watch"),
    "assets": "Photos or clips",
    "created_by": "By",
    "task_id": "Id at APIMart",
}


def added_by_filter(actors: list[str]) -> str:
    """Whose people to show: "Anyone" (ANYONE) or one operator who added some. Not shown when nobody signed
    in to add anyone (the laptop default)."""
    if not actors:
        return ANYONE
    options = [ANYONE, *actors]
    if st.session_state.get("library__added_by") not in options:
        st.session_state.pop("library__added_by", None)  # their people are gone from this search
    chosen = st.selectbox(
        "Added by",
        options,
        format_func=lambda a: a or "Anyone",
        key="library__added_by",
        help="Everyone with this connection's key sees the same people; this narrows the table to those one "
        "person added.",
    )
    return chosen or ANYONE


def people(frame: pd.DataFrame, by_column: bool = False) -> list[int]:
    """The people table (with who added each when `by_column`); returns the selected row's position (empty
    when none is selected)."""
    picked = st.dataframe(
        frame,
        hide_index=True,
        column_config=PEOPLE_TABLE,
        column_order=[c for c in PEOPLE_TABLE if c != "created_by" or by_column],
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="library__people",
    )
    return picked.selection.rows if picked and picked.selection else []


def status_filter() -> str:
    """The asset status to show ("" for all)."""
    status = st.segmented_control(
        "Show",
        list(words.ASSET_FILTER),
        default="all",
        format_func=words.ASSET_FILTER.get,
        key="library__status",
    )
    return "" if status in (None, "all") else status


def shown_assets(frame: pd.DataFrame) -> pd.DataFrame:
    """The assets as read: statuses in words, a reason for the ones not approved, empty cells empty."""
    return frame.drop(columns=["label", "group_id"], errors="ignore").assign(
        status=frame["status"].map(words.asset_status),
        why=[
            review.explain(c)[0] if s == "failed" else ""
            for c, s in zip(frame["error_code"], frame["status"], strict=True)
        ],
    )


def _shown(frame: pd.DataFrame, key: str) -> tuple[pd.DataFrame, bool, bool]:
    """The shown frame, whether it has previews, whether it says who sent (only when someone signed in did)."""
    shown = shown_assets(frame)
    # Files this app received show their own thumbnail (a clip its poster); the column only when one has.
    if previews := thumbnails.by_source(frame["source_url"], key):
        shown = shown.assign(thumbnail=frame["source_url"].map(previews))
    by = "created_by" in frame.columns and bool((frame["created_by"] != "").any())
    if by:
        shown = shown.assign(created_by=frame["created_by"].replace("", library.NOBODY))
    return shown, bool(previews), by


def _assets_table(frame: pd.DataFrame, key: str, version: object = None) -> None:
    """`version`: what `frame` was read at; the words and thumbnails are made again only when it moves."""
    if version is None:
        shown, previews, by = _shown(frame, key)
    else:
        shown, previews, by = state.cached_view(f"{key}_shown", version, lambda: _shown(frame, key))
    hidden = {c for c, show in (("thumbnail", previews), ("created_by", by)) if not show}
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=ASSETS_TABLE,
        column_order=[c for c in ASSETS_TABLE if c not in hidden],
    )


def assets(store, group_id: str, frame: pd.DataFrame, version: object = None) -> None:
    """A person's photos and clips as filtered (`version`: what the frame was read at, for caching what is
    shown of it); every try of each, read when asked for."""
    st.subheader(f"Photos and clips ({len(frame)})")
    _assets_table(frame, "library__assets", version)
    if st.toggle("Show every try", key="library__history"):
        _assets_table(library.assets_frame(store, group_id, latest_only=False), "library__attempts")


def videos(frame: pd.DataFrame) -> None:
    st.subheader(f"Videos ({len(frame)})")
    if frame.empty:
        st.caption("No videos yet.")
        return
    by = "created_by" in frame.columns and bool((frame["created_by"] != library.NOBODY).any())
    st.dataframe(
        frame.assign(status=frame["status"].map(words.video_status)),
        hide_index=True,
        width="stretch",
        key="library__videos",
        column_config=VIDEOS_TABLE,
        column_order=[c for c in VIDEOS_TABLE if c != "created_by" or by],
    )
