"""Make a video's prompt, and the button that writes the references' names into it."""

from __future__ import annotations

import streamlit as st

from lib import generation
from lib.ui import language
from lib.ui.components.generate_choices import choices, keep, seed


def _insert_references(spec) -> None:
    refs_text = generation.reference_text(spec)
    picked = choices()
    text = picked.prompt
    picked.prompt = f"{text.rstrip()} {refs_text}".strip() if text else f"The person in {refs_text} "
    st.session_state["generate__prompt"] = picked.prompt


def show(spec, labelled: list) -> None:
    seed("generate__prompt", choices().prompt)
    _ = language.translator()
    st.text_area(
        _("Prompt"),
        key="generate__prompt",
        max_chars=generation.MAX_PROMPT,
        height=120,
        placeholder=_("The person in image 1 waves at the camera in a sunlit office."),
        help=_("Name the references as listed above: image 1, video 1, audio 1…"),
        on_change=keep,
        args=("prompt", "generate__prompt"),
    )
    st.button(
        _("Insert the references' names"),
        key="generate__insert_refs",
        on_click=_insert_references,
        args=(spec,),
        disabled=not labelled,
    )
