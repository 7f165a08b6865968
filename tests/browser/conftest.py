"""Browser harness: the app under `streamlit run` on the mounted sandbox, Debian's Chromium driven by
Playwright (never a downloaded browser), and a screenshot of each test's last screen in test-output/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.helpers import operator_page, reset_sandbox
from tests.serving import streamlit_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic is refused on this closed network: switch it off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    # A registry of its own: never the developer's data/, and no open reviews left from an earlier run.
    db = tmp_path_factory.mktemp("registry") / "avatar-desk.db"
    with streamlit_app({"AVATAR_DESK_DB": str(db)}) as base:
        yield base


@pytest.fixture
def sandbox(app_url):
    return reset_sandbox(app_url)


@pytest.fixture(scope="session")
def playwright_session():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Reviews and timers take seconds: expect() waits up to 20 s (its own default is 5 s).
    sync_api.expect.set_options(timeout=20_000)
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `bash scripts/test.sh`, which installs it")
    chromium = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def playwright_devices(playwright_session):
    """Playwright's device profiles ("Pixel 7", "iPhone 13"): a phone's screen, user agent and touch."""
    return playwright_session.devices


@pytest.fixture
def operator(browser, request, app_url):
    with operator_page(browser, app_url, request.node.name) as page:
        yield page


@pytest.fixture
def phone_context(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context
    context.close()
