"""Issue 11, "A user's first hour", items 3 and 12 (and 14 for the Generate page): the Generate page keeps
its choices across page changes, starts from the current person's approved assets (or the Review page's
picks), labels references by kind and position, and refuses what upstream would refuse, with a reason each;
a resubmitted asset with a replaced URL takes the new URL's name while its history keeps the old one."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from streamlit.testing.v1 import AppTest

from lib import flow
from lib.apimart import ApimartClient
from lib.assets import AssetRow, check_rows
from lib.connection import SANDBOX_KEY
from lib.generation import (
    GenerateChoices,
    GenerationSpec,
    PickedImage,
    Reference,
    default_picks,
    problems,
    unknown_lengths,
)
from lib.ledger import FAILED, AssetLedger
from lib.store.database import Database
from lib.store.workspace import Store
from lib.ui import when
from tests.helpers.apptest import button, new_app, open_page, texts, workflow
from tests.helpers.sandbox import control

CLIPS = [f"https://cdn.example.com/lin/front-{i}.mp4" for i in range(4)]
PHOTOS = [f"https://cdn.example.com/lin/face-{i}.jpg" for i in range(10)]


@dataclass
class Desk:
    """The app in AppTest, and the same store and sandbox tenant it uses, for setting the scene."""

    at: AppTest
    sandbox: object
    client: ApimartClient
    store: Store

    def person(self, label: str, *batches: tuple[str, list[str]]) -> AssetLedger:
        """A verified person whose (type, URLs) batches went through review; made the current person."""
        attempt = flow.start_session(self.client, "https://app.example/callback", "en", store=self.store)
        control(self.sandbox, f"h5/{attempt.byted_token}/approve")
        attempt.confirm_by_operator()
        group_id = flow.finish_verification(self.client, attempt, label=label, store=self.store)
        ledger = AssetLedger(group_id, "Video")
        for asset_type, urls in batches:
            checks = check_rows([AssetRow(u) for u in urls], asset_type)
            flow.submit_rows(self.client, ledger, checks, asset_type, store=self.store)
        while ledger.pending_task_ids():
            flow.poll_reviews(self.client, ledger, store=self.store)
        wf = workflow(self.at)
        wf.remember_group(group_id, label)  # as the Group page does
        wf.ledger = ledger
        return ledger


@pytest.fixture
def desk(sandbox_env, tmp_path):
    db = Database(tmp_path / "registry.db")
    store = Store.for_connection(db, "sandbox", sandbox_env.base_url, SANDBOX_KEY)
    app = new_app()
    with ApimartClient(SANDBOX_KEY, sandbox_env.base_url, sleep=lambda s: None) as client:
        yield Desk(app, sandbox_env, client, store)
    db.close()


def usable(ledger, ext):
    return [a.current.asset_url for a in ledger.by_status("usable") if a.current.url.endswith(ext)]


def picked(at):
    return at.multiselect(key="generate__assets").value


# ----------------------------------------------------------------------------------------- item 3: memory


def test_picks_and_prompt_survive_a_visit_to_another_page(desk):
    at = desk.at
    ledger = desk.person("Lin Wei", ("Video", CLIPS[:3]))
    open_page(at, "generate")
    chosen = ledger.usable_urls()[1:2]
    at.multiselect(key="generate__assets").set_value(chosen).run()
    at.text_area(key="generate__prompt").set_value("The person in video 1 waves").run()
    at.selectbox(key="generate__model").set_value("doubao-seedance-2.0-fast-face").run()

    open_page(at, "library")
    open_page(at, "generate")
    assert picked(at) == chosen, "the picked assets are kept"
    assert at.text_area(key="generate__prompt").value == "The person in video 1 waves", "the prompt is kept"
    assert at.selectbox(key="generate__model").value == "doubao-seedance-2.0-fast-face"
    assert not at.exception


def test_a_resubmitted_asset_takes_the_name_of_its_new_url(desk):
    client, store = desk.client, desk.store
    failing = [
        "https://cdn.example.com/ana/mismatch-1.mp4",
        "https://cdn.example.com/ana/unreachable-2.mp4",
        "https://cdn.example.com/ana/mismatch-3.mp4",
    ]
    ledger = desk.person("Ana", ("Video", failing[:2]))
    rows = check_rows([AssetRow(failing[2], "Ana front")], "Video")
    flow.submit_rows(client, ledger, rows, "Video", store=store)
    while ledger.pending_task_ids():
        flow.poll_reviews(client, ledger, store=store)
    auto, typed_now, typed_before = sorted(a.key for a in ledger.by_status(FAILED))
    replaced = {
        auto: "https://cdn.example.com/ana/front-good.mp4",
        typed_before: "https://cdn.example.com/ana/front-again.mp4",
    }
    assert flow.resubmit(client, ledger, replaced, store=store).error is None
    assert ledger.assets[auto].name == "front-good", "the name read off the new URL"
    outcome = flow.resubmit(
        client,
        ledger,
        {typed_now: "https://cdn.example.com/ana/side-good.mp4"},
        names={typed_now: "Ana side"},
        store=store,
    )
    assert outcome.error is None
    while ledger.pending_task_ids():
        flow.poll_reviews(client, ledger, store=store)

    assert ledger.assets[typed_now].name == "Ana side", "a name typed for the resubmission wins"
    assert ledger.assets[typed_before].name == "Ana front", "a name the operator gave it stays"
    assert [a.name for a in ledger.assets[auto].attempts] == ["mismatch-1", "front-good"], "history keeps it"
    assert ledger.assets[auto].status == "usable", "the review's answer matched the attempt by its new name"
    sent = {a["name"] for a in requests.get(f"{desk.sandbox.base_url}/_sandbox/assets", timeout=5).json()}
    assert {"front-good", "Ana side", "Ana front"} <= sent, "APIMart got the new names"
    stored = store.assets.load_ledger(ledger.group_id)
    assert stored.assets[auto].name == "front-good"
    assert [a.name for a in stored.assets[auto].attempts] == ["mismatch-1", "front-good"]
    current = {r["asset_key"]: r["name"] for r in store.assets.rows(ledger.group_id)}
    assert current[auto] == "front-good"
    open_page(desk.at, "review")  # the Review page shows the asset under its new name
    shown = "\n".join(d.value.to_csv() for d in desk.at.dataframe)
    assert "front-good" in shown


# ------------------------------------------------------------------------------------- item 12: context


def test_a_fresh_visit_preselects_the_current_persons_approved_assets(desk):
    at = desk.at
    desk.person("Lin Wei", ("Video", CLIPS[:2]))
    ana = desk.person("Ana Silva", ("Video", [*CLIPS[2:4], "https://cdn.example.com/ana/mismatch-1.mp4"]))
    open_page(at, "generate")
    assert len(at.multiselect(key="generate__assets").options) == 4, (
        "everyone's approved assets can be picked"
    )
    assert picked(at) == ana.usable_urls(), "the current person's approved assets, nobody else's"


def test_the_review_pages_picks_come_first(desk):
    at = desk.at
    ledger = desk.person("Lin Wei", ("Video", CLIPS[:3]))
    wanted = ledger.usable_urls()[1:]
    workflow(at).generate_picks = wanted  # what the Review page's "Make a video with these" sets
    open_page(at, "generate")
    assert picked(at) == wanted
    at.multiselect(key="generate__assets").set_value(wanted[:1]).run()
    open_page(at, "review")
    open_page(at, "generate")
    assert picked(at) == wanted[:1], "applied once: the operator's own change sticks afterwards"
    workflow(at).generate_picks = ledger.usable_urls()[:1]  # the button pressed again, with other assets
    open_page(at, "generate")
    assert picked(at) == ledger.usable_urls()[:1]


def test_preselection_stops_at_the_limits(desk):
    at = desk.at
    desk.person("Lin Wei", ("Image", PHOTOS), ("Video", CLIPS))
    open_page(at, "generate")
    chosen = picked(at)
    assert len(chosen) == 12, "9 photos and 3 clips: as many as one request may carry"
    assert not at.warning and not button(at, "generate__submit").disabled or "prompt" in texts(at.warning)


def test_references_are_labelled_by_kind_and_sent_as_such(desk):
    at = desk.at
    ledger = desk.person("Lin Wei", ("Video", CLIPS[:1]), ("Image", PHOTOS[:1]))
    video, image = usable(ledger, ".mp4"), usable(ledger, ".jpg")
    open_page(at, "generate")
    assert sorted(picked(at)) == sorted(image + video)
    listed = texts(at.markdown)
    assert "**image 1**: Lin Wei · face-0" in listed and "**video 1**: Lin Wei · front-0" in listed
    assert "not known" not in texts(at.caption) + texts(at.info), "one clip always fits: no alarm"
    button(at, "generate__insert_refs").click().run()
    assert at.text_area(key="generate__prompt").value.startswith("The person in image 1, video 1")
    button(at, "generate__submit").click().run()
    job = workflow(at).videos[-1]
    assert job.params.get("image_urls") == image and job.params.get("video_urls") == video, "sent by kind"


def test_too_many_references_are_refused_with_a_reason_each(desk):
    at = desk.at
    ledger = desk.person("Lin Wei", ("Image", PHOTOS), ("Video", CLIPS))
    photos, clips = usable(ledger, ".jpg"), usable(ledger, ".mp4")
    open_page(at, "generate")
    at.text_area(key="generate__prompt").set_value("The person in image 1 smiles").run()

    at.multiselect(key="generate__assets").set_value(photos).run()
    assert not at.exception, at.exception
    assert "10 images picked; a video can use at most 9: remove one." in texts(at.warning)
    assert button(at, "generate__submit").disabled

    at.multiselect(key="generate__assets").set_value(photos[:8] + clips).run()
    assert "4 videos picked; a video can use at most 3: remove one." in texts(at.warning)
    assert button(at, "generate__submit").disabled

    at.multiselect(key="generate__assets").set_value(photos[:9] + clips[:3]).run()
    assert not at.warning and not button(at, "generate__submit").disabled, "12 in all is allowed"
    at.text_area(key="generate__audios").set_value("https://cdn.example.com/lin/voice.mp3").run()
    assert "13 references in all (9 images, 3 videos, 1 audio); a video can use at most 12" in texts(
        at.warning
    )
    assert button(at, "generate__submit").disabled
    videos = [
        r
        for r in requests.get(f"{desk.sandbox.base_url}/_sandbox/requests", timeout=5).json()
        if "videos" in r["path"]
    ]
    assert videos == [], "nothing was sent"


def test_video_lengths_count_when_known_and_are_said_unknown_otherwise():
    three = ("asset://a", "asset://b", "asset://c")
    assert any(
        "last 16 s together" in p
        for p in problems(GenerationSpec("p", video_urls=three[:2], video_seconds=(8, 8)))
    )
    assert not any(
        "together" in p for p in problems(GenerationSpec("p", video_urls=three[:2], video_seconds=(7, 8)))
    )
    partly = GenerationSpec("p", video_urls=three, video_seconds=(5, None))
    assert "lengths of video 2 and video 3 are not known" in unknown_lengths(partly)
    assert unknown_lengths(GenerationSpec("p", video_urls=three[:1], video_seconds=(5,))) == ""
    # One approved clip is 2-15 s by upstream's asset limits: alone it always fits, so nothing is said.
    assert unknown_lengths(GenerationSpec("p", video_urls=three[:1])) == ""
    alone = problems(GenerationSpec("p", audio_urls=("https://x.example/a.mp3",)))
    assert any("Audio needs at least one image or video" in p for p in alone)


def test_default_picks_stay_within_the_limits_and_to_the_person():
    refs = {f"asset://i{n}": Reference(f"asset://i{n}", "image", group_id="g1") for n in range(11)}
    refs |= {f"asset://v{n}": Reference(f"asset://v{n}", "video", group_id="g1") for n in range(5)}
    refs["asset://other"] = Reference("asset://other", "image", group_id="g2")
    chosen = default_picks(refs, "g1")
    assert [u[8] for u in chosen].count("i") == 9 and [u[8] for u in chosen].count("v") == 3
    assert "asset://other" not in chosen
    assert default_picks(refs, "g1", ["asset://other", "asset://gone", "asset://other"]) == ["asset://other"]
    spec = GenerateChoices(assets=["asset://v0", "asset://i1"], roles={"asset://i1": "first_frame"}).spec(
        refs
    )
    assert spec.images == (PickedImage("asset://i1", "first_frame", ""),) and spec.video_urls == (
        "asset://v0",
    )
    assert [label for label, _ in spec.references()] == ["image 1", "video 1"]


# ------------------------------------------------------------------------- item 14: words, ids and times


def test_ids_in_details_times_in_the_browsers_zone(desk, monkeypatch):
    monkeypatch.setattr(when, "_browser_zone_name", lambda: "Asia/Tokyo")
    at = desk.at
    desk.person("Lin Wei", ("Video", CLIPS[:1]))
    open_page(at, "generate")
    at.text_area(key="generate__prompt").set_value("The person in video 1 smiles").run()
    button(at, "generate__submit").click().run()
    deadline = time.monotonic() + 10
    while not workflow(at).videos[-1].final and time.monotonic() < deadline:
        at.run()
    job = workflow(at).videos[-1]
    assert job.status == "completed"
    details = next(e for e in at.expander if e.label == "Details")
    assert job.task_id in texts(details.markdown), "the task id is in the details"
    outside = [m.value for m in at.markdown if job.task_id in m.value]
    assert outside == [m.value for m in details.markdown if job.task_id in m.value], "and nowhere else"
    if job.expires_at:
        tokyo = datetime.fromtimestamp(job.expires_at, tz=ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
        assert f"the link works until {tokyo}" in texts(at.caption)
    assert "UTC" not in texts(at.caption) and "None" not in texts(at.markdown) + texts(at.caption)
    assert at.code[0].value == job.video_url, "the video URL is shown as text"
