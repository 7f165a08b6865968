"""The README's screenshots, made by walking the five steps once in Chromium as a user would: verify with a
phone (the sandbox's H5 page in a phone-sized context), label the person, submit a few URLs (one of them
fails review on purpose), read the review, generate a video.

One PNG per step, 1280x860 and not full page so the files stay small. They go to docs/screenshots/ only
when AVATAR_DESK_DOCS_SCREENSHOTS=1 (to refresh the committed files), else to test-output/ (CI never
rewrites committed files). The pages' words change often: locators prefer roles and loose patterns."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import decode_qr, idle
from tests.serving import ROOT

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

VIEWPORT = {"width": 1280, "height": 860}
MAX_BYTES = 400 * 1024
LABEL = "Lin Wei"
APPROVED = [
    "front, https://cdn.example.com/lin/front.mp4",
    "side, https://cdn.example.com/lin/side.mp4",
    "smile, https://cdn.example.com/lin/smile.mp4",
]
# The sandbox fails any URL containing "mismatch" with FaceMismatch: the review shows both tables.
NOT_APPROVED = ["with-friend, https://cdn.example.com/lin/mismatch-with-friend.mp4"]


def screenshot_dir():
    if os.environ.get("AVATAR_DESK_DOCS_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    return ROOT / "test-output" / "docs-screenshots"


def shoot(page: Page, name: str) -> None:
    page.mouse.move(0, 0)  # no hover effects (heading anchors, tooltips) in the picture
    idle(page)
    target = screenshot_dir()
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    page.screenshot(path=str(path), full_page=False)
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{name} is {size} bytes, more than {MAX_BYTES}"


def nav(page: Page, step: str) -> None:
    """Open a step from the sidebar menu (a direct page load would start a new session)."""
    page.get_by_role("link", name=re.compile(step, re.I)).first.click()


def press(page: Page, name: re.Pattern) -> None:
    """Click the first link or button named `name` (a page link today may be a button tomorrow)."""
    idle(page)
    target = page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name)).first
    expect(target).to_be_visible()
    target.click()


def test_walk_the_five_steps_for_the_readme(operator: Page, phone_context, sandbox):
    operator.set_viewport_size(VIEWPORT)
    expect(operator.get_by_text(re.compile("sandbox mode", re.I)).first).to_be_visible()

    # 1. Verify: the QR code and its countdown, then the "person" approves on a phone.
    nav(operator, r"^1\. Verify")
    operator.get_by_role("button", name=re.compile("verification session", re.I)).click()
    link = decode_qr(operator)
    assert "/sandbox/h5/token_" in link
    expect(operator.get_by_text(re.compile(r"expires in", re.I)).first).to_be_visible()
    shoot(operator, "1-verify.png")

    phone = phone_context.new_page()
    phone.goto(link)
    phone.locator("#approve").click()
    expect(phone.get_by_text(re.compile("close this page", re.I)).first).to_be_visible()

    # 2. Group: the page moves on by itself; name the person.
    name_box = operator.get_by_role("textbox", name=re.compile("name", re.I)).first
    expect(name_box).to_be_visible()
    name_box.fill(LABEL)
    name_box.press("Enter")
    expect(operator.get_by_text(re.compile("label makes this group", re.I))).to_have_count(0)
    expect(name_box).to_have_value(LABEL)
    shoot(operator, "2-group.png")

    # 3. Submit: paste the list, every row checked, one click to send.
    press(operator, re.compile(r"continue", re.I))
    operator.locator("textarea").first.fill("\n".join(APPROVED + NOT_APPROVED))
    operator.get_by_role("button", name=re.compile(r"^add\b", re.I)).first.click()
    send = operator.get_by_role(
        "button", name=re.compile(rf"^(submit|send) {len(APPROVED + NOT_APPROVED)}\b", re.I)
    )
    expect(send).to_be_enabled()
    idle(operator)
    send.scroll_into_view_if_needed()  # the checked rows and the send button, not only the paste box
    shoot(operator, "3-submit.png")
    send.click()

    # 4. Review: polls by itself; approved and not approved side by side.
    expect(
        operator.get_by_text(re.compile(rf"(usable|approved) \({len(APPROVED)}\)", re.I)).first
    ).to_be_visible()
    expect(
        operator.get_by_text(re.compile(rf"(failed|not approved) \({len(NOT_APPROVED)}\)", re.I)).first
    ).to_be_visible()
    idle(operator)
    # Bring the failed table's bottom into the window (its header alone would say little).
    operator.get_by_test_id("stDataFrame").last.scroll_into_view_if_needed()
    shoot(operator, "4-review.png")

    # 5. Generate: approved assets, a prompt, a -face model; the video plays in the page.
    nav(operator, r"^5\. ")
    picker = operator.get_by_test_id("stMultiSelect").first
    expect(picker).to_be_visible()
    idle(operator)
    if picker.locator("[data-tag]").count() == 0:  # nothing picked for us: pick one
        picker.click()
        operator.get_by_role("option", name=re.compile("front", re.I)).first.click()
        operator.keyboard.press("Escape")
    idle(operator)
    prompt = operator.get_by_role("textbox", name=re.compile("prompt", re.I))
    prompt.fill("The person in video 1 waves at the camera in a sunlit office.")
    prompt.press("Control+Enter")
    idle(operator)
    model = operator.get_by_test_id("stSelectbox").filter(has_text=re.compile("model", re.I)).first
    assert "-face" in model.aria_snapshot(), "a -face model, as recommended for real-person assets"
    operator.get_by_role("button", name=re.compile(r"(generate|make).*video", re.I)).first.click()
    video = operator.locator("video")
    expect(video).to_be_attached()
    # Fully loaded, then a frame a second in: Chromium drops its loading ring once it has shown a seek.
    operator.wait_for_function(
        """() => { const v = document.querySelector('video');
                   return v && v.readyState >= 4 && v.buffered.length > 0
                       && v.buffered.end(0) >= v.duration - 0.1; }"""
    )
    operator.evaluate("() => { document.querySelector('video').currentTime = 1.0; }")
    operator.wait_for_function(
        """() => { const v = document.querySelector('video');
                   return !v.seeking && v.currentTime >= 0.9 && v.readyState >= 4
                       && v.networkState === HTMLMediaElement.NETWORK_IDLE; }"""
    )
    idle(operator)
    # The whole player at the bottom of the window, the form's last fields above it.
    video.evaluate("v => v.scrollIntoView({block: 'end'})")
    # Chromium's own controls keep a loading ring on screen until its animation cycle ends, whatever the
    # element reports; it cannot be observed from the page, so give it that time (a picture, not a check).
    operator.wait_for_timeout(2_000)
    shoot(operator, "5-generate.png")
