"""Issue 4 scenarios 3 and 4 in the browser: the app refuses to burn the one-time token early, and bad
asset rows are flagged with nothing sent until they are dropped."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    by_key,
    continue_to_submit,
    decode_qr,
    expect_review_counts,
    idle,
    send_table,
)

pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


def test_finished_before_the_person_finished_asks_first_and_the_token_survives(
    operator: Page, phone_context, sandbox
):
    operator.get_by_role("link", name="1. Verify").click()
    operator.get_by_role("button", name="Create verification session").click()
    link = decode_qr(operator)
    # The manual path asks once what it costs; Cancel sends nothing.
    operator.get_by_role("button", name="The person has finished").click()
    expect(
        operator.get_by_text(re.compile("this uses up the link and they must scan a new one"))
    ).to_be_visible()
    operator.get_by_role("button", name="Cancel").click()
    expect(operator.get_by_role("button", name="The person has finished")).to_be_visible()
    assert not [r for r in sandbox.get("requests") if r["selector"] == "byted_token"], (
        "the token was not queried"
    )

    phone = phone_context.new_page()
    phone.goto(link)
    phone.locator("#approve").click()
    expect(operator.get_by_text("Current group")).to_be_visible()
    queries = [r for r in sandbox.get("requests") if r["selector"] == "byted_token"]
    assert [q["status"] for q in queries] == [200], "queried once, after the person finished, and it worked"


def test_bad_rows_are_flagged_and_nothing_is_sent_until_dropped(operator: Page, phone_context, sandbox):
    operator.get_by_role("link", name="1. Verify").click()
    operator.get_by_role("button", name="Create verification session").click()
    phone = phone_context.new_page()
    phone.goto(decode_qr(operator))
    phone.locator("#approve").click()
    continue_to_submit(operator)

    good = "https://cdn.example.com/lin/front.mp4"
    pasted = [
        good,
        "ftp://cdn.example.com/lin/a.mp4",
        good,
        f"{'n' * 100}, https://cdn.example.com/lin/b.mp4",
        "https://cdn.example.com/lin/notes.txt",
    ]
    operator.locator("textarea").first.fill("\n".join(pasted))
    operator.get_by_role("button", name="Add to the table").click()
    idle(operator)
    expect(operator.get_by_text(re.compile(r"^4 rows cannot be sent as they are"))).to_be_visible()
    expect(by_key(operator, "submit__send").get_by_role("button")).to_be_disabled()
    checks = operator.get_by_test_id("stDataFrame").last
    for reason in (
        "http:// or https://",
        "duplicate of row 1",
        "100 characters",
        ".txt is neither a photo nor a video format",
    ):
        expect(checks.get_by_text(re.compile(re.escape(reason)))).to_be_attached()
    assert not [r for r in sandbox.get("requests") if r["selector"] == "group_id"], "nothing was sent"

    by_key(operator, "submit__drop").get_by_role(
        "button", name="Remove the 4 rows that cannot be sent", exact=True
    ).click()
    send_table(operator, 1)
    expect_review_counts(operator, 1, 0)
    sent = [r for r in sandbox.get("requests") if r["selector"] == "group_id"]
    assert [(r["status"], r["asset_count"]) for r in sent] == [(200, 1)]
