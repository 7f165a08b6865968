"""Issue 6 in the browser: assets approved in this test become a Seedance video that plays in the page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    continue_to_submit,
    expect_review_counts,
    fill_table,
    group_id_on_screen,
    idle,
    make_video_button,
    menu,
    picked_references,
    send_table,
    unpick_reference,
    verify_with_phone,
)

URLS = ["https://cdn.example.com/lin/front-a.mp4", "https://cdn.example.com/lin/front-b.mp4"]


def test_generate_a_video_from_approved_assets(operator: Page, phone_context, sandbox):
    verify_with_phone(operator, phone_context)
    group_id = group_id_on_screen(operator)
    continue_to_submit(operator)
    fill_table(operator, URLS)
    send_table(operator, 2)
    expect_review_counts(operator, 2, 0)

    menu(operator, "5. Make a video")
    picker = operator.get_by_test_id("stMultiSelect")
    expect(picker).to_be_visible()
    idle(operator)
    # The picker offers every saved person's approved assets; the ones of this person (no label: titled by
    # the group id), approved in this test, are picked already, and only they.
    front_a, front_b = f"{group_id} · front-a (clip)", f"{group_id} · front-b (clip)"
    assert sorted(picked_references(operator)) == [front_a, front_b]
    unpick_reference(operator, front_b)  # take exactly one
    assert picked_references(operator) == [front_a]
    expect(operator.get_by_text(re.compile(r"^video 1: .*front-a"))).to_be_visible()
    expect(operator.get_by_text(re.compile(r"^video 2: "))).to_have_count(0)
    operator.get_by_role("button", name="Insert the references' names").click()
    idle(operator)
    prompt = operator.get_by_role("textbox", name="Prompt")
    expect(prompt).to_have_value(re.compile("video 1"))
    prompt.fill("The person in video 1 waves at the camera.")
    prompt.press("Control+Enter")
    idle(operator)
    make_video_button(operator).click()

    video = operator.locator("video")
    expect(video).to_be_attached()
    # The element really loads the sandbox's clip: metadata and a first frame decoded by Chromium.
    operator.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }"
    )
    assert operator.evaluate("() => document.querySelector('video').duration") > 1
    src = video.get_attribute("src")
    assert "/sandbox/files/task_" in src and src.endswith(".mp4")
    expect(operator.get_by_text(re.compile(r"^Video URL \(the link works until .+\):$"))).to_be_visible()
