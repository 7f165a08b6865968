"""Submit's "check that the URLs are reachable": the button, its probe, and the answers kept by URL."""

from __future__ import annotations

import streamlit as st

from lib.probe import ProbeResult, probe_urls
from lib.submission_view import probe_requests
from lib.ui import language, state
from lib.ui.components import asset_editor

PROBE_KEY = "submit__probe"


def answers() -> dict[str, ProbeResult]:
    """The probe's answers by URL (as sent); each is judged again for the row's type on every run."""
    return st.session_state.get(PROBE_KEY) or {}


def _run_probe() -> None:
    urls, kinds = probe_requests(state.workflow().draft, asset_editor.default_type())
    st.session_state[PROBE_KEY] = {r.url: r for r in probe_urls(urls, kinds)}


def button() -> None:
    _ = language.translator()
    st.button(
        _("Check that the URLs are reachable"),
        key="submit__probe_button",
        icon=":material/travel_explore:",
        on_click=_run_probe,
        help=_(
            "Asks each URL's server for its headers (HEAD): whether it answers, the file's type and size "
            "against APIMart's limits. Rows without an extension get their type from the answer."
        ),
    )
