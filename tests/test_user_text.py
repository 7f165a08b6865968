"""A person's label, an asset's name and a prompt are shown as text on every page that shows them: no live
link, no bold, no LaTeX, no HTML from them, and the words themselves still there. AppTest on the real app
(in its frame) against the real sandbox; lib.ui.text's escaping is checked in Chromium in tests/browser."""

from __future__ import annotations

import re

import pytest

from lib.ui.text import WORD_JOINER, code, literal, unescape, web_url
from tests.helpers.apptest import (
    button,
    proto_fields,
    sent_and_reviewed,
    verified,
    video_made,
    visit,
    workflow,
)

LABEL = "[click](https://evil.example) **bold** $x^2$ <b>html</b>"
NAME = "[name](https://evil.example/n) _it_ $y$ **big**"  # names refuse < and > on the Submit page
PROMPT = "The person in image 1 [waves](https://evil.example/p) **loudly** $z$"
# A markdown link, image or autolink to evil.example whose brackets are not escaped: a live link once rendered.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(\s*<?https?://evil|(?<!\\)<https?://evil|(?<![\\\w⁠])https?://evil")
# The formatting those texts ask for, unescaped (the app's own **bold** words are fine).
FORMATTING = re.compile(r"(?<!\\)\*\*(bold|big|loudly|now)|(?<!\\)\$(x\^2|y|z)|(?<!\\)<b>|(?<![\\\w])_it_")


@pytest.fixture
def at(framed_at):
    """Every test here runs the app inside its frame (tests/conftest.py)."""
    return framed_at


def markdown_strings(at) -> list[str]:
    """Every string the page renders as markdown: bodies (markdown, captions, alerts, titles, toasts),
    labels (buttons, expanders, metrics, inputs), progress texts. Table cells and select options are
    plain text and are left out."""
    found = []
    for field, value in proto_fields(at):
        if field.name in ("body", "label", "text") and isinstance(value, str):
            found.append(value)
    return found


def live_links(at) -> list[str]:
    return [s for s in markdown_strings(at) if LIVE_LINK.search(s) or FORMATTING.search(s)]


def shown(at, words: str) -> bool:
    return any(words in unescape(s) for s in markdown_strings(at))


def test_literal_round_trips_and_disarms():
    for text in [LABEL, NAME, PROMPT, "- a", "1. a", "# a", ":smile: :material/x: :red[y]", "a -> b", "x_y"]:
        assert unescape(literal(text)) == text
        assert not LIVE_LINK.search(literal(text)) and not FORMATTING.search(literal(text))
    assert literal("task_1 failed: reason") == "task_1 failed\\: reason", "ids and prose stay readable"
    assert literal("two\nlines\r\n# heading") == "two lines \\# heading", "one line: no block can start"
    assert WORD_JOINER in literal("see https://evil.example"), "a bare URL is no autolink"
    assert code("group-1") == "`group-1`" and code("a`b") == "``a`b``"
    assert web_url("https://cdn.example.com/v.mp4") and not web_url("javascript:alert(1)")
    assert not web_url("https://x.example/a b") and not web_url("data:text/html,x")


def test_labels_names_and_prompts_render_as_text_on_every_page(at, sandbox):
    verified(at, sandbox)
    at.text_input(key="group__label").set_value(LABEL).run()
    assert workflow(at).group_label == LABEL
    sent_and_reviewed(at, [f"{NAME}\thttps://cdn.example.com/lin/front.mp4"])
    assert workflow(at).ledger.counts()["usable"] == 1
    video_made(at, workflow(at).ledger.usable_urls(), PROMPT)

    # On Generate while the asset is picked: its role picker is labelled with the person and the name.
    assert live_links(at) == []
    seen = {"picked": [words for words in (LABEL, NAME, PROMPT) if shown(at, words)]}
    for page in ["home", "group", "submit", "review", "library", "generate"]:
        visit(at, page)
        assert live_links(at) == [], page
        seen[page] = [words for words in (LABEL, NAME, PROMPT) if shown(at, words)]
    # Each page still shows the words it is about, as text.
    assert LABEL in seen["home"] and LABEL in seen["submit"] and LABEL in seen["review"]
    assert LABEL in seen["picked"] and NAME in seen["picked"], "the role picker's label"
    assert PROMPT in seen["generate"], "the video card's prompt"
    # The Group and Library pages show the label in an input and tables (plain text), nowhere as markdown.
    assert at.session_state["avatar_desk__workflow"].group_label == LABEL


def test_an_upstream_error_message_is_shown_as_text(at, sandbox):
    import requests

    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={
            "route": "/v1/seedance2/real-avatar",
            "status": 400,
            "count": 1,
            "body": {"error": {"code": "InvalidParameter", "message": "[fix it](https://evil.example) **now**"}},
        },
        timeout=5,
    ).raise_for_status()
    visit(at, "verify")
    button(at, "verify__create").click().run()
    assert at.error, "the error is shown"
    assert live_links(at) == []
