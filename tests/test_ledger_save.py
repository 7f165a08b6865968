"""Saving a review writes only what changed (issue 14): the flow against the sandbox over HTTP with a real
SQLite store, every statement the store sends counted by a SQLAlchemy event listener on its engine. A poll
that finishes one task writes that task's rows in one write transaction, whatever the size of the review;
what is stored is what a save of the whole ledger would store."""

from __future__ import annotations

import copy
import re
import threading
import time

import pytest
import requests
from sqlalchemy import event

from lib import flow
from lib.apimart import ApimartClient
from lib.assets import AssetRow, check_rows
from lib.ledger import FAILED, UNKNOWN, AssetLedger
from lib.store.codes import AssetStatus
from lib.store.database import Database
from lib.store.workspace import Store

# Every test on SQLite files and again on PostgreSQL (conftest: both_dialects).
pytestmark = pytest.mark.usefixtures("both_dialects")

REAL_AVATAR = "/v1/seedance2/real-avatar"
WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


class Writes:
    """Rows inserted or upserted per table, UPDATE and DELETE statements per table, and write transactions
    begun, as the driver receives them (an executemany counts one row per parameter set)."""

    def __init__(self, engine) -> None:
        self.engine, self.rows, self.others, self.statements, self.transactions = engine, {}, {}, [], 0
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "begin", self._begun)

    def _begun(self, conn) -> None:
        # A write transaction (Database.write) on any dialect: SQLite's BEGIN IMMEDIATE, PostgreSQL's BEGIN.
        if conn.get_execution_options().get("writing"):
            self.transactions += 1

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        found = WRITE.match(statement)
        if found:
            table = found.group(2)
            if found.group(1).upper().startswith("INSERT"):
                self.rows[table] = self.rows.get(table, 0) + (len(parameters) if executemany else 1)
            else:
                self.others[table] = self.others.get(table, 0) + 1
            self.statements.append((table, statement, parameters))

    def clear(self) -> None:
        self.rows, self.others, self.statements, self.transactions = {}, {}, [], 0

    def keys_written(self) -> set[int]:
        """asset_key of every assets row upserted (SQLite's parameters are positional: found by the column's
        place; psycopg's are named)."""
        keys = set()
        for table, statement, parameters in self.statements:
            if table != "assets" or not statement.lstrip().upper().startswith("INSERT"):
                continue
            columns = [c.strip().strip('"') for c in statement.split("(", 1)[1].split(")", 1)[0].split(",")]
            at = columns.index("asset_key")
            keys |= {p["asset_key"] if isinstance(p, dict) else p[at] for p in parameters}  # PostgreSQL: by name
        return keys

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
        event.remove(self.engine, "begin", self._begun)


def control(sandbox, path, **payload):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/{path}", json=payload or None, timeout=5)
    answer.raise_for_status()


@pytest.fixture
def client(sandbox, api_key):
    with ApimartClient(api_key, sandbox.base_url, sleep=lambda s: None) as c:
        yield c


@pytest.fixture
def store(sandbox, api_key, db):
    return Store.for_connection(db, "sandbox", sandbox.base_url, api_key)


@pytest.fixture
def ledger(sandbox, client, store):
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    control(sandbox, f"h5/{attempt.byted_token}/approve")
    attempt.confirm_by_operator()
    return AssetLedger(flow.finish_verification(client, attempt, label="Ana", store=store), "Video")


@pytest.fixture
def writes(db):
    counted = Writes(db.engine)
    yield counted
    counted.close()


def rows(n, prefix="clip", fail_every=0):
    """n clip URLs; every `fail_every`th one fails its review (FaceMismatch)."""
    return [
        AssetRow(
            f"https://cdn.example.com/{prefix}-{i}{'-mismatch' if fail_every and i % fail_every == 0 else ''}.mp4"
        )
        for i in range(n)
    ]


def submit(client, ledger, store, assets) -> list[int]:
    outcome = flow.submit_rows(client, ledger, check_rows(assets, "Video"), "Video", store=store)
    assert outcome.error is None
    return outcome.sent_keys


def finish(client, ledger, store) -> None:
    while ledger.pending_task_ids():
        assert flow.poll_reviews(client, ledger, store=store) == []


def stored(store, group_id) -> list[tuple]:
    """Every stored attempt and review task of a group, as a full save would leave them: without row ids and
    times (a replacement link is read as the (key, attempt) it points at)."""
    attempts = store.assets.rows(group_id, latest_only=False)
    by_id = {r["id"]: (r["asset_key"], r["attempt"]) for r in attempts}
    skip = {"id", "updated_at", "replaces_id", "label", "scope"}  # a file's scope has its own salt
    found = [
        tuple(sorted((k, v) for k, v in r.items() if k not in skip)) + (by_id.get(r["replaces_id"]),)
        for r in attempts
    ]
    ledger = store.assets.load_ledger(group_id)
    tasks = [(t.task_id, t.status, t.final, t.asset_type, tuple(t.asset_keys)) for t in ledger.tasks.values()]
    return found + tasks


