"""When the Review page reads its review tasks (lib/ui/review_poll.py, issue 14): not before the review can have
ended (the sandbox's review time), then once; a session that did not see the send reads at once. Counted in
the sandbox's request log; polling driven by repeated runs (AppTest never fires run_every timers)."""

from __future__ import annotations

import time

import requests

from tests.helpers.apptest import GOOD, button, open_page, paste, verified, workflow
from tests.helpers.sandbox import control

REVIEW_S = 1.0


def review_reads(sandbox) -> int:
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    reviews = {
        t["id"] for t in requests.get(f"{sandbox.base_url}/_sandbox/tasks?kind=review", timeout=5).json()
    }
    return sum(1 for e in log if e["method"] == "GET" and e["path"].rsplit("/", 1)[-1] in reviews)


def sent_for_review(at, sandbox) -> None:
    control(sandbox, "config", timing="realistic", video_review_seconds=REVIEW_S)
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD[:2])
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception


def test_the_review_is_read_once_when_it_can_have_ended(at, sandbox):
    sent_for_review(at, sandbox)
    open_page(at, "review")
    for _ in range(3):
        at.run()  # ticks before the review's end: nothing to ask
    assert review_reads(sandbox) == 0, "no read before the review can have ended"
    assert workflow(at).ledger.pending_task_ids()
    time.sleep(REVIEW_S)
    at.run()
    assert review_reads(sandbox) == 1
    assert not workflow(at).ledger.pending_task_ids(), "one read after the end finds it finished"
    assert workflow(at).ledger.counts()["usable"] == 2
    at.run()
    assert review_reads(sandbox) == 1, "a finished review is not read again"


def test_a_session_that_did_not_see_the_send_reads_at_once(at, new_session, sandbox):
    sent_for_review(at, sandbox)
    reloaded = new_session()  # a reload: the send happened in another session
    open_page(reloaded, "review")  # before the review's end: it does not know when it was sent
    assert review_reads(sandbox) == 1, "read at once, not at the send's due time"
    time.sleep(REVIEW_S)
    reloaded.run()
    assert not workflow(reloaded).ledger.pending_task_ids()
