"""Issue 4 scenario 6 and issue 5 in the browser: a reload or a server restart in the middle of a review
loses nothing (the registry brings back the group, its label and the running review, which then finishes
on its own), and two API keys in two browsers never see each other's people."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Page, expect

from lib.sandbox.control import SandboxControl
from lib.sandbox.runner import start_sandbox
from tests.browser.helpers import (
    expect_group_id,
    expect_review_counts,
    fill_table,
    group_id_on_screen,
    idle,
    label_group,
    operator_page,
    send_table,
    verify_with_phone,
)
from tests.serving import free_port, streamlit_app

pytest.importorskip("zxingcpp")

URLS = [f"https://cdn.example.com/ana/take-{i}.mp4" for i in range(3)]


def submit_for_review(operator: Page, phone_context, label: str) -> str:
    """Verify a person, name them, submit three videos; returns the group id once the review runs."""
    verify_with_phone(operator, phone_context)
    group_id = group_id_on_screen(operator)
    label_group(operator, label)
    fill_table(operator, URLS)
    send_table(operator, 3)
    expect(
        operator.get_by_text(re.compile(r"^Checking 3 of 3 clips… since \S+ \(.+ so far\)$"))
    ).to_be_visible()
    expect_review_counts(operator, 0, 0)
    return group_id


def expect_resumed_review(operator: Page, group_id: str, label: str) -> None:
    """What a new session shows: where the operator was, with the person's name, and the review
    finishing by itself (no clicks)."""
    expect(operator).to_have_url(re.compile(r"/review$"))
    # Inside the app's frame (its own navigation and sidebar), not the page file run alone.
    expect(operator.get_by_role("link", name="4. Review")).to_be_visible()
    expect(operator.get_by_text("Connection", exact=True)).to_be_visible()
    expect(operator.get_by_text(f"Resumed the review of {label}")).to_be_visible()
    expect_group_id(operator, group_id)
    expect_review_counts(operator, 3, 0)


def test_reload_mid_review_keeps_everything_and_the_review_finishes(operator: Page, phone_context, sandbox):
    sandbox.post("config", video_review_seconds=8.0)
    group_id = submit_for_review(operator, phone_context, "Ana Reyes")

    operator.reload()  # a new Streamlit session: its memory is gone, the registry is not
    expect_resumed_review(operator, group_id, "Ana Reyes")
    # Resumed by polling the same tasks: nothing was sent again.
    assert len(sandbox.get("assets")) == 3
    assert [r["asset_count"] for r in sandbox.get("requests") if r["selector"] == "group_id"] == [3]


def test_server_restart_mid_review_loses_nothing(browser, phone_context, tmp_path, request):
    # APIMart does not restart with the app: the sandbox runs outside the app's process here.
    with start_sandbox() as apimart, contextlib.ExitStack() as restarted:
        SandboxControl(apimart.base_url).post("config", timing="realistic", video_review_seconds=8.0)
        env = {"AVATAR_DESK_SANDBOX_URL": apimart.base_url, "AVATAR_DESK_DB": str(tmp_path / "desk.db")}
        port = free_port()
        # The restarted server outlives the tab, so the tab's last screen (its screenshot) is a live one.
        with operator_page(browser, "about:blank", request.node.name) as page:
            with streamlit_app(env, port=port) as base:
                page.goto(base)
                group_id = submit_for_review(page, phone_context, "Ana Reyes")
            # The server is gone in the middle of the review, then comes back on the same address with
            # the same registry file; the open tab reconnects by itself.
            restarted.enter_context(streamlit_app(env, port=port))
            expect_resumed_review(page, group_id, "Ana Reyes")
        assert len(SandboxControl(apimart.base_url).get("assets")) == 3, "nothing was sent twice"


def test_two_keys_in_two_browsers_see_only_their_own_people(browser, phone_context, tmp_path, request):
    with start_sandbox() as apimart:
        # Live mode (a key typed in the sidebar) against the sandbox standing in for APIMart.
        env = {"APIMART_BASE_URL": apimart.base_url, "AVATAR_DESK_DB": str(tmp_path / "desk.db")}
        people = {"sk-alice-key-0001": "Alice Example", "sk-bruno-key-0002": "Bruno Example"}
        with streamlit_app(env) as base:
            pages = {}
            with contextlib.ExitStack() as tabs:
                for key, name in people.items():
                    page = tabs.enter_context(operator_page(browser, base, f"{request.node.name}-{name}"))
                    use_key(page, key)
                    verify_with_phone(page, phone_context)
                    label_group(page, name)
                    pages[key] = page
                for key, page in pages.items():
                    page.get_by_role("link", name="Library").click()
                    grid = page.get_by_test_id("stDataFrame").first
                    for other_key, name in people.items():
                        shown = grid.get_by_text(name, exact=True)
                        if other_key == key:
                            expect(shown).to_be_attached()
                        else:
                            expect(shown).to_have_count(0)
                    assert key not in page.locator("body").inner_text(), "the key is never shown"


def use_key(page: Page, key: str) -> None:
    page.get_by_role("textbox", name="API key for this session only").fill(key)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"key sk-…{key[-4:]}")).to_be_visible()
    idle(page)