def test_a_poll_that_finishes_one_task_writes_only_that_tasks_rows(client, ledger, store, writes):
    submit(client, ledger, store, rows(180, "first", fail_every=4))  # nine tasks
    finish(client, ledger, store)
    writes.clear()
    keys = submit(client, ledger, store, rows(20, "last", fail_every=3))  # a tenth
    # Written ahead (the 20 new rows), then confirmed with their task: 20 rows each time, never 200.
    assert writes.rows["assets"] == 40 and writes.keys_written() == set(keys)
    (task_id,) = ledger.pending_task_ids()
    writes.clear()

    assert flow.poll_reviews(client, ledger, store=store) == []

    assert ledger.tasks[task_id].final and len(ledger.assets) == 200
    assert writes.keys_written() == set(keys)
    assert writes.rows.get("assets") == 20, "the finished task's 20 attempts, not the review's 200"
    assert writes.rows.get("review_tasks") == 1, "the finished task's row only"
    assert writes.transactions == 1, "one write transaction"
    assert "assets" not in writes.others, "no replacement links to make: none of them was retried"
    counts = store.people.find()[0]
    assert (counts.usable, counts.failed, counts.pending) == (135 + 13, 45 + 7, 0)


def test_a_poll_that_changes_nothing_writes_nothing(client, ledger, store, writes):
    submit(client, ledger, store, rows(40))
    finish(client, ledger, store)
    writes.clear()
    store.assets.save_ledger(ledger)
    assert writes.rows == {} and writes.transactions == 0


def test_a_resubmission_writes_the_retried_assets_and_links_their_attempts(client, ledger, store, writes):
    submit(client, ledger, store, rows(100, fail_every=10))
    finish(client, ledger, store)
    failed = [a.key for a in ledger.by_status(FAILED)]
    assert len(failed) == 10
    writes.clear()
    replacements = {k: f"https://cdn.example.com/again-{k}.mp4" for k in failed[:3]}
    outcome = flow.resubmit(client, ledger, replacements, store=store)
    assert outcome.error is None
    finish(client, ledger, store)

    assert writes.keys_written() == set(failed[:3])
    # Three saves (written ahead, confirmed, finished), each of both attempts of the three assets: the
    # earlier attempt stops being the current one.
    assert writes.rows["assets"] == 3 * 6 and writes.rows["review_tasks"] == 2
    history = store.assets.rows(ledger.group_id, latest_only=False)
    by_id = {r["id"]: r for r in history}
    for key in failed[:3]:
        first, second = sorted((r for r in history if r["asset_key"] == key), key=lambda r: r["attempt"])
        assert (first["is_latest"], second["is_latest"]) == (0, 1)
        assert by_id[second["replaces_id"]] is first
        assert second["source_url"] == replacements[key] and second["status"] == "usable"
    counts = store.people.find()[0]
    assert (counts.usable, counts.failed) == (93, 7)


