"""The frame around every page: page config, sign-in (when required), state, sidebar connection and
navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.ui import language, state
from lib.ui.components import go_to_step, sidebar, sign_in

# Absolute, so the frame also works when the entry script lives elsewhere (benchmarks, embedding).
ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = [
    ("pages/home.py", "Start", ":material/home:", "start"),
    ("pages/verify.py", "1. Verify", ":material/qr_code_2:", "verify"),
    ("pages/group.py", "2. Group", ":material/group:", "group"),
    ("pages/submit.py", "3. Submit", ":material/upload:", "submit"),
    ("pages/review.py", "4. Review", ":material/fact_check:", "review"),
    ("pages/generate.py", "5. Make a video", ":material/movie:", "generate"),
    ("pages/library.py", "Library", ":material/video_library:", "library"),
]


def navigation_only() -> None:
    """Switch off Streamlit's old pages/-folder mode from server start. st.navigation switches it off
    process-wide, but only when it first runs; a tab that reconnects to a freshly restarted server asks
    for its page before that, and the old mode then runs the page file alone, without this frame (no
    sidebar, no resume notice). The browser's restart test proves this still holds after an upgrade."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def run_dashboard() -> None:
    with state.one_run():  # what every part of one run asks for is worked out once in it
        _frame()


def _frame() -> None:
    st.set_page_config(page_title="Avatar Desk", page_icon=":material/face:", layout="wide")
    # When the app is reachable by others: no page, no sidebar, no store read until signed in (lib.signin).
    operator = sign_in.gate([url for *_, url in PAGES])
    wf = state.init_state()
    pages = [
        st.Page(ROOT / path, title=language.page_title(title), icon=icon, url_path=url, default=(i == 0))
        for i, (path, title, icon, url) in enumerate(PAGES)
    ]
    navigation = st.navigation(pages)
    # The guard (go_to_step.require) never sends the operator to the page they are on.
    st.session_state[go_to_step.CURRENT_PAGE_KEY] = next(
        (path for path, title, _, _ in PAGES if language.page_title(title) == navigation.title), None
    )
    sidebar.sidebar_connection()
    sign_in.signed_in(operator)
    sidebar.resumed_notice(wf)
    navigation.run()
