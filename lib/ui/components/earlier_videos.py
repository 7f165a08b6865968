"""Make a video's table of the connection's earlier videos (those not of this session), newest first."""

from __future__ import annotations

import streamlit as st

from lib import library
from lib.flow import GenerationJob
from lib.ui import language, when, words
from lib.ui.components import library_tables


def show(store, session_jobs: list[GenerationJob]) -> None:
    earlier = library.videos_frame(store, tz=when.zone())
    session_tasks = {job.task_id for job in session_jobs}
    earlier = earlier[~earlier["task_id"].isin(session_tasks)].copy()
    if earlier.empty:
        return
    _ = language.translator()
    earlier["status"] = earlier["status"].map(lambda code: words.video_status_in(_, code))
    earlier = library_tables.times_in(earlier, _)  # in the browser's zone, as the locale writes it
    st.subheader(_("Earlier videos ({n})").format(n=len(earlier)))
    st.dataframe(
        earlier[["created", "status", "model", "prompt", "video_url"]],
        hide_index=True,
        width="stretch",
        key="generate__earlier",
        column_config={**library_tables.headers(library_tables.VIDEOS_TABLE, _), "created": _("Asked for")},
    )