def test_incremental_saves_store_what_a_whole_save_stores(sandbox, client, ledger, store, tmp_path, api_key):
    """Every way the ledger changes, saved change by change, reads back after each step as the same ledger
    saved whole into a fresh file: submissions, a lost answer (unknown), sending again, putting back, a
    resubmission with a new name, and a task APIMart forgot."""
    files = iter(range(100))

    def same_as_whole() -> None:
        whole_db = Database(tmp_path / f"whole-{next(files)}.db")
        try:
            whole = Store.for_connection(whole_db, "sandbox", sandbox.base_url, api_key)
            # A copy, never saved there: every row (the ledger itself keeps its last save, to `store`).
            whole.assets.save_ledger(copy.deepcopy(ledger))
            assert stored(store, ledger.group_id) == stored(whole, ledger.group_id)
        finally:
            whole_db.close()

    submit(client, ledger, store, rows(45, fail_every=5))
    same_as_whole()
    finish(client, ledger, store)
    same_as_whole()
    # An answer lost after the sandbox carried the request out: its assets are unknown.
    control(sandbox, "faults", route=REAL_AVATAR, method="POST", after=True, status=500, selector="group_id")
    lost = flow.submit_rows(client, ledger, check_rows(rows(3, "lost"), "Video"), "Video", store=store)
    assert sorted(lost.unknown_keys) == [45, 46, 47] and ledger.assets[45].status == UNKNOWN
    control(sandbox, "faults", route=REAL_AVATAR, method="POST", after=True, status=500, selector="group_id")
    flow.submit_rows(client, ledger, check_rows(rows(2, "dropped"), "Video"), "Video", store=store)
    same_as_whole()
    (again, dropped) = list(ledger.unsettled_sends())
    assert flow.send_again(client, ledger, again, store=store).error is None
    same_as_whole()
    flow.put_back(ledger, dropped, store=store)  # the two new assets disappear
    same_as_whole()
    failed = [a.key for a in ledger.by_status(FAILED)]
    # A retry whose answer was lost, put back: the asset reads as before it (its first attempt current).
    control(sandbox, "faults", route=REAL_AVATAR, method="POST", after=True, status=500, selector="group_id")
    flow.resubmit(client, ledger, {failed[5]: "https://cdn.example.com/taken-back.mp4"}, store=store)
    same_as_whole()
    ((taken_back, _),) = ledger.unsettled_sends().items()
    flow.put_back(ledger, taken_back, store=store)
    assert len(ledger.assets[failed[5]].attempts) == 1
    same_as_whole()
    flow.resubmit(
        client,
        ledger,
        {k: f"https://cdn.example.com/other-{k}.mp4" for k in failed[:4]},
        names={failed[0]: "renamed"},
        store=store,
    )
    same_as_whole()
    finish(client, ledger, store)
    same_as_whole()
    # A task that APIMart no longer knows: polled by another key, it answers 404 until it counts as lost.
    flow.resubmit(client, ledger, {failed[4]: "https://cdn.example.com/forgotten.mp4"}, store=store)
    (forgotten,) = ledger.pending_task_ids()
    with ApimartClient("sk-another-key-000000000000", sandbox.base_url, sleep=lambda s: None) as stranger:
        while ledger.pending_task_ids():
            flow.poll_reviews(stranger, ledger, store=store)
    assert ledger.tasks[forgotten].status == "not found"
    same_as_whole()
    assert len(store.assets.rows(ledger.group_id, latest_only=False)) == 45 + 3 + 5


def unsettled_while_sending(store, send) -> tuple[list[dict], dict[int, str]]:
    """What the store lists as "may have been sent" once a row reads "sending" while `send` waits on its POST
    (held back 1 s), and the stored status of each unsettled asset then."""
    sender = threading.Thread(target=send)
    sender.start()
    seen, statuses = [], {}
    deadline = time.monotonic() + 5
    while "sending" not in statuses.values() and time.monotonic() < deadline:
        # The rows first, then the list: once a row reads "sending" the list read after it holds its send
        # (read the other way round, the write-ahead could land between the two reads).
        statuses = {
            r["asset_key"]: r["status"] for r in store.assets.rows() if r["status"] in ("sending", "unknown")
        }
        seen = store.assets.unsettled_sends()
        time.sleep(0.02)
    sender.join(timeout=10)
    return seen, statuses


def test_a_retry_is_on_disk_with_its_key_while_its_post_is_in_flight(sandbox, client, ledger, store):
    """Only the changed rows are written ahead, and they are: a resubmission's and a send again's."""
    submit(client, ledger, store, rows(40, fail_every=10))
    finish(client, ledger, store)
    control(sandbox, "faults", route=REAL_AVATAR, method="POST", latency=1.0, count=1, selector="group_id")
    replacements = {0: "https://cdn.example.com/zero-again.mp4", 10: "https://cdn.example.com/ten-again.mp4"}
    seen, statuses = unsettled_while_sending(
        store, lambda: flow.resubmit(client, ledger, replacements, store=store)
    )
    assert [(s["assets"], s["names"]) for s in seen] == [(2, "zero-again, ten-again")]
    assert statuses == {0: "sending", 10: "sending"}
    finish(client, ledger, store)

    control(sandbox, "faults", route=REAL_AVATAR, method="POST", after=True, status=500, selector="group_id")
    flow.resubmit(client, ledger, {20: "https://cdn.example.com/twenty-again.mp4"}, store=store)
    ((send_key, _),) = ledger.unsettled_sends().items()
    control(sandbox, "faults", route=REAL_AVATAR, method="POST", latency=1.0, count=1, selector="group_id")
    assert store.assets.rows(ledger.group_id)[20]["status"] == "unknown"
    seen, statuses = unsettled_while_sending(
        store, lambda: flow.send_again(client, ledger, send_key, store=store)
    )
    assert [(s["send_key"], s["names"]) for s in seen] == [(send_key, "twenty-again")]
    assert statuses == {20: "sending"}, "written ahead again, as being sent"
    row = next(r for r in store.assets.rows(ledger.group_id) if r["asset_key"] == 20)
    assert row["status"] == "pending" and row["send_key"] == send_key


