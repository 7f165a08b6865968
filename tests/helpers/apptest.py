"""The real app.py in Streamlit's AppTest, against the real sandbox over HTTP, and the steps page tests
repeat (open a page, press a button, read texts and tables, verify a person, paste rows).

Inside its frame: under `streamlit run`, app.py's server branch calls `lib.ui.shell.navigation_only()`, which
switches off Streamlit's old pages/-folder mode. AppTest never takes that branch and even resets the flag
before each run, and this repo has a pages/ folder: so `AppTest.switch_page("pages/x.py")` on a plain AppTest
executes pages/x.py alone, without the frame (no sidebar on any page but the first). `framed_app` applies the
same switch the server applies, after AppTest's reset, and nothing else."""

from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lib.ui import state
from lib.ui.shell import PAGES as NAVIGATION
from lib.ui.shell import navigation_only
from tests.helpers.sandbox import phone_lands

ROOT = Path(__file__).resolve().parent.parent.parent

# The navigation's pages, by file stem ("home", "verify", ...), in the menu's order.
PAGES = [Path(path).stem for path, *_ in NAVIGATION]

# Clips the sandbox approves, and clips it refuses (a face mismatch, an unreachable file).
GOOD = [f"https://cdn.example.com/lin/front-{i}.mp4" for i in range(4)]
BAD = ["https://cdn.example.com/lin/mismatch-1.mp4", "https://cdn.example.com/lin/unreachable-2.mp4"]


def sandbox_mode(monkeypatch, tmp_path, sandbox) -> None:
    """The app in sandbox mode (no key, AVATAR_DESK_PUBLIC_URL unset) on a registry file of its own, so that
    nothing resumes from another test's work."""
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "registry.db"))
    state.database.clear()
    monkeypatch.setenv("AVATAR_DESK_SANDBOX_URL", sandbox.base_url)
    for name in ("APIMART_API_KEY", "AVATAR_DESK_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


def new_app() -> AppTest:
    """A new session of app.py, run once (not framed: see framed_app)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not app.exception, app.exception
    return app


def framed_app(monkeypatch) -> AppTest:
    """The app as `streamlit run app.py` serves it: PagesManager switched to st.navigation alone."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        navigation_only()

    monkeypatch.setattr(PagesManager, "__init__", init)
    return new_app()


def open_page(at, page):
    """Switch to pages/<page>.py and run it; no exception."""
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


visit = open_page  # the name the framed tests use


def button(at, key):
    return next(b for b in at.button if b.key == key)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def table(at, column):
    """The table showing `column` (AppTest gives read-only dataframes no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def workflow(at):
    return at.session_state["avatar_desk__workflow"]


def run_until(at, done, times=10) -> None:
    """Run the page again until `done()`, at most `times` runs (the review and video fragments poll on each
    run). Asserts nothing: the caller checks what it waited for."""
    for _ in range(times):
        if done():
            break
        at.run()


def until_reviewed(at, times=10) -> None:
    """On the Review page: run until no task of the current ledger is pending (at most `times` runs)."""
    run_until(at, lambda: not workflow(at).ledger.pending_task_ids(), times)


def until_video_final(at, times=5) -> None:
    """On the Make a video page: run until the last video is final (at most `times` runs)."""
    run_until(at, lambda: workflow(at).videos and workflow(at).videos[-1].final, times)


def elements(node):
    """`node` and every element below it."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from elements(child)


def proto_fields(at):
    """(field descriptor, value) of every field set on the proto of every element of the page."""
    for element in elements(at._tree):
        proto = getattr(element, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        yield from proto.ListFields()


def verified(at, sandbox):
    """Verify a person on the Verify page (the phone approves); ends on the Group page. Their group id."""
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    attempt = workflow(at).verification
    phone_lands(sandbox, attempt.byted_token)
    at.run()
    assert not at.exception, at.exception
    # The page moved itself to the group step; AppTest follows only its own switch_page.
    open_page(at, "group")
    return workflow(at).group_id


def paste(at, lines):
    """Paste `lines` on the Submit page and add them to its table."""
    at.text_area(key="submit__paste").set_value("\n".join(lines)).run()
    button(at, "submit__add_paste").click().run()
    assert not at.exception, at.exception


def sent_and_reviewed(at, urls, times=10):
    """Paste `urls` on the Submit page, send them, and follow their review on the Review page until none is
    pending (at most `times` runs); the current ledger."""
    open_page(at, "submit")
    paste(at, urls)
    button(at, "submit__send").click().run()
    open_page(at, "review")
    until_reviewed(at, times)
    return workflow(at).ledger


def video_made(at, urls, prompt, times=5):
    """On the Make a video page: pick `urls`, write `prompt`, make the video and run until it is final (at most
    `times` runs); the last video."""
    open_page(at, "generate")
    at.multiselect(key="generate__assets").set_value(urls).run()
    at.text_area(key="generate__prompt").set_value(prompt).run()
    button(at, "generate__submit").click().run()
    until_video_final(at, times)
    return workflow(at).videos[-1]
