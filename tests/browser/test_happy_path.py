"""Scenario 1, happy path with a phone, in real Chromium: the QR code is decoded from a screenshot and
opened on a phone-sized context; the H5 redirect reaches the app's /callback and the operator's page
moves on by itself; review polls on its own; failed assets are replaced in place and resubmitted."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    expect_review_counts,
    fill_table,
    group_id_on_screen,
    idle,
    label_group,
    send_table,
    verify_with_phone,
)

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

GOOD = [f"https://cdn.example.com/lin/front-{i}.mp4" for i in range(4)]
BAD = ["https://cdn.example.com/lin/mismatch-1.mp4", "https://cdn.example.com/lin/unreachable-2.mp4"]
RETAKES = ["https://cdn.example.com/lin/retake-1.mp4", "https://cdn.example.com/lin/retake-2.mp4"]


def edit_failed_urls(operator: Page, urls: list[str]) -> None:
    """Type replacement URLs into the "Replace URL with" column of the not-approved data editor."""
    operator.locator(".st-key-review__resubmit_mode").get_by_text(
        "Send again or replace the ones not approved", exact=True
    ).click()
    expect(operator.get_by_role("button", name=re.compile(r"^Resubmit 2 assets"))).to_be_visible()
    idle(operator)
    grid = operator.get_by_test_id("stDataFrame").last
    box = grid.bounding_box()
    editor = operator.locator("textarea.gdg-input")
    for row, url in enumerate(urls):
        for _ in range(3):  # bounded: a click can land while the grid redraws after the previous edit
            operator.keyboard.press("Escape")
            # The row's Name cell (the checkbox column is ~100 px; header and rows are 35 px tall), then
            # two cells right is "Replace URL with".
            operator.mouse.click(box["x"] + 150, box["y"] + 35 * (row + 1) + 17)
            operator.keyboard.press("ArrowRight")
            operator.keyboard.press("ArrowRight")
            operator.keyboard.press("Enter")
            try:
                expect(editor).to_be_editable(timeout=3_000)  # the replacement column, not a read-only one
                break
            except AssertionError:
                continue
        else:
            raise AssertionError(f"could not open the replacement cell of row {row}")
        editor.fill(url)
        operator.keyboard.press("Enter")
        expect(editor).to_be_hidden()
        idle(operator)


def test_happy_path_with_a_phone(operator: Page, phone_context, sandbox, app_url):
    expect(operator.get_by_text("Sandbox mode")).to_be_visible()
    link = verify_with_phone(operator, phone_context)
    # One server: the mounted sandbox serves the H5 page on the app's own origin, where a phone reaches it.
    assert link.startswith(f"{app_url}/sandbox/h5/token_")
    group_id = group_id_on_screen(operator)

    label_group(operator, "Lin Wei")
    fill_table(operator, GOOD + BAD)
    send_table(operator, 6)

    # The review finishes on its own: no clicks between submit and the tables.
    expect_review_counts(operator, 4, 2)
    # Each kind of refusal once, with its reason and how many clips it refused.
    main = operator.get_by_test_id("stMain")
    for reason in ("Another person, several faces, or a poor angle", "APIMart could not download the file"):
        expect(main.get_by_text(f"{reason} · 1 clip", exact=True)).to_be_visible()

    edit_failed_urls(operator, RETAKES)
    # The label is computed by the server from the edited table: once it says so, the edits have arrived.
    resubmit = operator.get_by_role("button", name="Resubmit 2 assets, 2 with a new URL")
    expect(resubmit).to_be_visible()
    resubmit.click()
    expect_review_counts(operator, 6, 0)
    idle(operator)  # the run that drew "Approved (6)" has drawn its download button too (not the last one's)

    with operator.expect_download() as download:
        operator.get_by_role("button", name="Download CSV").click()
    # Every cell is quoted (lib/exports neutralises spreadsheet formulas): read it as CSV, not as text.
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["name", "asset_url", "source_url"]
    assert len(rows) == 7 and all(row[1].startswith("asset://") for row in rows[1:])
    assert {"retake-1.mp4", "retake-2.mp4"} <= {row[2].rsplit("/", 1)[-1] for row in rows[1:]}

    # Exactly 8 assets were ever created upstream: 6 first, 2 resubmitted; nothing duplicated.
    assets = sandbox.get("assets")
    assert len(assets) == 8 and {a["status"] for a in assets} == {"Active", "Failed"}
    assert group_id in {a["group_id"] for a in assets}
    sends = [r for r in sandbox.get("requests") if r["method"] == "POST" and r["selector"] == "group_id"]
    assert [(r["status"], r["asset_count"]) for r in sends] == [(200, 6), (200, 2)], (
        "1 request, then 1 resend"
    )
