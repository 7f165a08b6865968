"""Issue 4 scenario 2 in the browser: a link outlives its short life, the page says so by itself, one
click makes a fresh one with a new token, and the flow then completes on the phone."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import decode_qr

pytest.importorskip("zxingcpp")


def token_of(link: str) -> str:
    return urlsplit(link).path.rsplit("/", 1)[-1]


def test_expired_link_is_replaced_with_one_click_and_the_flow_completes(
    operator: Page, phone_context, sandbox
):
    sandbox.post("config", session_ttl=4)
    operator.get_by_role("link", name="1. Verify").click()
    operator.get_by_role("button", name="Create verification session").click()
    first = decode_qr(operator)
    # The countdown is the sandbox's 4 s, not upstream's 120 s.
    expect(operator.get_by_text(re.compile(r"the link expires in [0-4] s"))).to_be_visible()

    # No click: the page's own timer notices the end of the link.
    expired = operator.get_by_text("The link expired before the person finished")
    expect(expired).to_be_visible()
    expect(operator.get_by_role("button", name="Continue")).to_have_count(0)
    late_phone = phone_context.new_page()
    late_phone.goto(first)
    expect(late_phone.locator("#expired")).to_be_visible()  # the person, too late, is told so too

    sandbox.post("config", session_ttl=120)
    operator.get_by_role("button", name="Make a new link").click()
    expect(expired).to_have_count(0)
    expect(operator.get_by_text(re.compile(r"the link expires in \d+ s"))).to_be_visible()
    second = decode_qr(operator)
    assert token_of(second) != token_of(first), "a fresh session, not the dead link again"

    phone = phone_context.new_page()
    phone.goto(second)
    phone.locator("#approve").click()
    expect(phone.get_by_text("close this page")).to_be_visible()
    expect(operator.get_by_text("Current group")).to_be_visible()
    group_id = operator.locator('[data-testid="stCode"]').first.text_content().strip()
    assert group_id.startswith("group-")

    log = sandbox.get("requests")
    assert [r["status"] for r in log if r["selector"] == "callback_url"] == [200, 200], "two sessions"
    assert [r["status"] for r in log if r["selector"] == "byted_token"] == [200], "one query, the new token"
