"""Scenario 1, happy path with a phone, in real Chromium: the QR code is decoded from a screenshot and
opened on a phone-sized context; the H5 redirect reaches the app's /callback and the operator's page
moves on by itself; review polls on its own; failed assets are replaced in place and resubmitted."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")

GOOD = [f"https://cdn.example.com/lin/front-{i}.mp4" for i in range(4)]
BAD = ["https://cdn.example.com/lin/mismatch-1.mp4", "https://cdn.example.com/lin/unreachable-2.mp4"]
RETAKES = ["https://cdn.example.com/lin/retake-1.mp4", "https://cdn.example.com/lin/retake-2.mp4"]


def idle(page: Page) -> None:
    """Wait until no script run is in progress. Only a settled state counts: the app root says
    "notRunning" and no status widget shows. (A rerun asked for a moment ago may not have started yet:
    callers first wait for something their action changes on the screen.)"""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def decode_qr(page: Page) -> str:
    image = page.locator('[data-testid="stImage"] img').first
    expect(image).to_be_visible()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(found) == 1, "exactly one QR code on the screen"
    return found[0].text


def verify_with_phone(operator: Page, phone_context) -> str:
    operator.get_by_role("link", name="1. Verify").click()
    operator.get_by_role("button", name="Create verification session").click()
    link = decode_qr(operator)
    assert "/h5/token_" in link and "lng=en" in link
    phone = phone_context.new_page()
    phone.goto(link)
    phone.locator("#approve").click()
    expect(phone.get_by_text("close this page")).to_be_visible()
    # No click on the operator's side: the verify page notices the callback and moves on.
    expect(operator.get_by_text("Current group")).to_be_visible()
    return link


def label_group(operator: Page, label: str) -> None:
    """Name the verified group, then go on to the submit step."""
    operator.get_by_label("Who is this? (the person's name)").fill(label)
    operator.keyboard.press("Enter")
    # Saved once the hint for unlabelled groups is gone; during that rerun the old and the new "Continue"
    # links stand side by side for a moment, so wait for one.
    expect(operator.get_by_text("A label makes this group easy to find again")).to_have_count(0)
    continue_to_submit(operator)


def continue_to_submit(operator: Page) -> None:
    link = operator.get_by_role("link", name="Continue: submit assets")
    idle(operator)
    expect(link).to_have_count(1)
    link.click()
    expect(operator.get_by_role("button", name="Add to the table")).to_be_visible()


def edit_failed_urls(operator: Page, urls: list[str]) -> None:
    """Type replacement URLs into the "Replace URL with" column of the failed-assets data editor."""
    operator.get_by_text("Resubmit or replace failed assets").click()
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
    group_id = operator.locator('[data-testid="stCode"]').first.inner_text().strip()
    assert group_id.startswith("group-")

    label_group(operator, "Lin Wei")
    operator.locator("textarea").first.fill("\n".join(GOOD + BAD))
    operator.get_by_role("button", name="Add to the table").click()
    operator.get_by_role("button", name=re.compile(r"Submit 6 assets \(1 request\)")).click()

    # The review finishes on its own: no clicks between submit and the tables.
    expect(operator.get_by_text("Usable (4)")).to_be_visible()
    expect(operator.get_by_text("Failed (2)")).to_be_visible()
    # Grid cells live in a hidden accessibility layer over the canvas: attached, not "visible".
    expect(operator.get_by_text("Another person, several faces, or a poor angle")).to_be_attached()
    expect(operator.get_by_text("APIMart could not download the file")).to_be_attached()

    edit_failed_urls(operator, RETAKES)
    # The label is computed by the server from the edited table: once it says so, the edits have arrived.
    resubmit = operator.get_by_role("button", name="Resubmit 2 assets, 2 with a new URL")
    expect(resubmit).to_be_visible()
    resubmit.click()
    expect(operator.get_by_text("Usable (6)")).to_be_visible()
    expect(operator.get_by_text("Failed (0)")).to_be_visible()

    with operator.expect_download() as download:
        operator.get_by_role("button", name="Download CSV").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0] == "name,asset_url,source_url"
    assert len(rows) == 7 and all(",asset://" in row for row in rows[1:])
    assert any("retake-1.mp4" in row for row in rows) and any("retake-2.mp4" in row for row in rows)

    # Exactly 8 assets were ever created upstream: 6 first, 2 resubmitted; nothing duplicated.
    assets = sandbox.get("assets")
    assert len(assets) == 8 and {a["status"] for a in assets} == {"Active", "Failed"}
    assert group_id in {a["group_id"] for a in assets}
