"""Make a video's references as the prompt names them, in order, with how each image is used."""

from __future__ import annotations

import streamlit as st

from lib import generation
from lib.ui import language
from lib.ui.components.generate_choices import choices, seed
from lib.ui.text import literal


def _keep_role(url: str) -> None:
    choices().roles[url] = st.session_state[f"generate__role_{url}"]


def show(spec, refs: dict) -> list:
    """The labelled references of `spec` (empty when none), listed with each image's role."""
    by_url = {r.url: r for r in refs.values()}
    if not (labelled := spec.references()):
        return labelled
    _ = language.translator()
    st.markdown(_("**References**: the prompt names them like this, in this order."))
    for label, url in labelled:
        ref = by_url.get(url)
        what = literal(ref.title) if ref else literal(url)
        if ref and ref.kind == generation.VIDEO:
            what += (
                _(" · {seconds} s").format(seconds=f"{ref.seconds:g}") if ref.seconds else _(" · length not known")
            )
        st.markdown(f"- **{label}**: {what}")
    for n, image in enumerate(spec.images, start=1):
        key = f"generate__role_{image.url}"
        seed(key, choices().roles.get(image.url, generation.ROLES[0]))
        st.selectbox(
            _("How image {n} is used").format(n=n),
            generation.ROLES,
            key=key,
            format_func=lambda r: _(generation.ROLE_NAMES.get(r, r)),
            on_change=_keep_role,
            args=(image.url,),
        )
    return labelled
