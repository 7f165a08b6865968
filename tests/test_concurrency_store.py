"""Two servers or two tabs writing the same send at once, on SQLite and on a real PostgreSQL: a send's
write-ahead rows are claimed once (migration 0007: one row per send key), the second writer gets the first's
row rather than an error, nothing either wrote is lost, and a ledger read before a row settled never puts it
back (tests/test_store.py has the registry's other tests on both dialects)."""

from __future__ import annotations

import multiprocessing
import threading

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text

from lib.apimart import SubmittedTask
from lib.ledger import FAILED, USABLE, AssetLedger
from lib.store.codes import AssetStatus
from lib.store.database import MIGRATIONS, Database
from lib.store.tables import assets, capture_links, videos
from lib.store.workspace import Store


def store(db: Database, key: str = "k") -> Store:
    return Store.for_connection(db, "sandbox", "http://x", key)


def at_once(*jobs):
    """Run the jobs on threads released together; their results in order (an exception is re-raised)."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        start.wait()
        try:
            results[i] = job()
        except Exception as error:  # handed back: a thread's exception would otherwise vanish
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


def record(db: Database, send_key: str) -> int:
    return store(db).videos.record(
        prompt="wave", model="m", assets=["asset://a"], params={}, task_id=None, status="submitting",
        group_id="group-1", send_key=send_key,
    )  # fmt: skip


def test_one_video_send_recorded_by_two_servers_at_once_is_one_row(registry_target):
    first, second = Database(registry_target), Database(registry_target)  # two servers' engines
    for n in range(10):
        key = f"send-{n}"
        a, b = at_once(lambda k=key: record(first, k), lambda k=key: record(second, k))
        assert a == b, "the second writer gets the first's row"
    c = videos.c
    assert sorted(r[0] for r in first.rows(select(c.send_key))) == sorted(f"send-{n}" for n in range(10))
    kept = first.scalar(select(c.id).where(c.send_key == "send-3"))
    assert record(first, "send-3") == kept, "and so does a later rerun"
    record(first, "")  # requests without a key are never merged
    record(first, "")
    assert len(store(first).videos.all()) == 12
    theirs = store(first, "other").videos.record(
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", send_key="send-3"
    )
    assert theirs != kept, "a key claims a send in its own scope only"


def _record_in_process(url: str, keys: list[str], start) -> list[int]:
    start.wait()
    db = Database(url)
    ids = [record(db, k) for k in keys]
    db.close()
    return ids


def test_two_processes_recording_the_same_sends_keep_one_row_each(pg_url):
    Database(pg_url).close()  # the schema first, as a deployment's first server makes it
    keys = [f"send-{n}" for n in range(20)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(2)
        with context.Pool(2) as pool:
            a, b = pool.starmap(_record_in_process, [(pg_url, keys, start), (pg_url, keys[::-1], start)])
    assert a == b[::-1], "each send's one row, whichever process wrote it first"
    db = Database(pg_url)
    assert sorted(r[0] for r in db.rows(select(videos.c.send_key))) == sorted(keys)


def failed_once(db: Database) -> None:
    ledger = AssetLedger("group-1", "Image")
    ledger.add_submission([("a", "https://x.example/a.png")], [SubmittedTask("task_1", "processing", {})])
    ledger.tasks["task_1"].final = True
    ledger.assets[0].current.status = FAILED
    store(db).people.save("group-1", "Lin")
    store(db).assets.save_ledger(ledger)


def attempts(db: Database) -> list[tuple]:
    c = assets.c
    return db.rows(select(c.attempt, c.send_key, c.status, c.is_latest).order_by(c.asset_key, c.attempt))


def test_two_tabs_retrying_one_asset_at_once_claim_it_once(registry_target):
    first, second = Database(registry_target), Database(registry_target)
    failed_once(first)
    tab_a = store(first).assets.load_ledger("group-1")
    tab_b = store(second).assets.load_ledger("group-1")
    tab_a.stage_retry([(0, "https://x.example/a2.png")], "key-a")
    tab_b.stage_retry([(0, "https://x.example/a3.png")], "key-b")

    lost_a, lost_b = at_once(
        lambda: store(first).assets.save_ledger(tab_a), lambda: store(second).assets.save_ledger(tab_b)
    )
    assert sorted([lost_a, lost_b], key=len) == [set(), {(0, 2)}], "one claim wins, the other is told"
    winner, loser = ("key-a", tab_b) if not lost_a else ("key-b", tab_a)
    assert attempts(first) == [(1, None, "failed", 0), (2, winner, "sending", 1)]

    # The loser takes its attempt back (nothing was sent) and saves: the winner's row stays current.
    loser_key = "key-b" if winner == "key-a" else "key-a"
    loser.unstage(loser_key)
    store(second).assets.forget_attempts("group-1", loser_key)
    assert store(second).assets.save_ledger(loser) == set()
    assert attempts(first) == [(1, None, "failed", 0), (2, winner, "sending", 1)]


def test_a_ledger_read_before_a_send_settled_never_puts_it_back(registry_target):
    server_a, server_b = Database(registry_target), Database(registry_target)
    failed_once(server_a)
    sending = store(server_a).assets.load_ledger("group-1")
    sending.stage_retry([(0, "https://x.example/a2.png")], "key-a")
    store(server_a).assets.save_ledger(sending)  # written ahead
    stale = store(server_b).assets.load_ledger("group-1")  # B reads it mid-send: "unknown" to B
    assert stale.assets[0].status == AssetStatus.UNKNOWN
    sending.confirm("key-a", SubmittedTask("task_2", "processing", {}))
    store(server_a).assets.save_ledger(sending)  # answered: under review
    store(server_b).assets.save_ledger(stale, everything=True)  # B's stale view, written whole
    assert attempts(server_a) == [(1, None, "failed", 0), (2, "key-a", "pending", 1)]
    (row,) = store(server_a).assets.table(["task_id"], "group-1")
    assert row == ("task_2",), "the answer's task id is kept"


def test_an_older_database_with_a_send_written_twice_keeps_both_rows(registry_target):
    url = registry_target if isinstance(registry_target, str) else f"sqlite:///{registry_target}"
    engine = create_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0006")
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO videos (scope, prompt, model, status, created_at, send_key) "
                    "VALUES ('s', :prompt, 'm', 'submitting', 0, 'same')"
                ),
                {"prompt": f"p{n}"},
            )
    engine.dispose()
    db = Database(registry_target)
    c = videos.c
    assert db.rows(select(c.prompt, c.send_key).order_by(c.id)) == [("p1", "same"), ("p2", None)]


def test_two_tabs_opening_a_phone_link_for_one_person_at_once_leave_one_open(registry_target):
    first, second = Database(registry_target), Database(registry_target)
    store(first).people.save("group-1", "Lin")
    for _ in range(10):
        at_once(
            lambda: store(first).captures.open("group-1", "Lin", 600),
            lambda: store(second).captures.open("group-1", "Lin", 600),
        )
        c = capture_links.c
        still_open = first.rows(select(c.id).where(c.group_id == "group-1", c.closed_at.is_(None)))
        assert len(still_open) == 1, "one phone link per person at a time"
    assert store(second).captures.current("group-1").id == still_open[0].id


def test_a_tab_that_missed_the_review_end_never_opens_it_again(registry_target):
    server_a, server_b = Database(registry_target), Database(registry_target)
    ledger = AssetLedger("group-1", "Image")
    ledger.add_submission([("a", "https://x.example/a.png")], [SubmittedTask("task_1", "processing", {})])
    store(server_a).people.save("group-1", "Lin")
    store(server_a).assets.save_ledger(ledger)
    stale = store(server_b).assets.load_ledger("group-1")  # B's tab, opened while under review
    ledger.tasks["task_1"].final = True
    ledger.assets[0].current.status, ledger.assets[0].current.asset_url = USABLE, "asset://a"
    store(server_a).assets.save_ledger(ledger, everything=True)  # A's poll saw the review end
    stale.tasks["task_1"].status = "processing"  # B polls, a moment behind, and saves its view whole
    store(server_b).assets.save_ledger(stale, everything=True)
    assert attempts(server_a) == [(1, None, "usable", 1)]
    assert store(server_a).assets.groups_with_open_reviews() == [], "the review stays ended"
