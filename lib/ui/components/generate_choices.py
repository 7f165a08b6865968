"""Make a video's widgets and their working copy (wf.generate): a widget is seeded from it when Streamlit has
forgotten its value (another page was shown), and its callback copies the value back."""

from __future__ import annotations

import streamlit as st

from lib.generation import GenerateChoices
from lib.ui import state


def choices() -> GenerateChoices:
    return state.workflow().generate


def seed(key: str, value) -> None:
    """A widget's value from the working copy when Streamlit has forgotten it (another page was shown)."""
    if key not in st.session_state:
        st.session_state[key] = value


def keep(attribute: str, key: str) -> None:
    setattr(choices(), attribute, st.session_state[key])
