"""Carried out, answer lost: every POST the app makes, against the sandbox failing it *after* doing the
work (a delay past the client's timeout, a dropped connection, a 500). For each, the upstream objects are
counted (never a duplicate), every row the operator made is in the registry, and the outcome is settled
only by the operator's explicit choice."""

from __future__ import annotations

import pytest
import requests

from lib import flow
from lib.apimart import ApimartClient, ApimartError, VideoRequest
from lib.assets import AssetRow, check_rows
from lib.ledger import FAILED, PENDING, UNKNOWN, USABLE, AssetLedger
from lib.store.codes import VideoStatus
from lib.store.database import Database
from lib.store.workspace import Store

REAL_AVATAR = "/v1/seedance2/real-avatar"
VIDEOS = "/v1/videos/generations"
CLIENT_READ_TIMEOUT = 0.4
# Each way an answer is lost after the sandbox carried the request out.
LOST = {
    "timeout": {"latency": 1.5},
    "dropped": {"drop": True},
    "server-error": {"status": 500},
}


def control(sandbox, path, verb="GET", **payload):
    url = f"{sandbox.base_url}/_sandbox/{path}"
    if verb == "GET":
        answer = requests.get(url, params=payload, timeout=5)
    else:
        answer = requests.request(verb, url, json=payload or None, timeout=5)
    answer.raise_for_status()
    return answer.json()


def lose_answer(sandbox, route, mode, selector=None):
    control(
        sandbox, "faults", "POST", route=route, method="POST", after=True, selector=selector, **LOST[mode]
    )


def posts(sandbox, route, selector=None):
    return [
        r
        for r in control(sandbox, "requests")
        if r["method"] == "POST" and r["path"] == route and (selector is None or r["selector"] == selector)
    ]


@pytest.fixture
def client(sandbox, api_key):
    # A short read timeout, so "slower than the client waits" takes a second, not thirty.
    with ApimartClient(
        api_key, sandbox.base_url, timeout=(2.0, CLIENT_READ_TIMEOUT), sleep=lambda s: None
    ) as c:
        yield c


@pytest.fixture
def store(sandbox, api_key, tmp_path):
    db = Database(tmp_path / "registry.db")
    yield Store.for_connection(db, "sandbox", sandbox.base_url, api_key)
    db.close()


@pytest.fixture
def ledger(sandbox, client, store):
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    control(sandbox, f"h5/{attempt.byted_token}/approve", "POST")
    attempt.confirm_by_operator()
    return AssetLedger(flow.finish_verification(client, attempt, label="Ana", store=store), "Video")


def rows(n, prefix="take"):
    return check_rows([AssetRow(f"https://cdn.example.com/ana/{prefix}-{i}.mp4") for i in range(n)], "Video")


@pytest.mark.parametrize("mode", LOST)
def test_submit_answer_lost_keeps_every_row_and_sends_nothing_twice(sandbox, client, store, ledger, mode):
    lose_answer(sandbox, REAL_AVATAR, mode, selector="group_id")
    outcome = flow.submit_rows(client, ledger, rows(3), "Video", store=store)

    assert outcome.error is not None and outcome.error.maybe_sent
    assert len(outcome.unknown_keys) == 3 and not outcome.unsent and not outcome.sent_keys
    assert len(posts(sandbox, REAL_AVATAR, "group_id")) == 1, "the client never repeated it"
    assert len(control(sandbox, "assets")) == 3, "upstream carried it out once"
    (send,) = store.assets.unsettled_sends()
    assert send["assets"] == 3, "every row is in the registry, as 'may have been sent'"
    reloaded = store.assets.load_ledger(ledger.group_id)
    assert reloaded.counts()[UNKNOWN] == 3

    # The operator decides the rows are not to be sent again: back to the table, nothing goes out.
    back = flow.put_back(ledger, send["send_key"], store=store)
    assert [r.url for r in back] == [c.url for c in rows(3)]
    assert store.assets.unsettled_sends() == []
    assert len(posts(sandbox, REAL_AVATAR, "group_id")) == 1 and len(control(sandbox, "assets")) == 3


def test_send_again_reuses_the_key_and_the_review_settles(sandbox, client, store, ledger):
    # A 500 before anything was done: the operator cannot know that, and chooses to send again.
    control(sandbox, "faults", "POST", route=REAL_AVATAR, method="POST", selector="group_id", status=500)
    outcome = flow.submit_rows(client, ledger, rows(2), "Video", store=store)
    assert outcome.error.maybe_sent and len(control(sandbox, "assets")) == 0
    (send_key,) = ledger.unsettled_sends()
    again = flow.send_again(client, ledger, send_key, store=store)
    assert again.error is None and len(again.sent_keys) == 2
    keys = [r["idempotency_key"] for r in posts(sandbox, REAL_AVATAR, "group_id")]
    assert keys == [send_key, send_key], "the same request, with the key written before the first send"
    assert len(control(sandbox, "assets")) == 2
    while ledger.pending_task_ids():
        assert not flow.poll_reviews(client, ledger, store=store)
    assert ledger.counts()[USABLE] == 2 and store.assets.unsettled_sends() == []


