"""Issue 4 scenario 5 in the browser: the sandbox answers the submit with 500, then 429 with Retry-After,
and drops the first review poll. The operator sees a clear message and keeps the typed table; a retry
goes through, the review finishes by itself, and the request log shows nothing was created twice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_happy_path import continue_to_submit, idle, verify_with_phone

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

SUBMIT_ROUTE = "/v1/seedance2/real-avatar"
URLS = [f"https://cdn.example.com/ana/pose-{i}.mp4" for i in range(3)]


def submits(sandbox) -> list[tuple[int, bool, int | None]]:
    """(status, faulted, asset_count) of every asset submit (step 3) the sandbox received, in order."""
    return [
        (r["status"], r["faulted"], r["asset_count"])
        for r in sandbox.get("requests")
        if r["method"] == "POST" and r["path"] == SUBMIT_ROUTE and r["selector"] == "group_id"
    ]


def test_faults_on_submit_and_poll_are_survived_without_duplicates(operator: Page, phone_context, sandbox):
    verify_with_phone(operator, phone_context)
    continue_to_submit(operator)
    operator.locator("textarea").first.fill("\n".join(URLS))
    operator.get_by_role("button", name="Add to the table").click()
    submit = operator.get_by_role("button", name="Submit 3 assets (1 request)")
    expect(submit).to_be_enabled()
    idle(operator)

    # Armed only now: the route also serves the verification steps, which must not meet the fault.
    sandbox.post("faults", route=SUBMIT_ROUTE, method="POST", status=500, count=1)
    submit.click()

    # A 500 on a POST is never repeated by the client: the operator is told, and nothing is lost.
    expect(operator.get_by_text("APIMart had a problem on its side (HTTP 500)")).to_be_visible()
    expect(operator.get_by_text(re.compile(r"usually temporary: press Retry"))).to_be_visible()
    expect(operator.get_by_text("The rows that did not go out are still in the table.")).to_be_visible()
    idle(operator)
    editor, checks = operator.get_by_test_id("stDataFrame").first, operator.get_by_test_id("stDataFrame").last
    for url in URLS:
        # Grid cells live in a hidden accessibility layer over the canvas: attached, not "visible".
        expect(editor.get_by_text(url, exact=True)).to_be_attached()
        expect(checks.get_by_text(url, exact=True)).to_be_attached()
    expect(submit).to_be_enabled()
    assert submits(sandbox) == [(500, True, 3)]
    assert sandbox.get("assets") == [], "a faulted request creates nothing"

    # The retry meets a 429 (the client waits out Retry-After and sends the same request again by
    # itself) and the review page's first poll loses its connection (a read: retried at once).
    sandbox.post("faults", route=SUBMIT_ROUTE, method="POST", status=429, retry_after=2, count=1)
    sandbox.post("faults", route="/v1/tasks", method="GET", drop=True, count=1)
    operator.get_by_role("button", name="Retry").click()
    # While the client waits out Retry-After, the page says it is sending and will retry by itself.
    expect(
        operator.get_by_text(re.compile(r"Sending 3 asset\(s\) to APIMart.*retry by ourselves"))
    ).to_be_visible()

    # The review finishes on its own; no error is left on the screen.
    expect(operator.get_by_text("Usable (3)")).to_be_visible()
    expect(operator.get_by_text("Failed (0)")).to_be_visible()
    idle(operator)
    expect(
        operator.get_by_text(re.compile(r"APIMart had a problem|connection to APIMart broke"))
    ).to_have_count(0)
    assert sandbox.get("faults") == [], "every armed fault was met"

    # Exactly one submit went through: the 500 and the 429 are logged as faulted and created nothing.
    assert submits(sandbox) == [(500, True, 3), (429, True, 3), (200, False, 3)]
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
