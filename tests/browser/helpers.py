"""Steps the browser scenarios share (waiting for a settled page, verifying a person with a phone, naming
the group, going on to Submit), kept here so that no test module imports another."""

from __future__ import annotations

import contextlib
import io
import re

from playwright.sync_api import Page, expect

from tests.serving import ROOT

OUTPUT = ROOT / "test-output" / "browser"


def quick_realistic_timing(control) -> None:
    """Realistic timing, made short: reviews and generations take a fraction of a second to a second, so the
    page's own timers show them. `control` is the sandbox's SandboxControl."""
    control.post(
        "config",
        timing="realistic",
        image_review_seconds=0.5,
        video_review_seconds=1.0,
        generation_seconds=1.0,
    )


def reset_sandbox(app_url: str):
    """The sandbox mounted in the app at `app_url`, reset, on quick realistic timing: its SandboxControl."""
    from lib.sandbox.control import SandboxControl
    from lib.server import SANDBOX_PREFIX

    control = SandboxControl(f"{app_url}{SANDBOX_PREFIX}")
    control.post("reset")
    quick_realistic_timing(control)
    return control


@contextlib.contextmanager
def operator_page(browser, url: str, name: str):
    """A desktop-sized operator tab on `url`; its last screen is saved as test-output/browser/<name>.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    try:
        yield page
    finally:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        shot = OUTPUT / (re.sub(r"[^\w.-]+", "_", name) + ".png")
        try:
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()


def idle(page: Page) -> None:
    """Wait until no script run is in progress. Only a settled state counts: the app root says
    "notRunning" and no status widget shows. (A rerun asked for a moment ago may not have started yet:
    callers first wait for something their action changes on the screen.)"""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def decode_qr(page: Page) -> str:
    # Imported here: a module that never decodes a QR code does not need zxing-cpp or Pillow.
    import zxingcpp
    from PIL import Image

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
    # A link, or a button whose callback switches page: the test follows either.
    link = operator.get_by_role("link", name="Continue: submit assets").or_(
        operator.get_by_role("button", name="Continue: submit assets")
    )
    idle(operator)
    expect(link).to_have_count(1)
    link.click()
    expect(operator.get_by_role("button", name="Add to the table")).to_be_visible()


def fill_table(operator: Page, urls: list[str]) -> None:
    """Paste `urls` into the Submit page's list box and add them to the table; waits until the page
    offers to send exactly them (the rows are in the table and checked)."""
    operator.locator("textarea").first.fill("\n".join(urls))
    operator.get_by_role("button", name="Add to the table").click()
    expect(submit_button(operator, len(urls))).to_be_enabled()
    idle(operator)


def submit_button(operator: Page, n: int):
    """The Submit page's send button (key submit__send) once it offers `n` rows ("Send 3 assets"; found
    by its key, so a change of its words does not break every scenario)."""
    return operator.locator(".st-key-submit__send").get_by_role("button", name=re.compile(rf"\b{n} "))


def menu(page: Page, name: str) -> None:
    """Open a step from the sidebar menu by its exact name ("1. Verify", "5. Make a video", "Library"); a
    direct page load would start a new session."""
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name, exact=True).click()


def by_key(page: Page, widget_key: str):
    """The element Streamlit made for the widget with this key (it carries the class st-key-<key>)."""
    return page.locator(f".st-key-{widget_key}")


def send_table(operator: Page, n: int) -> None:
    """Press the Submit page's send button once it offers exactly `n` rows, all checked and ready."""
    button = submit_button(operator, n)
    expect(button).to_be_enabled()
    idle(operator)
    button.click()


def expect_review_counts(page: Page, approved: int, not_approved: int) -> None:
    """The Review page's two headings, "Approved (N)" and "Not approved (M)", with exactly these counts."""
    expect(page.get_by_role("heading", name=f"Approved ({approved})", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Not approved ({not_approved})", exact=True)).to_be_visible()


def group_id_on_screen(page: Page) -> str:
    """The group id the Group page shows in its (collapsed) Details expander."""
    group_id = page.get_by_test_id("stMain").get_by_test_id("stCode").first.text_content().strip()
    assert group_id.startswith("group-"), group_id
    return group_id


def expect_group_id(page: Page, group_id: str) -> None:
    """The page names this group id in its Details expander (collapsed: attached, not visible)."""
    expect(page.get_by_test_id("stMain").get_by_text(f"Group id: {group_id}", exact=True)).to_be_attached()


def picked_references(page: Page) -> list[str]:
    """The Make a video page's picked photos and clips, as the picker's tags name them."""
    tags = page.get_by_test_id("stMultiSelect").first.locator("[data-tag]")
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def unpick_reference(page: Page, name: str) -> None:
    """Remove one picked photo or clip (its tag's own remove button), then wait for the page to settle."""
    picker = page.get_by_test_id("stMultiSelect").first
    picker.get_by_label(f"Remove {name}", exact=True).click()
    expect(picker.locator(f'[data-tag][aria-label="{name}"]')).to_have_count(0)
    idle(page)


def make_video_button(page: Page):
    """The Make a video page's primary button (key generate__submit), whatever its words."""
    return by_key(page, "generate__submit").get_by_role("button")
