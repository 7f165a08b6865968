"""The workflow steps against the sandbox with a real store: ids survive failures, intents are on disk
before the POST, partial submits keep what was created."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from lib import flow, review
from lib.apimart import ApimartClient, ApimartError, BadRequestError
from lib.assets import AssetRow, RowCheck, check_rows
from lib.ledger import AssetLedger
from lib.store.database import Database
from lib.store.workspace import Store


@pytest.fixture
def setup(sandbox, tmp_path, api_key):
    client = ApimartClient(api_key, sandbox.base_url, sleep=lambda s: None)
    store = Store.for_connection(Database(tmp_path / "r.db"), "sandbox", sandbox.base_url, api_key)
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    requests.post(f"{sandbox.base_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=5)
    attempt.confirm_by_operator()
    group_id = flow.finish_verification(client, attempt, label="Lin", store=store)
    yield client, store, AssetLedger(group_id, "Video")
    client.close()


def urls(n, prefix="front"):
    return [AssetRow(f"https://cdn.example.com/{prefix}-{i}.mp4") for i in range(n)]


def test_group_is_saved_the_moment_it_exists(setup):
    client, store, ledger = setup
    (person,) = store.people.find()
    assert (person.group_id, person.label) == (ledger.group_id, "Lin")
    (verification,) = store.verifications.all()
    assert verification["status"] == "used" and verification["byted_token"] is None, (
        "the spent token is not kept"
    )


def test_refused_query_marks_the_token_used(sandbox, setup):
    client, store, _ = setup
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    with pytest.raises(flow.RefusedError):
        flow.finish_verification(client, attempt, store=store)
    attempt.confirm_by_operator()  # wrongly: the person did not finish
    with pytest.raises(BadRequestError):
        flow.finish_verification(client, attempt, store=store)
    assert attempt.queried


def test_submit_writes_through_and_closes_its_intent(setup):
    client, store, ledger = setup
    outcome = flow.submit_rows(client, ledger, check_rows(urls(25), "Video"), "Video", store=store)
    assert outcome.error is None and len(outcome.sent_keys) == 25 and len(ledger.tasks) == 2
    (submission,) = store.submissions.all()
    assert submission["status"] == "sent" and submission["task_ids"] == list(ledger.tasks)
    assert store.assets.unsettled_sends() == []
    while ledger.pending_task_ids():
        assert not flow.poll_reviews(client, ledger, store=store)
    assert store.people.find()[0].usable == 25


def test_every_row_is_on_disk_with_its_key_while_the_post_is_in_flight(sandbox, setup):
    client, store, ledger = setup
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"route": "/v1/seedance2/real-avatar", "latency": 1.0, "count": 1},
        timeout=5,
    )
    sender = threading.Thread(
        target=flow.submit_rows,
        args=(client, ledger, check_rows(urls(2), "Video"), "Video"),
        kwargs={"store": store},
    )
    sender.start()
    seen = []
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        seen = store.assets.unsettled_sends()
        time.sleep(0.02)
    sender.join(timeout=10)
    assert seen and seen[0]["assets"] == 2, "a crash now would leave both rows, not a count"
    assert seen[0]["names"] == "front-0, front-1" and seen[0]["send_key"]
    sent_with = [
        r["idempotency_key"]
        for r in requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
        if r["selector"] == "group_id"
    ]
    assert sent_with == [seen[0]["send_key"]], "the key on disk is the key sent"
    assert store.assets.unsettled_sends() == []


def test_partial_submit_keeps_the_created_task_and_the_unsent_rows(setup):
    client, store, ledger = setup
    checks = check_rows(urls(25), "Video")
    # A row the API refuses in the second batch (pre-flight would catch it; here it gets through).
    checks[22] = RowCheck(22, "ftp://cdn.example.com/x.mp4", "x")
    outcome = flow.submit_rows(client, ledger, checks, "Video", store=store)
    assert isinstance(outcome.error, BadRequestError) and not outcome.error.maybe_sent
    assert len(outcome.sent_keys) == 20 and len(outcome.unsent) == 5 and not outcome.unknown_keys
    assert len(ledger.tasks) == 1
    (submission,) = store.submissions.all()
    assert submission["status"] == "partial" and len(submission["task_ids"]) == 1
    assert store.assets.load_ledger(ledger.group_id).counts()["submitted"] == 20


def test_a_review_task_apimart_forgot_ends_as_failed_and_resubmittable(sandbox, setup):
    client, store, ledger = setup
    flow.submit_rows(client, ledger, check_rows(urls(2), "Video"), "Video", store=store)
    # Read with another key, APIMart answers 404 as for a purged task: for this reader, it is gone.
    stranger = ApimartClient("sk-another-key-0000", sandbox.base_url, sleep=lambda s: None)
    for _ in range(flow.LOST_AFTER_404S - 1):
        (error,) = flow.poll_reviews(stranger, ledger, store=store)
        assert error.status_code == 404 and ledger.pending_task_ids(), (
            "a 404 or two may be a blip: still polled"
        )
    assert flow.poll_reviews(stranger, ledger, store=store) == []
    assert not ledger.pending_task_ids(), "the review ends instead of polling forever"
    assert {a.current.error_code for a in ledger.assets.values()} == {"TaskNotFound"}
    assert ledger.counts()["failed"] == 2
    # A new session does not resume it again, and the reason reads as something to act on.
    assert store.assets.groups_with_open_reviews() == []
    frame = review.failed_frame(ledger)
    assert (
        frame["reason"].str.contains("no longer knows").all() and frame["fix"].str.contains("Resubmit").all()
    )
    # And they can be sent again, to the same group.
    again = flow.resubmit(
        client, ledger, {k: a.current.url for k, a in ledger.assets.items()}, store=store
    )
    assert again.error is None and len(again.sent_keys) == 2


def approved_attempt(client, sandbox, store):
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    requests.post(f"{sandbox.base_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=5)
    attempt.confirm_by_operator()
    return attempt


def fail_task_reads(sandbox, times):
    fault = {"route": "/v1/tasks", "method": "GET", "status": 503, "count": times}
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def token_queries(sandbox):
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [r for r in log if r["selector"] == "byted_token"]


def test_an_unread_result_is_read_again_without_spending_another_token(sandbox, setup):
    client, store, _ = setup
    attempt = approved_attempt(client, sandbox, store)
    fail_task_reads(sandbox, client.max_retries + 1)  # every read of the result fails, retries included
    with pytest.raises(ApimartError) as failure:
        flow.finish_verification(client, attempt, label="Ana", store=store)
    assert attempt.result_task_id and failure.value.task_id == attempt.result_task_id
    (row,) = store.verifications.unread_results()
    assert row["result_task_id"] == attempt.result_task_id and row["byted_token"] is None, "token spent"

    group_id = flow.finish_verification(client, attempt, label="Ana", store=store)  # the Retry button
    assert group_id.startswith("group-")
    assert len(token_queries(sandbox)) == 2, "one query for the setup's person, one for Ana: never twice"
    assert store.verifications.unread_results() == []
    assert "Ana" in {p.label for p in store.people.find()}


def test_a_later_session_recovers_an_unread_result_from_the_registry(sandbox, setup):
    client, store, _ = setup
    attempt = approved_attempt(client, sandbox, store)
    fail_task_reads(sandbox, client.max_retries + 1)
    with pytest.raises(ApimartError):
        flow.finish_verification(client, attempt, store=store)
    # The tab is gone with its attempt; the registry still knows where the group id waits.
    (row,) = store.verifications.unread_results()
    group_id = flow.recover_verification(
        client, row["task_id"], row["result_task_id"], store=store, label="Ana"
    )
    assert group_id in {p.group_id for p in store.people.find()}
    assert store.verifications.unread_results() == []
    assert len(token_queries(sandbox)) == 2
