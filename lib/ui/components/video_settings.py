"""Make a video's settings in three columns: model and length, shape and resolution, seed and sound."""

from __future__ import annotations

import streamlit as st

from lib import generation
from lib.ui import language
from lib.ui.components.generate_choices import choices, keep, seed

_KEYS = (
    ("generate__model", "model"),
    ("generate__duration", "duration"),
    ("generate__size", "size"),
    ("generate__resolution", "resolution"),
    ("generate__fixed_seed", "fixed_seed"),
    ("generate__seed", "seed"),
    ("generate__audio", "generate_audio"),
)


def _kept(attribute: str, key: str) -> dict:
    return {"key": key, "on_change": keep, "args": (attribute, key)}


def show() -> None:
    c1, c2, c3 = st.columns(3)
    picked = choices()
    _ = language.translator()
    for key, attribute in _KEYS:
        seed(key, getattr(picked, attribute))
    c1.selectbox(_("Model"), generation.MODELS, **_kept("model", "generate__model"))
    c1.slider(
        _("Length of the video (s)"),
        generation.MIN_DURATION,
        generation.MAX_DURATION,
        **_kept("duration", "generate__duration"),
    )
    c2.selectbox(_("Shape"), generation.SIZES, **_kept("size", "generate__size"))
    c2.selectbox(_("Resolution"), generation.RESOLUTIONS, **_kept("resolution", "generate__resolution"))
    c3.toggle(_("Fixed seed"), **_kept("fixed_seed", "generate__fixed_seed"))
    if picked.fixed_seed:
        c3.number_input(_("Seed"), min_value=-1, max_value=2**32 - 1, **_kept("seed", "generate__seed"))
    c3.toggle(_("Make sound"), **_kept("generate_audio", "generate__audio"))
