"""The session's videos: a fragment that asks APIMart about each running one every two seconds, and each
job's card (the player and its link, the reason it failed, its progress, or its unsettled choices)."""

from __future__ import annotations

import time

import streamlit as st

from lib import flow
from lib.apimart import ApimartError
from lib.flow import GenerationJob
from lib.i18n import N_
from lib.ui import language, state, unsettled, when, words
from lib.ui.components import error_slot
from lib.ui.text import code, literal, web_url


def _finished(job: GenerationJob) -> None:
    st.video(job.video_url)
    _ = language.translator()
    until = when.date_time(job.expires_at) if language.current() == "en" else language.date_time(job.expires_at)
    # Upstream's URL, shown as text; a link only when it is a plain http(s) URL.
    st.caption(
        _("Video URL (the link works until {time}):").format(time=until)
        if until
        else _("Video URL (how long it works was not said):")
    )
    st.code(job.video_url, language=None, wrap_lines=True)
    if web_url(job.video_url):
        st.link_button(_("Open or download"), job.video_url, icon=":material/download:")


def card(job: GenerationJob) -> None:
    _ = language.translator()
    with st.container(border=True):
        st.markdown(
            _("**{model}** · {seconds} s · asked for at {time}").format(
                model=literal(job.model),
                seconds=literal(job.params.get("duration", 5)),
                time=language.clock(job.created_at),
            )
        )
        st.caption(literal(job.prompt))
        if job.unsettled:
            unsettled.video(job, key="generate__unsettled")
        elif job.status == "completed" and job.video_url:
            _finished(job)
        elif job.final:
            st.error(
                _("The video was not made ({status}): {reason}").format(
                    status=literal(words.video_status_in(_, job.status)),
                    reason=literal(job.error or _("no reason was given")),
                )
            )
        else:
            elapsed = time.time() - job.created_at
            st.progress(
                min(job.progress, 99) / 100,
                text=f"{literal(words.video_status_in(_, job.status))}… "
                + (when.span(elapsed) if language.current() == "en" else language.duration(elapsed)),
            )
        with st.expander(_("Details")):
            st.markdown(
                _("Task id: {id}").format(id=code(job.task_id)) if job.task_id else _("Task id: none yet")
            )


AGAIN = N_("the page asks again by itself every few seconds")


def _videos(jobs: list[GenerationJob], store) -> None:
    for job in reversed(jobs):
        before = job.final
        try:
            flow.poll_generation(state.client(), job, store=store)
        except ApimartError as error:
            # The job keeps its task id; the next tick asks again.
            error_slot.show_error(error, again=AGAIN)
        card(job)
        if job.final and not before:
            st.rerun()


def show(jobs: list[GenerationJob], store) -> None:
    """The jobs, newest first, polled again every two seconds while one was running when the page was drawn."""
    running_at_render = any(job.running for job in jobs)
    st.fragment(_videos, run_every=2.0 if running_at_render else None)(jobs, store)
