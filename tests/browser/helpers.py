"""Steps the browser scenarios share (waiting for a settled page, verifying a person with a phone, naming
the group, going on to Submit), kept here so that no test module imports another."""

from __future__ import annotations

import contextlib
import io
import re

from playwright.sync_api import Page, expect

from tests.serving import ROOT

OUTPUT = ROOT / "test-output" / "browser"


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
