"""AppTest of the real app.py inside its frame (sidebar, resume notice, st.navigation) on every page.

Under `streamlit run`, app.py's server branch calls `lib.ui.shell.navigation_only()`, which switches off
Streamlit's old pages/-folder mode. AppTest never takes that branch and even resets the flag before each run,
and this repo has a pages/ folder: so `AppTest.switch_page("pages/x.py")` on a plain AppTest executes
pages/x.py alone, without the frame (no sidebar on any page but the first). Tests about what the frame shows
on every page apply the same switch the server applies, after AppTest's reset, and nothing else."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lib.ui.shell import navigation_only
from tests.test_pages import ROOT

PAGES = ["home", "verify", "group", "submit", "review", "generate", "library"]


def framed_app(monkeypatch) -> AppTest:
    """The app as `streamlit run app.py` serves it: PagesManager switched to st.navigation alone."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        navigation_only()

    monkeypatch.setattr(PagesManager, "__init__", init)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at
