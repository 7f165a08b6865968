"""Issue 11, "A user's first hour", done means: a first-time operator's two walks in Chromium, with every
click and every field counted in the operator's tab.

- open -> approved assets: at most 7 clicks + 1 field (the list of URLs; the person's name is optional);
- open -> video: at most 12 clicks + 2 fields (the URLs and the prompt).

The issue measured 9 clicks + 2 fields and 16 clicks + 3 fields before its changes. The same direct path
on 2583f7c, counted as here, took 5 clicks + 2 fields (the name was kept only when typed with Enter) and
10 clicks + 3 fields (the Generate page through the sidebar, the picker opened, a clip picked, the
references inserted).

Every operator action goes through `Operator` (a click: +1 click; typing into a text field or a text area:
+1 field, a paste of several URLs into one text area being one field). The operator types as a person
does: no Enter or Ctrl+Enter to "apply" a field, the next click must take what was typed. What the person
does on their own phone (the QR code, approving on the sandbox's page in a phone-sized context) is not an
operator click: the QR code is decoded from a screenshot of the operator's page, which clicks nothing.

Each walk runs on an app of its own with an empty registry: a first-time operator, whose Start page has
no earlier person to go back to. The path takes each page's primary button, never the sidebar menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import decode_qr, idle, operator_page
from tests.serving import streamlit_app

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

CLIPS = [
    "https://cdn.example.com/lin/front.mp4",
    "https://cdn.example.com/lin/side.mp4",
    "https://cdn.example.com/lin/smile.mp4",
]
NAME = "Lin Wei"
PROMPT = "The person in video 1 waves at the camera in a sunlit office."

APPROVED_BUDGET = (7, 1)  # clicks, fields (the URLs)
VIDEO_BUDGET = (12, 2)  # clicks, fields (the URLs and the prompt)


class Operator:
    """The operator's tab, counting what the operator does in it. Reads (waiting for the page, looking at
    it, a screenshot of the QR code) go through `page` and count nothing."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.clicks = 0
        self.fields = 0
        self.optional_fields = 0  # fields the flow offers but does not need (the person's name)
        self.path: list[str] = []

    def click(self, target: Locator, why: str) -> None:
        idle(self.page)  # a person waits for the page to settle before they click
        expect(target).to_be_visible()
        words = button_words(target)
        if target.is_disabled():
            # Typed text reaches the app when its field loses focus (or on Ctrl+Enter, which a first-time
            # operator does not know): a person clicks the button anyway. That click only takes the focus
            # off the field; the app applies the text and enables the button, and a second click presses
            # it. Both count.
            target.click(force=True)
            self.clicks += 1
            self.path.append(
                f"click {self.clicks}: {words!r} while disabled: applies the text typed, no more"
            )
            try:
                expect(target).to_be_enabled(timeout=10_000)
            except AssertionError as error:
                raise AssertionError(
                    f"{words!r} stays disabled after {self.summary()} ({why})\n" + "\n".join(self.path)
                ) from error
            idle(self.page)
        target.click()
        self.clicks += 1
        self.path.append(f"click {self.clicks}: {words!r} ({why})")

    def fill(self, target: Locator, text: str, why: str, *, optional: bool = False) -> None:
        idle(self.page)
        expect(target).to_be_editable()
        target.fill(text)  # typed, not applied: no Enter, no Ctrl+Enter
        self.fields += 1
        self.optional_fields += optional
        self.path.append(f"field {self.fields}: {why}" + (" (optional)" if optional else ""))

    def summary(self) -> str:
        return f"{self.clicks} clicks + {self.fields} fields"

    def report(self, walk: str) -> str:
        return f"{walk}: {self.summary()}, by this path:\n  " + "\n  ".join(self.path)


def button_words(button: Locator) -> str:
    """A button's words, without its icon's name (a Material icon is a ligature: its name is text)."""
    return (button.locator('[data-testid="stMarkdownContainer"]').first.text_content() or "").strip()


def primary(page: Page, key: str) -> Locator:
    """The button of widget `key`, which must be its page's primary button."""
    button = page.locator(f".st-key-{key}").get_by_role("button")
    expect(button).to_have_attribute("data-testid", "stBaseButton-primary")
    return button


@pytest.fixture
def app_url(tmp_path):
    """A server of this test's own on an empty registry (overrides the session's shared one): the registry
    remembers the last person, and a first-time operator's Start page has none."""
    with streamlit_app({"AVATAR_DESK_DB": str(tmp_path / "avatar-desk.db")}) as base:
        yield base


