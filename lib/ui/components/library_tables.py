"""The Library's tables: people (one can be selected), a person's photos and clips (with every try on
demand) and their videos; stored columns and codes in, words on screen, ids last."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import library, review
from lib.connection import LIVE, SANDBOX
from lib.i18n import N_, Translator, formats
from lib.ui import language, state, words
from lib.ui.components import thumbnails

# The tables keep their stored columns (and codes, for the exports: their keys stay English); these are the
# words shown for them, with ids last (msgids, translated where the table is shown).
PEOPLE_TABLE = {
    "label": N_("Name"),
    "usable": N_("Approved"),
    "failed": N_("Not approved"),
    "pending": N_("Being checked"),
    "created": N_("Added"),
    "mode": N_("Mode"),
    "notes": N_("Notes"),
    "created_by": N_("Added by"),
    "group_id": N_("Id at APIMart"),
}
# The connection's mode a person was made in (lib.connection's codes), as words.
MODES = {SANDBOX: N_("sandbox"), LIVE: N_("live")}
ANYONE = ""
ASSETS_TABLE = {
    "thumbnail": N_("Preview"),
    "name": N_("Name"),
    "status": N_("Status"),
    "why": N_("Why not approved"),
    "asset_url": N_("Approved link (for videos)"),
    "source_url": N_("Your link"),
    "attempt": N_("Try"),
    "error_code": N_("Error code"),
    "created_by": N_("By"),
    "task_id": N_("Review id"),
}
VIDEOS_TABLE = {
    "created": N_("Made"),
    "status": N_("Status"),
    "model": N_("Model"),
    "prompt": N_("Prompt"),
    "video_url": N_("Video"),
    "assets": N_("Photos or clips"),
    "created_by": N_("By"),
    "task_id": N_("Id at APIMart"),
}


def headers(table: dict[str, str], _: Translator) -> dict:
    """A table's column_config in `_`'s language: the frame's keys stay, the headers are words."""
    config: dict = {key: _(title) for key, title in table.items()}
    if "thumbnail" in config:
        config["thumbnail"] = st.column_config.ImageColumn(config["thumbnail"], width="small")
    if "video_url" in config:
        config["video_url"] = st.column_config.LinkColumn(config["video_url"], display_text=_("watch"))
    return config


def added_by_filter(actors: list[str]) -> str:
    """Whose people to show: "Anyone" (ANYONE) or one operator who added some. Not shown when nobody signed
    in to add anyone (the laptop default)."""
    if not actors:
        return ANYONE
    _ = language.translator()
    options = [ANYONE, *actors]
    if st.session_state.get("library__added_by") not in options:
        st.session_state.pop("library__added_by", None)  # their people are gone from this search
    chosen = st.selectbox(
        _("Added by"),
        options,
        format_func=lambda a: a or _("Anyone"),
        key="library__added_by",
        help=_(
            "Everyone with this connection's key sees the same people; this narrows the table to those one "
            "person added."
        ),
    )
    return chosen or ANYONE


def times_in(frame: pd.DataFrame, _: Translator, column: str = "created") -> pd.DataFrame:
    """`frame` with its times (lib.library.when_text, in the browser's zone) as `_`'s locale writes them."""
    if _.locale == "en" or column not in frame.columns:
        return frame
    return frame.assign(**{column: frame[column].map(lambda text: formats.table_time(text, _.locale))})


def _people_in(frame: pd.DataFrame, _: Translator) -> pd.DataFrame:
    """The people frame with its modes in words and its times in the locale's way (English: the frame as
    read, no copy: its codes read as the words)."""
    if _.locale == "en":
        return frame
    return times_in(frame.assign(mode=frame["mode"].map(lambda m: _(MODES[m]) if m in MODES else m)), _)


