"""Sessions showing the same finished review share one read-only ledger and one copy of its tables
(lib/ledger_shelf.py, issue 14); a session that changes it changes its own copy; a finishing poll moves the
key, so the next session gets the new state while the others keep theirs."""

from __future__ import annotations

import time

import pytest

from lib import ledger_shelf, review
from lib.apimart import SubmittedTask
from lib.connection import SANDBOX, SANDBOX_KEY
from lib.ledger import FAILED, USABLE, AssetLedger, SharedLedgerError
from lib.store.workspace import Store
from lib.ui import state
from tests.helpers.apptest import BAD, GOOD, button, open_page, paste, sent_and_reviewed, verified, workflow
from tests.helpers.sandbox import control

SHARED_NAMES = (
    "review_usable",
    "review_failed",
    "review_usable_shown",
    "review_failed_shown",
    "review_exports",
)


def kept(db, sandbox) -> Store:
    """The store of the sessions' connection (sandbox mode, the test's sandbox)."""
    return Store.for_connection(db, SANDBOX, sandbox.base_url, SANDBOX_KEY)


def headings(at) -> list[str]:
    return [h.value for h in at.subheader]


def test_two_sessions_on_one_review_share_its_ledger_and_tables(at, new_session, sandbox, db):
    verified(at, sandbox)
    ran = sent_and_reviewed(at, GOOD[:3] + BAD[1:])  # 3 approved, 1 refused (download failed: resend as is)
    assert not ran.pending_task_ids()
    assert not ledger_shelf.is_shared(ran), "the session that ran the review keeps its own ledger"

    first = open_page(new_session(), "review")  # a reload, or a colleague: the review as the store holds it
    ledger = workflow(first).ledger
    assert ledger_shelf.is_shared(ledger)
    assert ledger.shared_as == ledger_shelf.key_for(kept(db, sandbox), ran.group_id)
    shelf = state.ledger_shelf()
    built = {name: shelf.held_view(ledger, name) for name in SHARED_NAMES}
    assert all(value is not None for value in built.values()), built
    assert len(built["review_usable"]) == 3 and len(built["review_failed"]) == 1

    second = open_page(new_session(), "review")
    assert workflow(second).ledger is ledger, "one ledger for both sessions"
    for name, value in built.items():
        assert shelf.held_view(ledger, name) is value, f"{name}: the second session built its own"
    assert headings(second)[:2] == headings(first)[:2] == ["Approved (3)", "Not approved (1)"]

    # The second session resends the refused one: its own copy changes, the first session's does not.
    failed_before = built["review_failed"].copy()
    second.toggle(key="review__resubmit_mode").set_value(True).run()
    button(second, "review__resubmit").click().run()
    assert not second.exception, second.exception
    own = workflow(second).ledger
    assert own is not ledger and not ledger_shelf.is_shared(own)
    assert len(own.assets[3].attempts) == 2, "the resend is the second session's"
    assert len(ledger.assets[3].attempts) == 1 and ledger.counts()["failed"] == 1
    assert shelf.held_view(ledger, "review_failed") is built["review_failed"]
    assert built["review_failed"].equals(failed_before)
    first.run()
    assert not first.exception, first.exception
    assert workflow(first).ledger is ledger
    assert headings(first)[:2] == ["Approved (3)", "Not approved (1)"]


def test_a_session_editing_a_shared_table_edits_a_copy():
    shelf = ledger_shelf.LedgerShelf()
    shared = shelf.ledger(("review", 1), _finished_ledger)
    failed = shelf.view(shared, "failed", 1, lambda: review.failed_frame(shared))
    snapshot = failed.copy()
    edited = review.with_edits(failed, {0: {"resubmit": False, "new_url": "https://cdn.example.com/new.mp4"}})
    edited = edited.sort_values("name", ascending=False)  # a session sorting its view, then typing in it
    edited.loc[edited.index[0], "name"] = "renamed"
    shown = review.failed_editable(failed, photos=False)
    shown.loc[shown.index[0], "new_url"] = "typed"
    assert failed.equals(snapshot) and "new_url" not in failed.columns
    assert shelf.view(shared, "failed", 1, lambda: pytest.fail("built again")) is failed


def test_a_shared_ledger_refuses_changes_and_a_private_copy_takes_them():
    shelf = ledger_shelf.LedgerShelf()
    shared = shelf.ledger(("review", 1), _finished_ledger)
    with pytest.raises(SharedLedgerError):
        shared.stage_retry([(1, "https://cdn.example.com/again.mp4")], "send-key")
    assert len(shared.assets[1].attempts) == 1, "refused before anything changed"
    own = ledger_shelf.private_copy(shared)
    own.stage_retry([(1, "https://cdn.example.com/again.mp4")], "send-key")
    assert len(own.assets[1].attempts) == 2 and len(shared.assets[1].attempts) == 1
    assert shelf.ledger(("review", 1), lambda: pytest.fail("loaded again")) is shared


def test_an_unfinished_review_is_not_shared():
    shelf = ledger_shelf.LedgerShelf()
    pending = _finished_ledger()
    next(iter(pending.tasks.values())).final = False
    assert shelf.ledger(("review", 1), lambda: pending) is pending
    assert not ledger_shelf.is_shared(pending) and shelf.held() == 0


def test_a_finishing_poll_moves_the_key_and_sessions_keep_their_copy(at, new_session, sandbox, db):
    group_id = verified(at, sandbox)
    sent_and_reviewed(at, GOOD[:2])
    store = kept(db, sandbox)
    viewer = open_page(new_session(), "review")
    old = workflow(viewer).ledger
    assert ledger_shelf.is_shared(old) and old.shared_as == ledger_shelf.key_for(store, group_id)

    control(sandbox, "config", timing="realistic", video_review_seconds=0.5)
    open_page(at, "submit")
    paste(at, GOOD[2:4])
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    sent = ledger_shelf.key_for(store, group_id)
    assert sent != old.shared_as, "the send wrote the person's assets"
    open_page(at, "review")
    time.sleep(0.6)
    at.run()
    assert not workflow(at).ledger.pending_task_ids(), "the poll finished the review"
    finished = ledger_shelf.key_for(store, group_id)
    assert finished != sent, "the finishing poll's save gives a new key"

    later = open_page(new_session(), "review")
    new = workflow(later).ledger
    assert new is not old and new.shared_as == finished and new.counts()["usable"] == 4
    assert headings(later)[0] == "Approved (4)"
    viewer.run()  # the earlier session keeps the review as it was when it opened
    assert not viewer.exception, viewer.exception
    assert workflow(viewer).ledger is old and headings(viewer)[0] == "Approved (2)"


def _finished_ledger() -> AssetLedger:
    ledger = AssetLedger("group-20261201120000-share", "Video")
    rows = [(f"clip-{i}", f"https://cdn.example.com/share/{i}.mp4") for i in range(4)]
    ledger.add_submission(rows, [SubmittedTask("task_share", "processing", {})])
    task = ledger.tasks["task_share"]
    task.final, task.status, task.progress = True, "completed", 100
    for key, asset in ledger.assets.items():
        if key % 2:
            asset.current.status, asset.current.error_code = FAILED, "FaceMismatch"
        else:
            asset.current.status, asset.current.asset_url = USABLE, f"asset://asset-{key}"
    return ledger
