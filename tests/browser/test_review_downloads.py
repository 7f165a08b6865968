"""Issue 11, items 2 and 10, in Chromium: every download of the approved list works in any order, any
number of times; and a reload after a finished review brings back the person and that review."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.helpers import idle, label_group, verify_with_phone

pytest.importorskip("zxingcpp")

URLS = ["https://cdn.example.com/dana/front-a.mp4", "https://cdn.example.com/dana/front-b.mp4"]
LABEL = "Dana Okafor"
SEND = re.compile(r"^(Send|Submit) 2 (assets|clips)")  # the Submit page's words for its send button


def reviewed(operator: Page, phone_context) -> None:
    """Verify a person, name them, send two clips and wait until the review has finished (the download
    buttons appear only then)."""
    verify_with_phone(operator, phone_context)
    label_group(operator, LABEL)
    operator.locator("textarea").first.fill("\n".join(URLS))
    operator.get_by_role("button", name="Add to the table").click()
    send = operator.get_by_role("button", name=SEND)
    expect(send).to_be_enabled()
    idle(operator)
    send.click()
    expect(operator.get_by_role("button", name="Download CSV")).to_be_visible()
    idle(operator)


def download(operator: Page, label: str, which: str = "") -> tuple[bytes, str]:
    """The bytes and file name of the download `label` starts (an AssertionError if it starts none)."""
    try:
        with operator.expect_download(timeout=10_000) as started:
            operator.get_by_role("button", name=label).click()
        return Path(started.value.path()).read_bytes(), started.value.suggested_filename
    except PlaywrightTimeoutError:
        raise AssertionError(f"{label!r} ({which}) started no download") from None


def test_csv_then_json_then_csv_each_download(operator: Page, phone_context, sandbox):
    reviewed(operator, phone_context)
    for n, kind in enumerate(("CSV", "JSON", "CSV", "JSON", "JSON"), start=1):
        body, file_name = download(operator, f"Download {kind}", f"click {n}")
        assert file_name.endswith(f".{kind.lower()}")
        if kind == "CSV":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert rows[0] == ["name", "asset_url", "source_url"]
            assert sorted(r[2] for r in rows[1:]) == URLS
            assert all(r[1].startswith("asset://") for r in rows[1:])
        else:
            data = json.loads(body)
            assert data["group_id"].startswith("group-") and data["group_id"] in file_name
            assert sorted(a["source_url"] for a in data["usable_assets"]) == URLS
            assert all(a["asset_url"].startswith("asset://") for a in data["usable_assets"])


def test_a_reload_after_a_finished_review_brings_back_the_person_and_the_review(
    operator: Page, phone_context, sandbox
):
    reviewed(operator, phone_context)
    operator.reload()  # a new Streamlit session: nothing is under review any more
    expect(operator).to_have_url(re.compile(r"/review$"))
    expect(operator.get_by_role("link", name="4. Review")).to_be_visible()
    expect(operator.get_by_text(LABEL).first).to_be_visible()
    expect(operator.get_by_role("button", name="Download CSV")).to_be_visible()
    expect(operator.get_by_text(re.compile("Nothing has been submitted"))).to_have_count(0)
    # ... and the downloads of the resumed review work too.
    body, _ = download(operator, "Download JSON")
    assert sorted(a["source_url"] for a in json.loads(body)["usable_assets"]) == URLS
