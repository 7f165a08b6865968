"""The sidebar on every page: the language switch, which APIMart the app talks to (the one sandbox notice),
the key box, a connection test, and what a reloaded session picked up."""

from __future__ import annotations

import streamlit as st

from lib.apimart import ApimartError
from lib.i18n import N_
from lib.ui import language, state
from lib.ui.components.error_slot import show_error
from lib.ui.components.key_box import key_box
from lib.ui.text import code, literal

SANDBOX_NOTICE = N_(
    "**Sandbox mode**: a practice copy of APIMart. Nothing is billed; links open a test page where you "
    "approve for the person. Type a key below to work for real."
)
KEY_SOURCES = {
    "environment": N_("from the server's environment"),
    "secrets": N_("from the secrets file"),
    "this session": N_("typed here, for this session only"),
}


def sidebar_connection() -> None:
    settings = state.connection_settings()
    # The language first: everything below, and the page, render in it; the URL keeps a chosen one.
    language.keep_in_url()
    language.follow_ui(state.workflow())
    _ = language.translator()
    with st.sidebar:
        language.language_switch()
        st.subheader(_("Connection"))
        if settings.is_sandbox:
            # The one sandbox notice: the sidebar is on every page, so no page repeats it.
            st.info(_(SANDBOX_NOTICE), icon=":material/science:")
        else:
            source = KEY_SOURCES.get(settings.key_source)
            st.success(
                _("**Connected to APIMart** with the key {key} ({source})").format(
                    key=settings.masked_key, source=_(source) if source else settings.key_source
                ),
                icon=":material/cloud_done:",
            )
        with st.expander(_("Details")):
            st.caption(
                _("API address: {address}  \nProject: {project}").format(
                    address=code(settings.base_url), project=code(settings.project_name)
                )
            )
        key_box()
        if st.button(_("Test connection"), key="sidebar__test_connection", icon=":material/network_check:"):
            try:
                state.client().check_connection()
                st.success(_("Connected: APIMart accepts the key."))
            except ApimartError as error:
                show_error(error)


def resumed_notice(wf: state.Workflow) -> None:
    """Tells a reloaded or restarted session what it picked up, on whichever page it lands, for as long
    as that work is still running."""
    review_of, videos = wf.resumed
    if (review_of or videos) and wf.running:
        st.info(resumed_words(review_of, videos), icon=":material/restore:")
    else:
        wf.resumed = ("", 0)


def resumed_words(review_of: str, videos: int) -> str:
    """What a reloaded session picked up (lib.ui.state.resumed_workflow), in the session's language."""
    _ = language.translator()
    name = literal(review_of)
    if review_of and videos:
        return _.ngettext(
            "Resumed the review of {name} and {n} video generation (see Generate) from where it was left: it goes "
            "on by itself, nothing is sent again.",
            "Resumed the review of {name} and {n} video generations (see Generate) from where it was left: it "
            "goes on by itself, nothing is sent again.",
            videos,
        ).format(name=name, n=videos)
    if videos:
        return _.ngettext(
            "Resumed {n} video generation (see Generate) from where it was left: it goes on by itself, nothing "
            "is sent again.",
            "Resumed {n} video generations (see Generate) from where it was left: it goes on by itself, nothing "
            "is sent again.",
            videos,
        ).format(n=videos)
    return _(
        "Resumed the review of {name} from where it was left: it goes on by itself, nothing is sent again."
    ).format(name=name)