@pytest.fixture
def operator(browser, request, app_url):
    with operator_page(browser, app_url, request.node.name) as page:
        yield Operator(page)


def walk_to_approved(op: Operator, phone_context, name: str | None) -> None:
    page = op.page
    # Start (the app opens here): its one primary button, "Verify a person".
    expect(page.get_by_role("heading", name="Avatar Desk")).to_be_visible()
    op.click(primary(page, "home__next"), "Start: the next step")
    # 1. Verify: make the link; its QR code is read off the operator's screen by the person's phone.
    op.click(primary(page, "verify__create"), "Verify: make the QR code")
    link = decode_qr(page)
    assert "/sandbox/h5/token_" in link
    phone = phone_context.new_page()
    phone.goto(link)
    phone.locator("#approve").click()  # the person, on their phone: not an operator click
    expect(phone.get_by_text(re.compile("close this page", re.I))).to_be_visible()
    # 2. Group: the page moved on by itself. The name is asked for, but optional.
    expect(page.get_by_role("heading", name=re.compile(r"^2\. "))).to_be_visible()
    if name:
        op.fill(
            page.get_by_label("Who is this? (the person's name)"), name, "the person's name", optional=True
        )
    op.click(primary(page, "group__continue"), "Group: on to Submit")
    # 3. Submit: paste the list (one field), add it to the table, send it.
    expect(page.get_by_role("heading", name=re.compile(r"^3\. "))).to_be_visible()
    if name:
        expect(page.get_by_text(f"Sending to {name}")).to_be_visible()
    op.fill(page.locator(".st-key-submit__paste textarea"), "\n".join(CLIPS), "the URLs, pasted")
    op.click(page.locator(".st-key-submit__add_paste").get_by_role("button"), "Submit: add to the table")
    expect(page.locator(".st-key-submit__send").get_by_role("button")).to_contain_text(f"Send {len(CLIPS)} ")
    op.click(primary(page, "submit__send"), "Submit: send")
    # 4. Review: opens by itself after the send and follows the review by itself.
    expect(page.get_by_role("heading", name=re.compile(r"^4\. "))).to_be_visible()
    expect(page.get_by_text(f"Approved ({len(CLIPS)})")).to_be_visible()
    if name:
        expect(page.get_by_text(f"Person {name}")).to_be_visible()


def walk_on_to_video(op: Operator) -> None:
    page = op.page
    # 4. Review: its primary button hands the approved clips over to Generate.
    op.click(primary(page, "review__generate"), "Review: make a video with the approved clips")
    # 5. Make a video: the approved clips are already picked; write the prompt and make it.
    expect(page.get_by_role("heading", name=re.compile(r"^5\. "))).to_be_visible()
    expect(page.get_by_test_id("stMultiSelect").first.locator("[data-tag]").first).to_be_attached()
    op.fill(page.locator(".st-key-generate__prompt textarea"), PROMPT, "the prompt")
    op.click(primary(page, "generate__submit"), "Make the video")
    expect(page.locator("video")).to_be_attached()
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }"
    )
    idle(page)


def check(op: Operator, walk: str, budget: tuple[int, int]) -> None:
    report = op.report(walk)
    print(f"{walk}: {op.clicks} clicks + {op.fields} fields")
    print("  " + "\n  ".join(op.path))
    clicks, fields = budget
    required_fields = op.fields - op.optional_fields
    assert op.clicks <= clicks, f"{walk} took {op.summary()}: more than {clicks} clicks\n{report}"
    assert required_fields <= fields, (
        f"{walk} took {op.summary()} ({required_fields} needed): more than {fields} fields\n{report}"
    )


@pytest.mark.parametrize("name", [None, NAME], ids=["unnamed", "named"])
def test_open_to_approved_assets(operator: Operator, phone_context, sandbox, name):
    walk_to_approved(operator, phone_context, name)
    check(operator, "open->approved", APPROVED_BUDGET)


@pytest.mark.parametrize("name", [None, NAME], ids=["unnamed", "named"])
def test_open_to_video(operator: Operator, phone_context, sandbox, name):
    walk_to_approved(operator, phone_context, name)
    walk_on_to_video(operator)
    check(operator, "open->video", VIDEO_BUDGET)
