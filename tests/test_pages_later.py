"""Generate, Library and resume through AppTest against the real sandbox and a real registry file."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import pytest
import requests

from lib.apimart import ApimartClient
from lib.generation import (
    GenerationSpec,
    PickedImage,
    problems,
    reference_text,
    resolutions_for,
    to_request,
)
from lib.ui import state, words
from tests.helpers.apptest import (
    GOOD,
    button,
    open_page,
    paste,
    sent_and_reviewed,
    table,
    texts,
    until_video_final,
    verified,
    video_made,
    workflow,
)


def reviewed(at, sandbox, urls):
    verified(at, sandbox)
    at.text_input(key="group__label").set_value("Lin Wei").run()
    return sent_and_reviewed(at, urls)


def generated(at, sandbox, prompt):
    """One approved asset, then a video from it; returns the finished job."""
    return video_made(at, reviewed(at, sandbox, GOOD[:1]).usable_urls(), prompt)


def test_generate_refuses_until_there_are_usable_assets(new_session):
    at = new_session()
    open_page(at, "generate")
    # No person yet: the guard goes straight to the first unfinished step, Verify.
    assert "no person" in texts(at.info).lower()
    assert [b.label for b in at.button if b.key == "guard__go"] == ["Verify a person"]


def test_generate_happy_path_and_refusals(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, GOOD[:2] + ["https://cdn.example.com/lin/mismatch-9.mp4"])
    open_page(at, "generate")
    assert "cannot be picked" in texts(at.caption)
    choices = at.multiselect(key="generate__assets").options
    assert len(choices) == 2, "only usable assets can be picked"
    # Only the prompt is missing: the button stays pressable (typing then one click must work) and says why.
    button(at, "generate__submit").click().run()
    assert "Write a prompt" in texts(at.warning) and not workflow(at).videos, "nothing sent without a prompt"

    at.multiselect(key="generate__assets").set_value(ledger.usable_urls()[:1]).run()
    button(at, "generate__insert_refs").click().run()
    assert "video 1" in at.text_area(key="generate__prompt").value, "clips are video references"
    at.selectbox(key="generate__model").set_value("doubao-seedance-2.0-fast-face").run()
    at.selectbox(key="generate__resolution").set_value("1080p").run()
    assert "1080p is not available" in texts(at.warning)
    assert button(at, "generate__submit").disabled
    at.selectbox(key="generate__resolution").set_value("720p").run()
    button(at, "generate__submit").click().run()
    assert not at.exception, at.exception
    until_video_final(at)
    job = workflow(at).videos[-1]
    assert job.status == "completed" and job.video_url.endswith(".mp4")
    assert requests.get(job.video_url, timeout=5).content[4:8] == b"ftyp"
    assert at.get("video"), "the video plays in the page"


def test_generation_failure_shows_the_reason(new_session, sandbox):
    at = new_session()
    job = generated(at, sandbox, "force-fail image 1")
    at.run()
    assert job.status == "failed"
    assert "forced by the prompt" in texts(at.error)


def test_library_lists_people_assets_and_exports(new_session, sandbox):
    at = new_session()
    ledger = reviewed(at, sandbox, GOOD[:3] + ["https://cdn.example.com/lin/unreachable-1.mp4"])
    open_page(at, "library")
    people = next(
        d.value for d in at.dataframe if "group_id" in d.value.columns and "usable" in d.value.columns
    )
    assert people[["label", "usable", "failed", "pending"]].values.tolist() == [["Lin Wei", 3, 1, 0]]
    assert people["group_id"].tolist() == [ledger.group_id]
    at.text_input(key="library__rename").set_value("Lin W.").run()
    at.text_input(key="library__search").set_value("W.").run()
    people = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert people["label"].tolist() == ["Lin W."]
    at.text_input(key="library__search").set_value("nobody").run()
    assert "Nobody matches" in texts(at.info)


@pytest.mark.parametrize("how", ["reload", "restart"])
def test_a_new_session_resumes_an_unfinished_review(new_session, sandbox, how):
    requests.post(
        f"{sandbox.base_url}/_sandbox/config",
        json={"timing": "realistic", "video_review_seconds": 0.3},
        timeout=5,
    )
    first = new_session()
    verified(first, sandbox)
    open_page(first, "submit")
    paste(first, GOOD[:2])
    button(first, "submit__send").click().run()
    assert workflow(first).ledger.pending_task_ids(), "still under review when the tab goes away"

    if how == "restart":
        state.database.clear()  # a new server process opens the same registry file again
    reloaded = new_session()  # a new browser session, on the same server or a restarted one
    assert "Resumed the review" in texts(reloaded.info), "said on the page the operator lands on"
    open_page(reloaded, "review")
    deadline = time.monotonic() + 20
    while workflow(reloaded).ledger.pending_task_ids() and time.monotonic() < deadline:
        reloaded.run()  # what the page's timed fragment does every 2 s in a browser
    assert workflow(reloaded).ledger.counts()["usable"] == 2
    reloaded.run()
    assert "Resumed the review" not in texts(reloaded.info), "gone once the review has finished"


def test_restart_keeps_people_for_a_new_server(new_session, sandbox):
    at = new_session()
    group_id = verified(at, sandbox)
    state.database.clear()  # a restarted server opens the same file again
    again = new_session()
    assert group_id in workflow(again).known_groups


def test_generation_checks_are_pure():
    image = PickedImage("asset://a", "first_frame", "front")
    found = problems(GenerationSpec(prompt="", duration=20, size="2:1", images=(image, image)))
    assert any("prompt" in p for p in found) and any("4-15" in p for p in found)
    assert any("first frame" in p for p in found) and any("Size" in p for p in found)
    assert resolutions_for("doubao-seedance-2.0-fast") == ("480p", "720p")
    assert reference_text(GenerationSpec(prompt="p", images=(image,))) == "image 1"
    plain = to_request(GenerationSpec(prompt="p", images=(PickedImage("asset://a"),))).to_payload()
    assert plain["image_urls"] == ["asset://a"] and "image_with_roles" not in plain
    roled = to_request(GenerationSpec(prompt="p", images=(image,))).to_payload()
    assert (
        roled["image_with_roles"] == [{"url": "asset://a", "role": "first_frame"}]
        and "image_urls" not in roled
    )


def test_earlier_videos_are_listed_after_a_reload(new_session, sandbox):
    at = new_session()
    assert generated(at, sandbox, "The person in image 1 smiles").status == "completed"
    reloaded = new_session()
    open_page(reloaded, "generate")
    earlier = next(d.value for d in reloaded.dataframe if "video_url" in d.value.columns)
    assert earlier["status"].tolist() == ["ready"] and earlier["video_url"].iloc[0].endswith(".mp4")


def send_generation(at, ledger, prompt):
    open_page(at, "generate")
    at.multiselect(key="generate__assets").set_value(ledger.usable_urls()).run()
    at.text_area(key="generate__prompt").set_value(prompt).run()
    button(at, "generate__submit").click().run()


def stored_videos(tmp_path):
    with closing(sqlite3.connect(tmp_path / "registry.db")) as conn:
        return conn.execute("SELECT id, task_id, status, video_url FROM videos ORDER BY id").fetchall()


def test_reload_resumes_an_unfinished_generation(new_session, sandbox, tmp_path):
    first = new_session()
    ledger = reviewed(first, sandbox, GOOD[:1])
    requests.post(
        f"{sandbox.base_url}/_sandbox/config",
        json={"timing": "realistic", "generation_seconds": 1.5},
        timeout=5,
    ).raise_for_status()
    send_generation(first, ledger, "The person in image 1 waves")
    (sent,) = workflow(first).videos
    assert sent.task_id and not sent.final, "still generating when the tab goes away"

    reloaded = new_session()  # a new browser session on the same server and registry
    (job,) = workflow(reloaded).videos
    assert (job.task_id, job.video_id, job.prompt) == (sent.task_id, sent.video_id, sent.prompt)
    assert not job.final
    assert "Resumed 1 video generation (see Generate)" in texts(reloaded.info), "the operator is told"
    open_page(reloaded, "generate")
    deadline = time.monotonic() + 20
    while not job.final and time.monotonic() < deadline:
        reloaded.run()  # what the page's timed fragment does every 2 s in a browser
    assert not reloaded.exception, reloaded.exception
    assert job.status == "completed" and job.video_url.endswith(".mp4")
    assert reloaded.get("video"), "the video plays in the reloaded session"
    # The same row got the outcome, and nothing was sent again.
    assert stored_videos(tmp_path) == [(sent.video_id, sent.task_id, "completed", job.video_url)]
    assert workflow(new_session()).videos == [], "a finished video is not resumed again"


def test_a_generation_cut_off_while_sending_reads_as_unknown_outcome(
    new_session, sandbox, tmp_path, monkeypatch
):
    first = new_session()
    ledger = reviewed(first, sandbox, GOOD[:1])

    def stopped(self, request):  # the app dies during the POST: its outcome is never written
        raise RuntimeError("stopped while sending")

    with monkeypatch.context() as patched:
        patched.setattr(ApimartClient, "generate_video", stopped)
        send_generation(first, ledger, "The person in image 1 nods")
    ((video_id, task_id, status, _),) = stored_videos(tmp_path)
    assert (task_id, status) == (None, "submitting"), "the write-ahead row is all that is left"

    reloaded = new_session()
    (job,) = workflow(reloaded).videos
    assert job.unsettled and not job.running, "no task id: nothing to poll, a decision to make"
    open_page(reloaded, "library")
    assert table(reloaded, "video_url")["status"].tolist() == [words.UNKNOWN_OUTCOME]
    assert stored_videos(tmp_path)[0][2] == "submitting", "reading it changes nothing"
    open_page(reloaded, "generate")
    assert "may have been created" in texts(reloaded.warning)
    again = next(b for b in reloaded.button if b.key and b.key.startswith("generate__unsettled__again"))
    assert again.disabled, "a second charge needs the operator's explicit consent"
    # The Start page lists it too, with the same two choices.
    open_page(reloaded, "home")
    assert "Needs your decision" in texts(reloaded.subheader)
    next(b for b in reloaded.button if b.key and b.key.startswith("home__unsettled__dismiss")).click().run()
    assert stored_videos(tmp_path)[0][2] == "dismissed"
    assert "Needs your decision" not in texts(reloaded.subheader)
    posts = [
        r
        for r in requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
        if r["path"].startswith("/v1/videos")
    ]
    assert posts == [], "nothing was sent, before or after the decision"
