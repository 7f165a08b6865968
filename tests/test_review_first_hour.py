"""Issue 11 ("A user's first hour"), the Review step: APIMart's own words beside ours, a way on to Generate,
whole reasons, photo thumbnails, a new file asked for when the file itself was refused, the person and
their last review back after a reload or a restart, and plain words. AppTest against the real sandbox over
HTTP and a real registry file; the browser checks (downloads, a reload) are in
tests/browser/test_review_downloads.py."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from lib import review
from lib.ledger import AssetLedger
from lib.sandbox.control import SandboxControl
from lib.ui import state, when
from lib.ui.text import literal, unescape
from tests.helpers.apptest import button, open_page, paste, table, texts, until_reviewed, verified, workflow
from tests.helpers.sandbox import control

CLIPS = ["https://cdn.example.com/ada/front-1.mp4", "https://cdn.example.com/ada/front-2.mp4"]
MISMATCH = "https://cdn.example.com/ada/mismatch-1.mp4"
UNREACHABLE = "https://cdn.example.com/ada/unreachable-2.mp4"
PHOTOS = ["https://cdn.example.com/ada/front-1.jpg", "https://cdn.example.com/ada/mismatch-2.jpg"]
# The sandbox's own words for a FaceMismatch (lib/sandbox/store.py): upstream's message, not ours.
UPSTREAM_MISMATCH = "The face does not match the verified person, or several faces were found"


# ---------------------------------------------------------------- driving the app (shared steps: tests/helpers/apptest.py)


def page_text(at) -> str:
    """Every markdown body, caption, alert, metric label and expander label of the page, plain."""
    parts = [texts(at.markdown), texts(at.caption), texts(at.warning), texts(at.info), texts(at.subheader)]
    parts += [m.label for m in at.metric] + [e.label for e in at.expander]
    parts += [p.proto.text for p in at.get("progress")]
    return unescape("\n".join(parts).replace("**", ""))


def named_person(at, sandbox, label="Ada Lovelace"):
    """A person verified (the phone approves) and named on the Group page; their group id."""
    group_id = verified(at, sandbox)
    at.text_input(key="group__label").set_value(label).run()
    return group_id


def reviewed(at, sandbox, urls, asset_type="Video"):
    named_person(at, sandbox)
    open_page(at, "submit")
    if asset_type != "Video":
        radio = next((r for r in at.radio if r.key == "submit__asset_type"), None)
        if radio is not None:
            radio.set_value(asset_type).run()
        else:
            workflow(at).asset_type = asset_type
    paste(at, urls)
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    open_page(at, "review")
    until_reviewed(at)
    assert not workflow(at).ledger.pending_task_ids()
    return workflow(at).ledger


def edit_failed(at, rows: dict):
    at.session_state["review__failed_editor"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


# ---------------------------------------------------------------- item 4: APIMart's own words


def test_apimart_own_failure_message_is_shown_beside_our_reason_and_fix(new_session, sandbox):
    at = new_session()
    reviewed(at, sandbox, [*CLIPS, MISMATCH])
    failed = table(at, "reason")
    row = failed.iloc[0]
    assert row["reason"] == "Another person, several faces, or a poor angle"
    assert "frontal shot" in row["fix"]
    assert row["said"] == UPSTREAM_MISMATCH, "upstream's words, not only our canned text"
    assert f"APIMart said: “{UPSTREAM_MISMATCH}”" in page_text(at)


def test_upstream_words_are_escaped_as_text():
    ledger = AssetLedger("group-1")
    ledger.assets[0] = review_asset(0, "x", "FaceMismatch", "[click](https://evil.example) **bold**")
    assert review.failed_frame(ledger).iloc[0]["said"] == "[click](https://evil.example) **bold**"


def review_asset(key, name, code, message, url="https://cdn.example.com/a.mp4"):
    from lib.ledger import FAILED, Attempt, TrackedAsset

    return TrackedAsset(
        key, name, [Attempt(1, url, "task_1", FAILED, error_code=code, error_message=message)]
    )


def test_markdown_in_upstream_words_renders_as_text(new_session, sandbox, monkeypatch):
    at = new_session()
    ledger = reviewed(at, sandbox, [MISMATCH])
    ledger.assets[0].current.error_message = "[click](https://evil.example) **bold**"
    ledger.version += 1
    at.run()
    said = next(m.value for m in at.markdown if m.value.startswith("**APIMart said:**"))
    assert said == f"**APIMart said:** “{literal('[click](https://evil.example) **bold**')}”"


# ---------------------------------------------------------------- item 9: on to Generate, whole reasons, thumbnails


def test_generate_a_video_with_these_assets_hands_them_to_generate(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, [*CLIPS, MISMATCH])
    go = button(at, "review__generate")
    assert go.label == "Make a video with these 2 clips"
    go.click().run()
    assert not at.exception, at.exception
    assert workflow(at).generate_picks == ledger.usable_urls()
    assert all(u.startswith("asset://") for u in workflow(at).generate_picks)


def test_generate_picks_keep_to_what_one_video_can_use():
    frame = pd.DataFrame(
        {
            "asset_url": [f"asset://a{i}" for i in range(12)],
            "asset_type": ["Video"] * 5 + ["Image"] * 7,
        }
    )
    picks = review.generate_picks(frame)
    assert picks == [f"asset://a{i}" for i in range(3)] + [f"asset://a{i}" for i in range(5, 12)]
    assert review.generate_picks(frame, [6, 1]) == ["asset://a6", "asset://a1"]


def test_the_whole_reason_and_fix_are_shown_for_each_kind_of_failure(new_session, sandbox):
    at = new_session()
    reviewed(at, sandbox, [MISMATCH, UNREACHABLE])
    shown = page_text(at)
    for code in ("FaceMismatch", "InvalidParameter.DownloadFailed"):
        reason, fix = review.explain(code)
        assert f"Not approved: {reason}" in shown and f"What to do: {fix}" in shown
    labels = [e.label.replace("\\", "") for e in at.expander]
    assert "Another person, several faces, or a poor angle · 1 clip" in labels


def test_photos_show_thumbnails_of_their_source_files(new_session, sandbox):
    at = new_session()
    reviewed(at, sandbox, PHOTOS, asset_type="Image")
    approved = table(at, "asset_url")
    assert approved["thumbnail"].tolist() == [PHOTOS[0]], "the source file: asset:// is no image"
    element = next(d for d in at.dataframe if "asset_url" in d.value.columns)
    assert json.loads(element.proto.columns)["thumbnail"]["type_config"]["type"] == "image"
    refused = table(at, "reason")
    assert refused["thumbnail"].tolist() == [PHOTOS[1]]


def test_clips_have_no_thumbnail_column(new_session, sandbox):
    at = new_session()
    reviewed(at, sandbox, CLIPS)
    assert "thumbnail" not in table(at, "asset_url").columns


# ---------------------------------------------------------------- item 9: a new file for a content failure


@pytest.mark.parametrize(
    "code, expected",
    [
        ("FaceMismatch", "content"),
        ("InvalidParameter", "content"),
        ("InvalidParameter.ImageTooSmall", "content"),
        (None, "content"),
        ("InvalidParameter.DownloadFailed", "transient"),
        ("TaskNotFound", "transient"),
        ("NotReported", "transient"),
        ("RequestTimeout", "transient"),
        ("Review.TimedOut", "transient"),
    ],
)
def test_causes_are_content_or_transient(code, expected):
    assert review.cause(code) == expected
    assert review.needs_new_url(code) == (expected == review.CONTENT)


def test_next_step_names_a_photo_or_a_clip():
    assert review.next_step("FaceMismatch", "Image") == "choose another photo"
    assert review.next_step("FaceMismatch", "Video") == "choose another clip"
    assert review.next_step("InvalidParameter.DownloadFailed", "Video") == "resend as is"


def test_a_content_failure_needs_a_new_url_and_a_transient_one_is_resent_as_is(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, [MISMATCH, UNREACHABLE])
    refused = table(at, "reason").set_index("name")
    assert refused.loc["mismatch-1", "next"] == "choose another clip"
    assert refused.loc["unreachable-2", "next"] == "resend as is"

    at.toggle(key="review__resubmit_mode").set_value(True).run()
    assert "Choose another clip for mismatch-1" in page_text(at)
    # Ticked without a new URL, the mismatch would be refused again: nothing is sent, the page says why.
    button(at, "review__resubmit").click().run()
    assert "Nothing was sent: mismatch-1 was not approved because of the clip itself" in page_text(at)
    assert all(len(a.attempts) == 1 for a in ledger.assets.values())

    # Untick the mismatch: the download failure alone is resent with its own URL.
    edit_failed(at, {0: {"resubmit": False}})
    send = button(at, "review__resubmit")
    assert not send.disabled and send.label == "Resubmit 1 asset, 0 with a new URL"
    send.click().run()
    assert not at.exception, at.exception
    unreachable = next(a for a in ledger.assets.values() if a.name == "unreachable-2")
    mismatch = next(a for a in ledger.assets.values() if a.name == "mismatch-1")
    assert len(unreachable.attempts) == 2 and unreachable.current.url == UNREACHABLE
    assert len(mismatch.attempts) == 1, "nothing resent for a content failure without a new file"


def test_a_content_failure_with_a_new_url_is_sent(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, [MISMATCH])
    at.toggle(key="review__resubmit_mode").set_value(True).run()
    edit_failed(at, {0: {"new_url": "https://cdn.example.com/ada/retake-1.mp4"}})
    send = button(at, "review__resubmit")
    assert not send.disabled and send.label == "Resubmit 1 asset, 1 with a new URL"
    send.click().run()
    assert ledger.assets[0].current.url == "https://cdn.example.com/ada/retake-1.mp4"


def test_the_resubmit_plan_refuses_the_same_file_for_a_content_failure():
    edited = pd.DataFrame(
        {
            "key": [0, 1, 2],
            "name": ["a", "b", "c"],
            "source_url": ["https://x/a.mp4", "https://x/b.mp4", "https://x/c.mp4"],
            "code": ["FaceMismatch", "InvalidParameter.DownloadFailed", "FaceMismatch"],
            "resubmit": [True, True, True],
            "new_url": ["", None, " https://x/c2.mp4 "],
        }
    )
    assert review.resubmit_plan(edited) == ({1: "https://x/b.mp4", 2: "https://x/c2.mp4"}, ["a"])


# ---------------------------------------------------------------- item 10: the person comes back


@pytest.mark.parametrize("how", ["reload", "restart"])
def test_a_new_session_after_a_finished_review_brings_back_the_person_and_the_review(
    new_session, sandbox, how
):
    first = new_session()
    ledger = reviewed(first, sandbox, [*CLIPS, MISMATCH])
    group_id = ledger.group_id
    if how == "restart":
        state.database.clear()  # a new server process opens the same registry file
    again = new_session()
    wf = workflow(again)
    assert (wf.group_id, wf.group_label) == (group_id, "Ada Lovelace")
    assert wf.ledger.counts()["usable"] == 2 and wf.ledger.counts()["failed"] == 1
    open_page(again, "review")
    assert "Nothing has been submitted" not in page_text(again)
    assert len(table(again, "asset_url")) == 2


def test_plain_words_ids_in_details_and_no_none(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, [*CLIPS, MISMATCH])
    shown = page_text(at)
    assert "Approved (2)" in shown and "Not approved (1)" in shown
    assert {"Approved", "Not approved", "Being checked"} <= {m.label for m in at.metric}
    assert "Usable" not in shown and "task(s)" not in shown
    # Ids live in the Details expander only.
    details = next(e for e in at.expander if e.label == "Details")
    inside = "\n".join(str(m.value) for m in details.markdown)
    assert ledger.group_id in inside
    outside = "\n".join(str(m.value) for m in at.markdown if m not in details.markdown) + texts(at.caption)
    assert ledger.group_id not in outside
    at.toggle(key="review__show_history").set_value(True).run()
    for element in at.dataframe:
        assert element.value.isna().sum().sum() == 0 or element.proto.placeholder == "", (
            "an empty cell shows empty"
        )
        assert "None" not in element.value.astype(str).to_numpy().tolist().__str__()
    assert len(at.dataframe) == 3


def test_checking_n_of_m_with_the_time_in_the_browsers_zone(new_session, sandbox, monkeypatch):
    control(sandbox, "config", timing="realistic", video_review_seconds=60)
    monkeypatch.setattr(when, "_browser_zone_name", lambda: "Asia/Kathmandu")  # UTC+05:45: never the server's
    at = new_session()
    named_person(at, sandbox)
    open_page(at, "submit")
    at.text_area(key="submit__paste").set_value("\n".join(CLIPS)).run()
    button(at, "submit__add_paste").click().run()
    button(at, "submit__send").click().run()
    before = time.time()
    open_page(at, "review")
    progress = next(p.proto.text for p in at.get("progress"))
    assert progress.startswith("Checking 2 of 2 clips"), progress
    started = workflow(at).review_started_at
    assert started >= before - 1
    local = datetime.fromtimestamp(started, ZoneInfo("Asia/Kathmandu")).strftime("%H:%M:%S")
    assert f"since {local}" in progress and "task" not in progress


def test_a_resubmit_another_tab_sent_first_is_not_sent_twice_and_the_page_says_so(new_session, sandbox):
    first = new_session()
    reviewed(first, sandbox, [UNREACHABLE])
    # A second tab (a new session on the same registry) shows the same person's review, the clip not approved.
    second = new_session()
    open_page(second, "review")
    assert "unreachable-2" in set(table(second, "reason")["name"])
    for at in (first, second):
        at.toggle(key="review__resubmit_mode").set_value(True).run()
    log = SandboxControl(sandbox.base_url)
    sent_before = len(log.get("requests"))

    button(first, "review__resubmit").click().run()
    assert not first.exception, first.exception
    # The second tab clicks on what it showed before the first one's send: the retry is claimed once.
    button(second, "review__resubmit").click().run()
    assert not second.exception, second.exception
    posts = [r for r in log.get("requests")[sent_before:] if r["method"] == "POST"]
    assert len(posts) == 1, "the clip was sent again once, by the first tab only"
    text = page_text(second)
    assert "1 of them was already being sent again from another tab or server: it was not sent twice" in text
    clip = next(a for a in workflow(second).ledger.assets.values() if a.name == "unreachable-2")
    assert len(clip.attempts) == 2, "the second tab now shows the first tab's send"
