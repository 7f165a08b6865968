"""Every page of the navigation (lib.ui.shell.PAGES) opens inside the app's frame without an exception: in
sandbox mode and in live mode (a key in the environment, APIMART_BASE_URL on the sandbox standing in for
APIMart), on an empty registry and on one holding a person with a finished review (approved and not approved
assets), a video, and a send whose outcome is unknown. AppTest against the real sandbox over HTTP."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from lib.ui import state
from lib.ui.components.go_to_step import CURRENT_PAGE_KEY
from lib.ui.shell import PAGES as NAVIGATION
from tests.helpers.apptest import BAD, GOOD, button, framed_app, open_page, paste, sandbox_mode, workflow
from tests.helpers.sandbox import control, send_fails_once

LIVE_KEY = "sk-smoke-live-0123456789abcd"
# What a crash looks like when a page catches it and shows it in st.error: a traceback, an exception's
# class name, Python's own wording.
CRASH = re.compile(
    r"Traceback|\b[A-Z]\w*(Error|Exception)\b|object has no attribute|NoneType|not subscriptable"
    r"|unexpected keyword|positional argument|KeyError|IndexError|StopIteration"
)


def page_id(entry) -> str:
    return Path(entry[0]).stem


def enter(mode: str, monkeypatch, tmp_path: Path, sandbox) -> None:
    """The environment of `mode` on a registry file tmp_path/registry.db."""
    sandbox_mode(monkeypatch, tmp_path, sandbox)
    if mode == "live":
        monkeypatch.setenv("APIMART_API_KEY", LIVE_KEY)
        monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
        monkeypatch.delenv("AVATAR_DESK_SANDBOX_URL")


def settle(at, done, seconds=15.0) -> None:
    """Run the page again until `done()`, for at most `seconds` (in live mode a review task is first read 2 s
    after its send: lib/ui/review_poll.py)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
    assert done()


def fill(at, sandbox) -> None:
    """Through the pages: a person, verified by hand and named; a finished review of two clips approved and two
    not; a video made from the approved ones; then a send whose answer is lost after APIMart acted on it."""
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    control(sandbox, f"h5/{workflow(at).verification.byted_token}/approve")  # the phone never comes back
    button(at, "verify__confirm").click().run()
    button(at, "verify__confirm_yes").click().run()
    assert workflow(at).group_id, "verified"
    open_page(at, "group")
    at.text_input(key="group__label").set_value("Lin Wei").run()

    open_page(at, "submit")
    paste(at, GOOD[:2] + BAD)
    button(at, "submit__send").click().run()
    open_page(at, "review")
    settle(at, lambda: not workflow(at).ledger.pending_task_ids())
    assert (workflow(at).ledger.counts()["usable"], workflow(at).ledger.counts()["failed"]) == (2, 2)

    open_page(at, "generate")
    at.multiselect(key="generate__assets").set_value(workflow(at).ledger.usable_urls()).run()
    at.text_area(key="generate__prompt").set_value("The person in video 1 waves").run()
    button(at, "generate__submit").click().run()
    settle(at, lambda: workflow(at).videos and workflow(at).videos[-1].final)
    assert workflow(at).videos[-1].status == "completed"

    open_page(at, "submit")
    paste(at, GOOD[2:])
    send_fails_once(sandbox, after=True)
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    assert workflow(at).ledger.counts()["unknown"] == 2, "the send's outcome is unknown"


@pytest.fixture(scope="module")
def filled(sandbox_server, tmp_path_factory) -> dict[str, Path]:
    """A filled registry file per mode, made once for the module on the session's sandbox (each mode's work
    under its own tenant: the sandbox key, LIVE_KEY). The page tests copy it and never reset the sandbox, so
    what the registry names is still there."""
    control(sandbox_server, "reset")
    made = {}
    for mode in ("sandbox", "live"):
        folder = tmp_path_factory.mktemp(f"filled-{mode}")
        with pytest.MonkeyPatch.context() as monkeypatch:
            enter(mode, monkeypatch, folder, sandbox_server)
            fill(framed_app(monkeypatch), sandbox_server)
            state.database().close()
            state.database.clear()
        made[mode] = folder / "registry.db"
    return made


@pytest.mark.parametrize("registry", ["empty", "filled"])
@pytest.mark.parametrize("mode", ["sandbox", "live"])
@pytest.mark.parametrize("page", [pytest.param(p, id=page_id(p)) for p in NAVIGATION])
def test_every_page_opens(page, mode, registry, request, sandbox_server, monkeypatch, tmp_path):
    if registry == "filled":
        for made in request.getfixturevalue("filled")[mode].parent.glob("registry.db*"):
            shutil.copy(made, tmp_path / made.name)
    enter(mode, monkeypatch, tmp_path, sandbox_server)
    at = framed_app(monkeypatch)
    assert ("Sandbox mode" in "".join(str(e.value) for e in at.sidebar.info)) == (mode == "sandbox")
    if registry == "filled":
        assert workflow(at).group_id, "the person is resumed from the registry"
    if page_id(page) != "home":
        open_page(at, page_id(page))
    at.run()  # and once more, as a fragment or a rerun would
    assert not at.exception, at.exception
    assert at.session_state[CURRENT_PAGE_KEY] == page[0], "the frame ran this page"
    crashes = [str(e.value) for e in at.error if CRASH.search(str(e.value))]
    assert crashes == [], crashes
