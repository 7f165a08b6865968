"""Issue 4 scenario 5 and issue 10 in the browser. A 500 on the submit POST may mean "done, answer lost",
so it reads "may have been sent" (never "press Retry"): the rows are kept as unknown in a card with the
operator's two choices, not put back in the table. "Send them again" (the same Idempotency-Key) meets a
429 with Retry-After that the client waits out while the page says it is sending, and the review's first
poll is dropped and asked again; the request log shows that nothing was created twice. And a 500 *after*
the sandbox carried the request out, settled with "Put them back in the table": zero duplicates."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    continue_to_submit,
    expect_review_counts,
    fill_table,
    idle,
    menu,
    submit_button,
    verify_with_phone,
)

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

SUBMIT_ROUTE = "/v1/seedance2/real-avatar"
URLS = [f"https://cdn.example.com/ana/pose-{i}.mp4" for i in range(3)]


def submits(sandbox) -> list[tuple[int, bool, int | None, str]]:
    """(status, faulted, asset_count, Idempotency-Key) of every asset submit (step 3) the sandbox
    received, in order."""
    return [
        (r["status"], r["faulted"], r["asset_count"], r["idempotency_key"])
        for r in sandbox.get("requests")
        if r["method"] == "POST" and r["path"] == SUBMIT_ROUTE and r["selector"] == "group_id"
    ]


def submit_into_a_lost_answer(operator: Page, phone_context, sandbox, **fault) -> str:
    """Verify a person, table three rows, meet `fault` on the submit: the page says the assets may have
    been sent and holds them in a card, not in the table. Returns the request's Idempotency-Key."""
    verify_with_phone(operator, phone_context)
    continue_to_submit(operator)
    fill_table(operator, URLS)
    # Armed only now, and on step 3 only: the route also serves the verification steps.
    sandbox.post("faults", route=SUBMIT_ROUTE, method="POST", selector="group_id", count=1, **fault)
    submit_button(operator, 3).click()

    expect(operator.get_by_text("APIMart had a problem on its side (HTTP 500)")).to_be_visible()
    expect(operator.get_by_text("may have reached APIMart before the answer was lost")).to_be_visible()
    expect(operator.get_by_text(re.compile(r"^3 .+ may have been sent$"))).to_be_visible()
    idle(operator)
    expect(operator.get_by_text(re.compile(r"press Retry"))).to_have_count(0)
    expect(operator.get_by_role("button", name="Retry")).to_have_count(0)
    # The rows are in the card (its names), not back in the table: a plain Submit would send them twice.
    editor = operator.get_by_test_id("stDataFrame").first
    for url in URLS:
        expect(editor.get_by_text(url, exact=True)).to_have_count(0)
    expect(operator.get_by_text("pose-0, pose-1, pose-2", exact=True)).to_be_visible()
    expect(operator.locator(".st-key-submit__send").get_by_role("button")).to_be_disabled()
    [(status, faulted, count, key)] = submits(sandbox)
    assert (status, faulted, count) == (500, True, 3) and key
    return key


def card_button(operator: Page, choice: str, key: str, name: str):
    """One of the card's two buttons, found by its widget key (submit__unsettled__<choice>_<key>)."""
    return operator.locator(f".st-key-submit__unsettled__{choice}_{key}").get_by_role("button", name=name)


def test_faults_on_submit_and_poll_are_survived_without_duplicates(operator: Page, phone_context, sandbox):
    key = submit_into_a_lost_answer(operator, phone_context, sandbox, status=500)
    assert sandbox.get("assets") == [], "this 500 came before the handler: it created nothing"

    # "Send them again" meets a 429 (the client waits out Retry-After and sends the same request again
    # by itself) and the review page's first poll loses its connection (a read: retried at once).
    sandbox.post("faults", route=SUBMIT_ROUTE, method="POST", status=429, retry_after=2, count=1)
    sandbox.post("faults", route="/v1/tasks", method="GET", drop=True, count=1)
    card_button(operator, "again", key, "Send them again").click()
    # While the client waits out Retry-After, the page says it is sending and will retry by itself.
    expect(operator.get_by_text(re.compile(r"Sending 3 .+ to APIMart.*retry by ourselves"))).to_be_visible()
    expect(operator.get_by_text("may have been sent")).to_have_count(0)
    menu(operator, "4. Review")

    # The review finishes on its own; no error is left on the screen.
    expect_review_counts(operator, 3, 0)
    idle(operator)
    expect(
        operator.get_by_text(re.compile(r"APIMart had a problem|connection to APIMart broke"))
    ).to_have_count(0)
    assert sandbox.get("faults") == [], "every armed fault was met"

    # Exactly one submit went through, all three with the key written ahead: the 500 and the 429 are
    # logged as faulted and created nothing.
    assert submits(sandbox) == [(500, True, 3, key), (429, True, 3, key), (200, False, 3, key)]
    log = sandbox.get("requests")
    accepted = next(i for i, r in enumerate(log) if r["selector"] == "group_id" and r["status"] == 200)
    polls = [
        (r["method"], r["path"].rsplit("/", 1)[0], r["status"], r["faulted"]) for r in log[accepted + 1 :]
    ]
    assert polls[:2] == [("GET", "/v1/tasks", 0, True), ("GET", "/v1/tasks", 200, False)], (
        "the review's first poll was dropped and asked again"
    )
    assert len({r["path"] for r in log[accepted + 1 :]}) == 1, "one review task, polled"
    assets = sandbox.get("assets")
    assert sorted(a["url"] for a in assets) == URLS, "each typed row created once: no duplicates"
    assert {a["status"] for a in assets} == {"Active"}


def test_a_500_after_carrying_out_put_back_in_the_table_makes_no_duplicate(
    operator: Page, phone_context, sandbox
):
    # "Done, answer lost": the sandbox creates the assets, then answers 500.
    key = submit_into_a_lost_answer(operator, phone_context, sandbox, status=500, after=True)
    assert [r.get("carried_out") for r in sandbox.get("requests") if r["selector"] == "group_id"] == [True]

    card_button(operator, "back", key, "Put them back in the table").click()
    # The rows are back in the table, checked and ready; the card is gone; nothing was sent.
    expect(submit_button(operator, 3)).to_be_enabled()
    expect(operator.get_by_text("may have been sent")).to_have_count(0)
    idle(operator)
    editor = operator.get_by_test_id("stDataFrame").first
    for url in URLS:
        # Grid cells live in a hidden accessibility layer over the canvas: attached, not "visible".
        expect(editor.get_by_text(url, exact=True)).to_be_attached()

    # Exactly one submit, and the 3 assets it made: zero duplicates (the operator now knows to check the
    # group before sending these rows again).
    assert submits(sandbox) == [(500, True, 3, key)]
    assets = sandbox.get("assets")
    assert sorted(a["url"] for a in assets) == URLS
    assert len(sandbox.get("tasks?kind=review")) == 1