def people(frame: pd.DataFrame, by_column: bool = False, version: object = None) -> list[int]:
    """The people table (with who added each when `by_column`); returns the selected row's position (empty
    when none is selected). `version`: what `frame` was read at; its words are made again only when it moves."""
    _ = language.translator()
    if version is None:
        shown = _people_in(frame, _)
    else:
        shown = state.cached_view("library_people_shown", (version, _.locale), lambda: _people_in(frame, _))
    picked = st.dataframe(
        shown,
        hide_index=True,
        column_config=headers(PEOPLE_TABLE, _),
        column_order=[c for c in PEOPLE_TABLE if c != "created_by" or by_column],
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="library__people",
    )
    return picked.selection.rows if picked and picked.selection else []


def status_filter() -> str:
    """The asset status to show ("" for all)."""
    _ = language.translator()
    status = st.segmented_control(
        _("Show"),
        list(words.ASSET_FILTER),
        default="all",
        format_func=lambda code: _(words.ASSET_FILTER[code]),
        key="library__status",
    )
    return "" if status in (None, "all") else status


def shown_assets(frame: pd.DataFrame, _: Translator = words.ENGLISH) -> pd.DataFrame:
    """The assets as read: statuses in words, a reason for the ones not approved, empty cells empty."""
    return frame.drop(columns=["label", "group_id"], errors="ignore").assign(
        status=frame["status"].map(lambda code: words.asset_status_in(_, code)),
        why=[
            _(review.explain(c)[0]) if s == "failed" else ""
            for c, s in zip(frame["error_code"], frame["status"], strict=True)
        ],
    )


def _shown(frame: pd.DataFrame, key: str, _: Translator) -> tuple[pd.DataFrame, bool, bool]:
    """The shown frame, whether it has previews, whether it says who sent (only when someone signed in did)."""
    shown = shown_assets(frame, _)
    # Files this app received show their own thumbnail (a clip its poster); the column only when one has.
    if previews := thumbnails.by_source(frame["source_url"], key):
        shown = shown.assign(thumbnail=frame["source_url"].map(previews))
    by = "created_by" in frame.columns and bool((frame["created_by"] != "").any())
    if by:
        shown = shown.assign(created_by=frame["created_by"].replace("", library.NOBODY))
    return shown, bool(previews), by


def _assets_table(frame: pd.DataFrame, key: str, version: object = None) -> None:
    """`version`: what `frame` was read at; the words and thumbnails are made again only when it moves."""
    _ = language.translator()
    if version is None:
        shown, previews, by = _shown(frame, key, _)
    else:
        shown, previews, by = state.cached_view(f"{key}_shown", (version, _.locale), lambda: _shown(frame, key, _))
    hidden = {c for c, show in (("thumbnail", previews), ("created_by", by)) if not show}
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=headers(ASSETS_TABLE, _),
        column_order=[c for c in ASSETS_TABLE if c not in hidden],
    )


def assets(store, group_id: str, frame: pd.DataFrame, version: object = None) -> None:
    """A person's photos and clips as filtered (`version`: what the frame was read at, for caching what is
    shown of it); every try of each, read when asked for."""
    _ = language.translator()
    st.subheader(_("Photos and clips ({n})").format(n=len(frame)))
    _assets_table(frame, "library__assets", version)
    if st.toggle(_("Show every try"), key="library__history"):
        _assets_table(library.assets_frame(store, group_id, latest_only=False), "library__attempts")


def videos(frame: pd.DataFrame) -> None:
    _ = language.translator()
    st.subheader(_("Videos ({n})").format(n=len(frame)))
    if frame.empty:
        st.caption(_("No videos yet."))
        return
    by = "created_by" in frame.columns and bool((frame["created_by"] != library.NOBODY).any())
    st.dataframe(
        times_in(frame, _).assign(status=frame["status"].map(lambda code: words.video_status_in(_, code))),
        hide_index=True,
        width="stretch",
        key="library__videos",
        column_config=headers(VIDEOS_TABLE, _),
        column_order=[c for c in VIDEOS_TABLE if c != "created_by" or by],
    )