def test_a_review_resumed_after_a_restart_writes_only_what_changes(
    sandbox, client, ledger, store, api_key, tmp_path
):
    submit(client, ledger, store, rows(100))
    finish(client, ledger, store)
    # The app stopped mid-send: its rows were written ahead and never answered.
    stranded = ledger.stage_new([("a", "https://cdn.example.com/stranded-a.mp4")], "key-stranded", "Video")
    store.assets.save_ledger(ledger)
    submit(client, ledger, store, rows(20, "open"))  # a task still to finish when the app restarts
    (open_task,) = ledger.pending_task_ids()

    # A new process: its own Database on the same file, the ledger rebuilt from the rows.
    restarted = Database(tmp_path / "registry.db")
    counted = Writes(restarted.engine)
    try:
        again = Store.for_connection(restarted, "sandbox", sandbox.base_url, api_key)
        resumed = again.assets.load_ledger(ledger.group_id)
        assert resumed.pending_task_ids() == [open_task]
        assert resumed.assets[stranded[0]].status == UNKNOWN
        assert flow.poll_reviews(client, resumed, store=again) == []
        # The finished task's 20 rows, and the stranded row now stored as read (unknown, not sending).
        assert counted.keys_written() == set(resumed.tasks[open_task].asset_keys) | set(stranded)
        assert counted.rows["assets"] == 21 and counted.rows["review_tasks"] == 1
        assert counted.transactions == 1
        row = next(r for r in again.assets.rows(ledger.group_id) if r["asset_key"] == stranded[0])
        assert row["status"] == AssetStatus.UNKNOWN
        assert again.people.find()[0].usable == 120
    finally:
        counted.close()
        restarted.close()


def test_a_ledger_saved_elsewhere_is_written_whole(sandbox, client, ledger, store, api_key, tmp_path):
    submit(client, ledger, store, rows(30))
    finish(client, ledger, store)
    elsewhere_db = Database(tmp_path / "elsewhere.db")
    counted = Writes(elsewhere_db.engine)
    try:
        elsewhere = Store.for_connection(elsewhere_db, "sandbox", sandbox.base_url, api_key)
        elsewhere.assets.save_ledger(ledger)
        assert counted.rows["assets"] == 30 and counted.rows["review_tasks"] == 2
        # Back to the first store: nothing changed since it was saved there... but it was saved elsewhere
        # since, so it is written whole (the ledger remembers only its last save).
        counted_first = Writes(store.db.engine)
        try:
            store.assets.save_ledger(ledger)
            assert counted_first.rows["assets"] == 30
        finally:
            counted_first.close()
    finally:
        counted.close()
        elsewhere_db.close()


def test_a_save_that_fails_is_written_whole_the_next_time(client, ledger, store, db, writes):
    submit(client, ledger, store, rows(40, fail_every=2))
    finish(client, ledger, store)
    flow.resubmit(client, ledger, {k: f"https://cdn.example.com/r-{k}.mp4" for k in (0, 2, 4)}, store=store)
    keys = {0, 2, 4}

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO REVIEW_TASKS"):
            raise RuntimeError("the disk is full")

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(Exception, match="the disk is full"):
            flow.poll_reviews(client, ledger, store=store)
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert not ledger.pending_task_ids(), "finished in memory"
    assert store.assets.groups_with_open_reviews() == [ledger.group_id], "the failed save left nothing"
    writes.clear()
    store.assets.save_ledger(ledger)
    assert writes.keys_written() == keys and writes.rows["review_tasks"] == 1
    assert store.assets.groups_with_open_reviews() == []
    assert store.people.find()[0].usable == 23


def test_an_unchanged_assets_row_keeps_the_time_it_last_changed(sandbox, client, ledger, api_key, tmp_path):
    now = [1000.0]
    timed_db = Database(tmp_path / "timed.db", clock=lambda: now[0])
    try:
        timed = Store.for_connection(timed_db, "sandbox", sandbox.base_url, api_key)
        submit(client, ledger, timed, rows(40, fail_every=40))  # two tasks; the first asset fails
        now[0] = 2000.0
        finish(client, ledger, timed)
        now[0] = 3000.0
        flow.resubmit(client, ledger, {0: "https://cdn.example.com/zero.mp4"}, store=timed)
        times = {
            (r["asset_key"], r["attempt"]): r["updated_at"] for r in timed.assets.rows(latest_only=False)
        }
        assert times[(0, 1)] == times[(0, 2)] == 3000.0
        assert {t for (k, _), t in times.items() if k != 0} == {2000.0}
    finally:
        timed_db.close()
