"""Issue 10 in Chromium: a person's label and an asset's name with markdown in them are shown as text by
Streamlit's real renderer (no link, bold, LaTeX or HTML from them), and a key typed in the sidebar is not in
the page's HTML after it was read, on any page, until "Forget this key" drops it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    by_key,
    expect_review_counts,
    idle,
    label_group,
    menu,
    picked_references,
    send_table,
    verify_with_phone,
)

LABEL = "[click](https://evil.example) **bold** $x^2$ <b>html</b>"
NAME = "[name](https://evil.example/n) _it_ $y$ **big**"
KEY = "sk-browser-canary-5151wxyz"


def shown_as_text(page: Page, where: str) -> None:
    main = page.get_by_test_id("stMain")
    assert page.locator("a[href*='evil.example']").count() == 0, f"a live link on {where}"
    assert main.locator(".katex").count() == 0, f"LaTeX on {where}"
    assert main.locator("strong", has_text=re.compile(r"^(bold|big)$")).count() == 0, f"bold on {where}"
    assert main.locator("b", has_text="html").count() == 0, f"HTML on {where}"


def visible_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text().replace("\u2060", "")


def test_a_label_and_a_name_with_markdown_render_as_text(operator: Page, phone_context, sandbox):
    verify_with_phone(operator, phone_context)
    label_group(operator, LABEL)  # lands on Submit, whose caption names the person
    shown_as_text(operator, "Submit")
    assert LABEL in visible_text(operator)
    operator.locator("textarea").first.fill(f"{NAME}\thttps://cdn.example.com/lin/markdown-name.mp4")
    operator.get_by_role("button", name="Add to the table").click()
    send_table(operator, 1)
    expect_review_counts(operator, 1, 0)
    idle(operator)
    shown_as_text(operator, "Review")
    assert LABEL in visible_text(operator)

    menu(operator, "Start")
    expect(operator.get_by_text("Where you are")).to_be_visible()
    idle(operator)
    shown_as_text(operator, "Start")
    assert f"Person: {LABEL}" in visible_text(operator)

    menu(operator, "5. Make a video")
    expect(operator.get_by_test_id("stMultiSelect")).to_be_visible()
    idle(operator)
    # The person's one approved clip is picked already, its tag labelled with both, as text.
    assert picked_references(operator) == [f"{LABEL} · {NAME} (clip)"]
    expect(operator.get_by_text("video 1:")).to_be_visible()  # the references' list, labelled with both
    shown_as_text(operator, "Make a video")
    assert f"video 1: {LABEL} · {NAME}" in visible_text(operator)

    menu(operator, "Library")
    expect(by_key(operator, "library__search").get_by_role("textbox")).to_be_visible()
    idle(operator)
    shown_as_text(operator, "Library")


def test_a_typed_key_leaves_the_page(operator: Page):
    box = operator.get_by_role("textbox", name="API key for this session only")
    box.fill(KEY)
    operator.keyboard.press("Enter")
    expect(operator.get_by_text("key sk-…wxyz")).to_be_visible()
    idle(operator)
    for page in ("Library", "1. Verify", "Start"):
        assert box.input_value() == "", f"the box is emptied ({page})"
        assert KEY not in operator.content(), f"the key is in the page's HTML ({page})"
        menu(operator, page)
        idle(operator)
        expect(operator.get_by_text("key sk-…wxyz")).to_be_visible()
    operator.get_by_role("button", name="Forget this key").click()
    expect(operator.get_by_text("Sandbox mode")).to_be_visible()
    expect(operator.get_by_text("key sk-…wxyz")).to_have_count(0)
    assert KEY not in operator.content()
