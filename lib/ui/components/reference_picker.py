"""Make a video's pick of approved photos and clips (what the page starts with, then the operator's own), and
the optional clips or audio by URL."""

from __future__ import annotations

import streamlit as st

from lib import generation
from lib.ui import language, state
from lib.ui.components import thumbnails
from lib.ui.components.generate_choices import choices, keep, seed
from lib.ui.text import literal


def start_picks(refs: dict) -> None:
    """What the page starts with: the Review page's "Make a video with these" picks when it hands new ones
    over, else the current person's approved assets, until the operator picks by hand."""
    wf, picked = state.workflow(), choices()
    picks = list(getattr(wf, "generate_picks", None) or [])
    if picks and picks != picked.handed_over:
        picked.handed_over = picks
        picked.assets = generation.default_picks(refs, wf.group_id, picks)
        picked.picked_by_operator = True
        st.session_state.pop("generate__assets", None)
    elif not picked.picked_by_operator:
        picked.assets = generation.default_picks(refs, wf.group_id)
        if st.session_state.get("generate__assets", picked.assets) != picked.assets:
            st.session_state.pop("generate__assets")


def _keep_picks() -> None:
    choices().assets = list(st.session_state["generate__assets"])
    choices().picked_by_operator = True


def pick(refs: dict) -> None:
    seed("generate__assets", [u for u in choices().assets or [] if u in refs])
    if any(u not in refs for u in st.session_state["generate__assets"]):
        st.session_state["generate__assets"] = [u for u in st.session_state["generate__assets"] if u in refs]
    _ = language.translator()
    photo, clip = _("photo"), _("clip")
    st.multiselect(
        _("Approved photos and clips (at most {images} photos, {videos} clips, {total} references in all)").format(
            images=generation.MAX_IMAGES, videos=generation.MAX_VIDEOS, total=generation.MAX_REFERENCES
        ),
        list(refs),
        format_func=lambda u: f"{refs[u].title} ({photo if refs[u].kind == generation.IMAGE else clip})",
        key="generate__assets",
        on_change=_keep_picks,
    )
    picked = st.session_state["generate__assets"]
    shown = thumbnails.for_assets(picked)
    thumbnails.strip([(shown[u], literal(refs[u].title)) for u in picked if u in shown])


def by_url() -> None:
    _ = language.translator()
    with st.expander(_("More clips or audio by URL (optional)")):
        _urls_box(_("Video URLs, one per line"), "video_urls", "generate__videos")
        _urls_box(_("Audio URLs (wav or mp3), one per line"), "audio_urls", "generate__audios")


def _urls_box(label: str, field: str, key: str) -> None:
    """A box of URLs, one per line, kept in the choices' `field` across pages."""
    seed(key, getattr(choices(), field))
    st.text_area(label, key=key, on_change=keep, args=(field, key))
