"""Issue 6 in the browser: assets approved in this test become a Seedance video that plays in the page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import continue_to_submit, idle, verify_with_phone


def test_generate_a_video_from_approved_assets(operator: Page, phone_context, sandbox):
    verify_with_phone(operator, phone_context)
    group_id = operator.locator('[data-testid="stCode"]').first.text_content().strip()
    continue_to_submit(operator)
    operator.locator("textarea").first.fill(
        "https://cdn.example.com/lin/front-a.mp4\nhttps://cdn.example.com/lin/front-b.mp4"
    )
    operator.get_by_role("button", name="Add to the table").click()
    operator.get_by_role("button", name=re.compile(r"Submit 2 assets")).click()
    expect(operator.get_by_text("Usable (2)")).to_be_visible()

    operator.get_by_role("link", name="5. Generate").click()
    picker = operator.get_by_test_id("stMultiSelect")
    picker.click()
    # The picker offers every saved person's usable assets: take one approved in this test.
    operator.get_by_role("option", name=f"{group_id} · front-a").click()
    operator.keyboard.press("Escape")
    idle(operator)
    operator.get_by_role("button", name="Insert image references").click()
    idle(operator)
    prompt = operator.get_by_role("textbox", name="Prompt")
    expect(prompt).to_have_value(re.compile("image 1"))
    prompt.fill("The person in image 1 waves at the camera.")
    prompt.press("Control+Enter")
    idle(operator)
    operator.get_by_role("button", name="Generate video").click()

    video = operator.locator("video")
    expect(video).to_be_attached()
    # The element really loads the sandbox's clip: metadata and a first frame decoded by Chromium.
    operator.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }"
    )
    assert operator.evaluate("() => document.querySelector('video').duration") > 1
    src = video.get_attribute("src")
    assert "/sandbox/files/task_" in src and src.endswith(".mp4")
    expect(operator.get_by_text("link expires")).to_be_visible()
