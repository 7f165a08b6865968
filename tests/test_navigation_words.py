"""A newcomer's first hour, the shared parts: the guard goes straight to the first unfinished step with one
primary button; Start and Library speak plain words (no None/nan cells, no "task(s)", no UTC); the sandbox
notice shows once per page; times are in the browser's time zone. AppTest of the real app in its frame
(tests/helpers/apptest.py framed_app, via the framed_at fixture) against the real sandbox."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from lib.ui import state, when, words
from tests.helpers.apptest import (
    GOOD,
    PAGES,
    button,
    paste,
    proto_fields,
    sent_and_reviewed,
    verified,
    visit,
    workflow,
)

JARGON = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|task\(s\)|\bUTC\b")


@pytest.fixture
def at(framed_at):
    """Every test here runs the app inside its frame (tests/conftest.py)."""
    return framed_at


def page_texts(at) -> list[str]:
    """Every string an element of the page carries (bodies, labels, captions, help, options, table settings)
    and every cell and column name of every table."""
    found = []
    for field, value in proto_fields(at):
        if field.name in ("id", "form_id") or field.name.endswith("_key"):
            continue
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple) or type(value).__name__.startswith("Repeated"):
            found.extend(v for v in value if isinstance(v, str))
    for table in at.dataframe:
        frame: pd.DataFrame = table.value
        found.extend(str(c) for c in frame.columns)
        found.extend(str(v) for v in frame.astype(object).to_numpy().ravel())
    return found


def jargon(at) -> list[str]:
    return [text for text in page_texts(at) if JARGON.search(text)]


def guard_buttons(at) -> list[str]:
    return [b.label for b in at.button if b.key == "guard__go"]


def verify_a_person(at, sandbox) -> str:
    assert verified(at, sandbox), "the callback verified the person"
    at.text_input(key="group__label").set_value("Lin Wei").run()
    return workflow(at).group_id


def reviewed(at, sandbox) -> str:
    """A person with approved, not approved and never-reviewed cells (no asset URL, no error code)."""
    group_id = verify_a_person(at, sandbox)
    sent_and_reviewed(at, GOOD[:2] + ["https://cdn.example.com/lin/mismatch-1.mp4"])
    assert workflow(at).ledger.counts()["failed"] == 1
    return group_id


# ---------------------------------------------------------------- the guard


def test_review_with_no_person_goes_straight_to_verify(at):
    visit(at, "review")
    assert guard_buttons(at) == ["Verify a person"], "one button, to the first unfinished step"
    (guard,) = [b for b in at.button if b.key == "guard__go"]
    assert guard.proto.type == "primary"
    assert not [b for b in at.button if "group" in b.label.lower()], "not back one step to Group"
    assert not at.get("page_link") or all("group" not in p.proto.label.lower() for p in at.get("page_link"))
    assert len(at.info) == 1 + 1, "one sentence of why (and the sidebar's sandbox notice)"
    assert "no person" in at.main.info[0].value.lower()
    guard.click().run()
    assert not at.exception, at.exception
    assert [b for b in at.button if b.key == "verify__create"], "the button lands on Verify"


def test_generate_with_a_person_and_nothing_submitted_points_to_submit(at, sandbox):
    verify_a_person(at, sandbox)
    visit(at, "generate")
    assert guard_buttons(at) == ["Submit photos or clips"]
    assert "nothing has been submitted for lin wei" in at.main.info[0].value.lower()
    visit(at, "review")
    assert guard_buttons(at) == ["Submit photos or clips"], "Review too: Submit, not itself"


def test_generate_while_the_review_runs_points_to_the_review(at, sandbox):
    verify_a_person(at, sandbox)
    visit(at, "submit")
    paste(at, ["https://cdn.example.com/lin/mismatch-1.mp4"])
    button(at, "submit__send").click().run()
    ledger = workflow(at).ledger
    for _ in range(10):  # the only asset fails: nothing is approved
        if not ledger.pending_task_ids():
            break
        visit(at, "review")
    visit(at, "generate")
    assert guard_buttons(at) == ["See the review"]
    assert "none of lin wei's photos or clips was approved" in at.main.info[0].value.lower()


def test_the_old_require_call_still_works_when_the_workflow_points_nowhere_earlier(at, sandbox):
    # A step is done by the workflow's reckoning, yet the page's own condition fails: the page's words.
    from lib.ui.components import go_to_step

    wf = workflow(at)
    assert go_to_step.first_unfinished_step(wf).page == "pages/verify.py"
    reviewed(at, sandbox)
    assert go_to_step.first_unfinished_step(workflow(at)) is None


# ---------------------------------------------------------------- Start and Library in plain words


def test_start_and_library_have_no_jargon_and_no_empty_markers(at, sandbox):
    assert jargon(at) == [], "Start before any person"
    group_id = reviewed(at, sandbox)
    for page in ("home", "library"):
        visit(at, page)
        assert jargon(at) == [], page
    # The Library: statuses in words, the reason for the one not approved, ids last.
    at.toggle(key="library__history").set_value(True).run()
    assets = next(d.value for d in at.dataframe if "asset_url" in d.value.columns)
    assert sorted(assets["status"]) == ["approved", "approved", "not approved"]
    assert (assets["asset_url"] == "").sum() == 1 and (assets["error_code"] == "").sum() == 2
    assert jargon(at) == [], "every attempt too"
    visit(at, "home")
    assert "Person: **Lin Wei**" in [m.value for m in at.main.markdown]
    assert any(group_id in m.value for e in at.main.expander for m in e.markdown), "the id is in Details"


def test_start_offers_one_primary_next_action(at, sandbox):
    (start,) = [b for b in at.main.button if b.key == "home__next"]
    assert start.label == "Verify a person" and start.proto.type == "primary"
    verify_a_person(at, sandbox)
    visit(at, "home")
    (start,) = [b for b in at.main.button if b.key == "home__next"]
    assert start.label == "Continue where you were" and start.proto.type == "primary"
    assert "Nothing has been submitted for Lin Wei" in "\n".join(c.value for c in at.main.caption)
    start.click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="submit__paste") is not None or at.main.button, "on the Submit page"


def test_the_sandbox_notice_shows_once_per_page(at, sandbox):
    verify_a_person(at, sandbox)
    for page in PAGES:
        visit(at, page)
        notices = [
            e.value
            for kind in ("info", "warning", "success", "error")
            for e in getattr(at, kind)
            if "sandbox" in e.value.lower()
        ]
        assert len(notices) == 1, (page, notices)


def test_error_texts_and_status_words():
    assert words.asset_status("usable") == "approved" and words.asset_status("failed") == "not approved"
    assert words.asset_status("pending") == "being checked" and words.asset_status("unknown") == "may have been sent"
    assert words.asset_status(None) == "" and words.asset_status(float("nan")) == ""
    assert words.video_status("completed") == "ready" and words.video_status("processing") == "being made"
    assert words.video_status("something new") == "something new", "an unknown code is shown, not hidden"
    assert words.count(1, "request") == "1 request" and words.count(3, "request") == "3 requests"
    assert words.assets(1, "Video") == "1 clip" and words.assets(2, "Image") == "2 photos"


# ---------------------------------------------------------------- times in the browser's zone

NOON_UTC = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp()


def test_a_time_renders_in_the_given_zone():
    assert when.date_time(NOON_UTC, "Asia/Tokyo") == "2026-03-04 21:00"
    assert when.date_time(NOON_UTC, "America/New_York") == "2026-03-04 07:00"
    assert when.date_time(NOON_UTC, ZoneInfo("Europe/Berlin")) == "2026-03-04 13:00"
    assert when.clock(NOON_UTC, "Asia/Tokyo", seconds=True).endswith("21:00:00")
    assert when.date_time(NOON_UTC, "Not/AZone") == "2026-03-04 12:00", "an unknown zone falls back to UTC"
    assert when.date_time(None) == "" and when.date_time(0) == "" and when.date_time(float("nan")) == ""
    assert when.clock(None) == ""
    assert when.span(3 * 3600 + 5 * 60) == "3 h 5 min" and when.span(40) == "40 s"
    assert str(when.zone()) == "UTC", "outside a browser session: UTC"


def created_in_library(at) -> str:
    visit(at, "library")
    people = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    return people["created"].iloc[0]


@pytest.mark.parametrize("zone", [None, "Asia/Tokyo", "America/Los_Angeles"])
def test_the_library_shows_times_in_the_browser_zone(at, sandbox, zone):
    at.context = {"timezone": zone} if zone else {}
    verify_a_person(at, sandbox)
    (person,) = state.people()
    expected = datetime.fromtimestamp(person.created_at, tz=ZoneInfo(zone or "UTC")).strftime("%Y-%m-%d %H:%M")
    assert created_in_library(at) == expected, "the browser's zone; UTC when the browser has not said"
