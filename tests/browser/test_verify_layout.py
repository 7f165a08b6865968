"""Issue 11 in Chromium: on a phone and a tablet the QR code is on screen without scrolling and the sidebar
is out of the way (13); each step's next action is one primary button that works on its first click, even
straight after typing a label without leaving the box first (6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import OUTPUT, decode_qr, idle, verify_with_phone

pytest.importorskip("zxingcpp")

SIZES = {"phone": (390, 844), "tablet": (768, 1024)}


@pytest.mark.parametrize("device", SIZES)
def test_the_qr_code_is_on_screen_and_the_sidebar_collapsed(browser, sandbox, app_url, device):
    width, height = SIZES[device]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=device == "phone",
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{app_url}/verify")
        page.get_by_role("button", name="Create verification session").click()
        image = page.locator('[data-testid="stImage"] img').first
        expect(image).to_be_visible()
        idle(page)
        assert page.evaluate("window.scrollY") == 0
        box = image.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (
            f"the QR code {box} is not within the {width}x{height} screen"
        )
        assert box["width"] >= 200, "big enough to scan"
        column = page.get_by_test_id("stColumn").filter(has=image).first.bounding_box()
        assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, (
            f"the QR code {box} spills out of its column {column} over the text beside it"
        )
        assert "/h5/token_" in decode_qr(page)

        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        side = sidebar.bounding_box()
        assert side is None or side["x"] + side["width"] <= box["x"], (
            f"the sidebar {side} covers the QR code {box}"
        )
    finally:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"verify_layout_{device}.png"))
        context.close()


def test_next_actions_work_on_the_first_click_straight_after_typing(operator: Page, phone_context, sandbox):
    verify_with_phone(operator, phone_context)
    continue_button = operator.get_by_role("button", name="Continue: submit assets")
    for attempt, label in enumerate(["Lin Wei", "Lin Wei, presenter", "Lin W."]):
        if attempt:
            operator.get_by_role("link", name="2. Group").click()
        box = operator.get_by_label("Who is this? (the person's name)")
        expect(box).to_be_visible()
        idle(operator)
        box.fill(label)  # typed; no Enter, no Tab: the click itself ends the typing
        continue_button.click()  # once
        expect(operator.get_by_role("button", name="Add to the table")).to_be_visible()
        expect(operator.get_by_text(label, exact=False).first).to_be_visible()

    # Verify's next action, once the person is verified: one primary button, one click.
    operator.get_by_role("link", name="1. Verify").click()
    onward = operator.get_by_role("button", name="Continue: name the person")
    expect(onward).to_be_visible()
    idle(operator)
    onward.click()
    expect(operator.get_by_label("Who is this? (the person's name)")).to_have_value(re.compile("Lin W."))
