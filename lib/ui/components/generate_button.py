"""Make a video's checks before sending (tip, problems, unknown lengths), the one primary button and the send,
and what became of the last click (a refusal or an error)."""

from __future__ import annotations

import dataclasses

import streamlit as st

from lib import flow, generation
from lib.i18n import N_
from lib.ui import language, state
from lib.ui.components import error_slot


def checks(spec) -> list[str]:
    """What stops the video from being made, shown as warnings; returned for the button."""
    _ = language.translator()
    problems = generation.problems(spec, _)
    if state.workflow().generate.model not in generation.FACE_MODELS:
        st.caption(_("Tip: a real person's photos and clips work best with the -face models."))
    for problem in problems:
        st.warning(problem, icon=":material/rule:")
    if unknown := generation.unknown_lengths(spec, _):
        st.caption(unknown)
    return problems


def _generate(spec) -> None:
    # The prompt typed just before this click is applied in the same run: read it here, not from the last
    # run's spec, so typing then clicking once is enough.
    ready = dataclasses.replace(spec, prompt=st.session_state.get("generate__prompt", spec.prompt))
    _ = language.translator()
    if refused := generation.problems(ready, _):
        st.session_state["generate__refusal"] = refused[0]
        return
    st.session_state.pop("generate__refusal", None)
    request = generation.to_request(ready)
    wf = state.workflow()
    with error_slot.sending(_("the video request")):
        job = flow.submit_generation(state.client(), request, group_id=wf.group_id, store=state.store())
    if not job.final:  # sent, or may have been sent: it stays on screen until settled
        wf.videos.append(job)
    if job.last_error is not None and not job.unsettled:
        st.session_state["generate__error"] = job.last_error
    else:
        st.session_state.pop("generate__error", None)


AGAIN = N_("press Make the video again: your choices are kept")


def show(spec, problems: list[str]) -> None:
    _ = language.translator()
    st.button(
        _("Make the video"),
        key="generate__submit",
        type="primary",
        # An empty prompt alone does not disable it: the click that follows typing one must work.
        disabled=bool([p for p in problems if p != _(generation.EMPTY_PROMPT)]),
        on_click=_generate,
        args=(spec,),
        icon=":material/movie:",
    )
    if refusal := st.session_state.get("generate__refusal"):
        st.warning(refusal, icon=":material/rule:")
    if error := st.session_state.get("generate__error"):
        error_slot.show_error(error, again=_(AGAIN))