@pytest.mark.parametrize("mode", LOST)
def test_resubmit_answer_lost_keeps_the_failed_asset_and_its_history(sandbox, client, store, ledger, mode):
    flow.submit_rows(
        client,
        ledger,
        check_rows([AssetRow("https://cdn.example.com/ana/mismatch.mp4")], "Video"),
        "Video",
        store=store,
    )
    while ledger.pending_task_ids():
        flow.poll_reviews(client, ledger, store=store)
    (key,) = [a.key for a in ledger.by_status(FAILED)]
    lose_answer(sandbox, REAL_AVATAR, mode, selector="group_id")
    outcome = flow.resubmit(client, ledger, {key: "https://cdn.example.com/ana/better.mp4"}, store=store)

    assert outcome.error.maybe_sent and outcome.unknown_keys == [key]
    assert len(posts(sandbox, REAL_AVATAR, "group_id")) == 2 and len(control(sandbox, "assets")) == 2
    stored = store.assets.load_ledger(ledger.group_id).assets[key]
    assert [a.status for a in stored.attempts] == [FAILED, UNKNOWN], "the history and the unknown attempt"
    (send_key,) = ledger.unsettled_sends()
    flow.put_back(ledger, send_key, store=store)
    stored = store.assets.load_ledger(ledger.group_id).assets[key]
    assert [a.status for a in stored.attempts] == [FAILED], "put back: failed again, resubmittable"
    assert len(control(sandbox, "assets")) == 2, "nothing sent twice"


def approved_asset(client, store, ledger) -> str:
    flow.submit_rows(client, ledger, rows(1, "face"), "Video", store=store)
    while ledger.pending_task_ids():
        flow.poll_reviews(client, ledger, store=store)
    return ledger.usable_urls()[0]


@pytest.mark.parametrize("mode", LOST)
def test_generation_answer_lost_is_never_sent_again_without_consent(sandbox, client, store, ledger, mode):
    asset = approved_asset(client, store, ledger)
    lose_answer(sandbox, VIDEOS, mode)
    job = flow.submit_generation(client, VideoRequest("Ana waves", image_urls=(asset,)), store=store)

    assert job.status == VideoStatus.UNKNOWN and job.unsettled and job.task_id is None
    assert job.last_error is not None and job.last_error.maybe_sent
    assert len(posts(sandbox, VIDEOS)) == 1
    assert len(control(sandbox, "tasks", kind="video")) == 1, "one billable video exists upstream"
    (row,) = store.videos.unsettled()
    assert row["send_key"] == job.send_key and row["status"] == VideoStatus.UNKNOWN
    flow.poll_generation(client, job, store=store)  # the page's timer: nothing to poll, nothing sent
    flow.dismiss_generation(job, store=store)
    assert store.videos.unsettled() == []
    assert store.videos.get(job.video_id)["status"] == VideoStatus.DISMISSED
    assert len(posts(sandbox, VIDEOS)) == 1 and len(control(sandbox, "tasks", kind="video")) == 1


def test_generation_sent_again_on_consent_carries_the_same_key(sandbox, client, store, ledger):
    asset = approved_asset(client, store, ledger)
    control(sandbox, "faults", "POST", route=VIDEOS, method="POST", drop=True)  # before: nothing made
    job = flow.submit_generation(client, VideoRequest("Ana nods", image_urls=(asset,)), store=store)
    assert job.unsettled and len(control(sandbox, "tasks", kind="video")) == 0
    flow.send_generation_again(client, job, store=store)
    assert job.task_id and job.running
    assert [r["idempotency_key"] for r in posts(sandbox, VIDEOS)] == [job.send_key, job.send_key]
    assert len(control(sandbox, "tasks", kind="video")) == 1
    with pytest.raises(flow.RefusedError):
        flow.send_generation_again(client, job, store=store)  # settled: a third send is refused


def test_a_refused_generation_is_not_sent_and_says_why(sandbox, client, store, ledger):
    asset = approved_asset(client, store, ledger)
    control(sandbox, "faults", "POST", route=VIDEOS, method="POST", status=402)
    job = flow.submit_generation(client, VideoRequest("Ana", image_urls=(asset,)), store=store)
    assert job.status == "not sent" and job.final and not job.unsettled
    assert "balance" in job.error.lower()


@pytest.mark.parametrize("mode", LOST)
def test_session_create_answer_lost_is_reported_and_not_repeated_by_itself(sandbox, client, store, mode):
    lose_answer(sandbox, REAL_AVATAR, mode, selector="callback_url")
    with pytest.raises(ApimartError) as raised:
        flow.start_session(client, "https://app.example/callback", "en", store=store)
    assert raised.value.maybe_sent
    # A verification session costs nothing and its token is never queried: the page offers Retry, and
    # the lost one simply expires upstream.
    assert len(posts(sandbox, REAL_AVATAR, "callback_url")) == 1
    assert len(control(sandbox, "tasks", kind="session")) == 1


@pytest.mark.parametrize("mode", LOST)
def test_token_query_answer_lost_is_asked_once(sandbox, client, store, mode):
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    control(sandbox, f"h5/{attempt.byted_token}/approve", "POST")
    attempt.confirm_by_operator()
    lose_answer(sandbox, REAL_AVATAR, mode, selector="byted_token")
    with pytest.raises(ApimartError) as raised:
        flow.finish_verification(client, attempt, label="Ana", store=store)
    assert raised.value.maybe_sent
    assert len(posts(sandbox, REAL_AVATAR, "byted_token")) == 1, "a one-time token is never re-sent by itself"
    assert len(control(sandbox, "tasks", kind="query")) == 1


def test_pending_rows_are_never_read_as_unknown(sandbox, client, store, ledger):
    outcome = flow.submit_rows(client, ledger, rows(2), "Video", store=store)
    assert outcome.error is None
    stored = store.assets.load_ledger(ledger.group_id)
    assert len(stored.assets) == 2 and {a.status for a in stored.assets.values()} <= {PENDING, USABLE}
    assert store.assets.unsettled_sends() == []
