"""The store: a fresh file at Alembic's head in WAL mode, an older hand-migrated file upgraded in place with
its rows, isolation between keys and modes, write-ahead rows, the ledger round trip, concurrent writers. Every
test taking `registry_target` runs twice: on a SQLite file and on a real PostgreSQL database (conftest);
tests/test_store_postgres.py has PostgreSQL's own (its URLs, upgrades in place, pool, password)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select

from lib.apimart import SubmittedTask
from lib.ledger import FAILED, USABLE, AssetLedger
from lib.store.codes import AssetStatus, IntentOutcome, SubmissionStatus
from lib.store.database import MIGRATIONS as ALEMBIC_SCRIPTS
from lib.store.database import Database, database_url
from lib.store.legacy import LAST_VERSION, MIGRATIONS
from lib.store.tables import metadata
from lib.store.workspace import Store


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_SCRIPTS))
    return config

# The newest Alembic revision (the chain grows; tests compare with it, not with a number kept here).
HEAD = ScriptDirectory.from_config(_alembic_config()).get_current_head()


def store(db: Database, key: str = "k") -> Store:
    return Store.for_connection(db, "sandbox", "http://x", key)


def old_file(path, version: int) -> None:
    """A file as a release before Alembic left it: the hand-made migrations up to `version`."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
        conn.executescript(";".join(MIGRATIONS[:version]))
        conn.execute("INSERT INTO meta VALUES ('salt', 'oldsalt')")
        conn.commit()


def test_fresh_file_gets_the_current_schema_in_wal_mode(tmp_path):
    db = Database(tmp_path / "fresh.db")
    assert db.revision() == HEAD
    with closing(sqlite3.connect(tmp_path / "fresh.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_path_or_a_url(tmp_path, monkeypatch):
    assert database_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "env.db"))
    assert database_url() == f"sqlite:///{tmp_path / 'env.db'}"


def test_older_file_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old_file(path, 1)  # written by the first release
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO people (scope, group_id, label, mode, created_at) "
            "VALUES ('sandbox|http://x|abc', 'group-1', 'Lin', 'sandbox', 1)"
        )
        conn.execute(
            "INSERT INTO review_tasks (scope, group_id, task_id, asset_type, status) VALUES ('s', 'g', 't', 'Video', 'x')"
        )
        conn.commit()
    db = Database(path)
    assert db.revision() == HEAD
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT group_id, label, notes FROM people").fetchall() == [
            ("group-1", "Lin", "")
        ]
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (LAST_VERSION,)
        assert conn.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone() == ("oldsalt",)
        assert conn.execute("SELECT task_id, position FROM review_tasks").fetchall() == [("t", 1)]
    # Reopening an up-to-date file changes nothing.
    assert Database(path).revision() == HEAD


def test_upgrade_marks_each_assets_current_attempt(tmp_path):
    path = tmp_path / "v2.db"
    old_file(path, 2)
    with closing(sqlite3.connect(path)) as conn:
        for attempt, status in ((1, "failed"), (2, "usable")):
            conn.execute(
                "INSERT INTO assets (scope, group_id, asset_key, attempt, name, source_url, task_id, status, "
                "updated_at) VALUES ('s', 'g', 0, ?, 'a', 'https://x/a.mp4', 't', ?, 0)",
                (attempt, status),
            )
        conn.commit()
    Database(path)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT attempt, is_latest FROM assets ORDER BY attempt").fetchall()
    assert rows == [(1, 0), (2, 1)]


def test_keys_and_modes_never_see_each_other(registry_target):
    db = Database(registry_target)
    alice = Store.for_connection(db, "live", "https://api.apimart.ai", "sk-alice")
    bob = Store.for_connection(db, "live", "https://api.apimart.ai", "sk-bob")
    sandbox = Store.for_connection(db, "sandbox", "http://127.0.0.1:1/sandbox", "sk-alice")
    alice.people.save("group-a", "Alice's person")
    bob.people.save("group-b", "Bob's person")
    sandbox.people.save("group-s", "Demo")
    assert [p.group_id for p in alice.people.find()] == ["group-a"]
    assert [p.group_id for p in bob.people.find()] == ["group-b"]
    assert [p.group_id for p in sandbox.people.find()] == ["group-s"]


def test_the_key_is_never_stored(registry_target, tmp_path):
    db = Database(registry_target)
    live = Store.for_connection(db, "live", "https://api.apimart.ai", "sk-canary-secret-9999")
    live.people.save("group-a", "A")
    live.intents.begin("submit", {"group_id": "group-a"})
    # Every row of every table, as the database gives it back.
    everything = repr([db.rows(select(table)) for table in metadata.sorted_tables])
    assert "group-a" in everything and "canary" not in everything
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())  # SQLite's files, when any
    assert b"sk-canary-secret-9999" not in raw and b"canary" not in raw


def test_write_ahead_intent_left_open_reads_as_unknown_outcome(registry_target):
    intents = store(Database(registry_target)).intents
    done = intents.begin("submit", {"group_id": "g", "assets": 3})
    intents.complete(done, "sent: task_1")
    crashed = intents.begin("submit", {"group_id": "g", "assets": 2})
    opened = intents.open()
    assert [i["id"] for i in opened] == [crashed]
    assert opened[0]["outcome"] == IntentOutcome.UNKNOWN and opened[0]["detail"]["assets"] == 2


def build_ledger() -> AssetLedger:
    ledger = AssetLedger("group-1", "Image")
    ledger.add_submission(
        [("a", "https://x.example/a.png"), ("b", "https://x.example/b.png")],
        [SubmittedTask("task_1", "processing", {})],
    )
    ledger.tasks["task_1"].final = True
    ledger.assets[0].current.status, ledger.assets[0].current.asset_url = USABLE, "asset://asset-a"
    ledger.assets[1].current.status, ledger.assets[1].current.error_code = FAILED, "FaceMismatch"
    ledger.add_resubmission([(1, "https://x.example/b2.png")], [SubmittedTask("task_2", "processing", {})])
    return ledger


def test_ledger_round_trip_keeps_attempt_history(registry_target):
    s = store(Database(registry_target))
    s.people.save("group-1", "Lin")
    ledger = build_ledger()
    s.assets.save_ledger(ledger)
    s.assets.save_ledger(ledger)  # idempotent
    loaded = s.assets.load_ledger("group-1")
    assert loaded.asset_type == "Image" and list(loaded.tasks) == ["task_1", "task_2"]
    assert [len(a.attempts) for a in loaded.assets.values()] == [1, 2]
    assert loaded.assets[1].attempts[0].error_code == "FaceMismatch"
    assert loaded.pending_task_ids() == ["task_2"]
    assert s.assets.groups_with_open_reviews() == ["group-1"]
    person = s.people.find()[0]
    assert (person.usable, person.failed, person.pending) == (1, 0, 1)
    history = s.assets.rows("group-1", latest_only=False)
    second = [r for r in history if r["attempt"] == 2][0]
    first = [r for r in history if r["asset_key"] == 1 and r["attempt"] == 1][0]
    assert second["replaces_id"] == first["id"]


def test_a_write_ahead_row_reads_back_as_unknown_and_is_listed_until_forgotten(registry_target):
    s = store(Database(registry_target))
    s.people.save("group-1", "Lin")
    ledger = build_ledger()
    ledger.assets[1].current.status, ledger.assets[1].current.send_key = AssetStatus.SENDING, "key-1"
    s.assets.save_ledger(ledger)
    assert s.assets.load_ledger("group-1").assets[1].status == AssetStatus.UNKNOWN
    (send,) = s.assets.unsettled_sends()
    assert (send["group_id"], send["label"], send["send_key"], send["assets"], send["names"]) == (
        "group-1", "Lin", "key-1", 1, "b",
    )  # fmt: skip
    s.assets.forget_attempts("group-1", "key-1")
    assert s.assets.unsettled_sends() == []


def test_concurrent_writers_lose_no_rows(registry_target):
    db = Database(registry_target)
    errors = []

    def writer(n: int) -> None:
        try:
            other = store(Database(registry_target) if n % 2 else db)  # two engines, like two processes
            for i in range(50):
                other.people.save(f"group-{n}-{i}", f"p{n}-{i}")
                other.intents.begin("submit", {"n": n, "i": i})
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store(db).people.find()) == 300
    assert len(store(db).intents.open()) == 300


def test_videos_are_recorded_and_updated(registry_target):
    db = Database(registry_target)
    videos = store(db).videos
    vid = videos.record(
        prompt="wave",
        model="doubao-seedance-2.0-face",
        assets=["asset://a"],
        params={"duration": 5},
        task_id=None,
        status="submitting",
    )
    videos.update(vid, status="completed", task_id="task_9", video_url="http://x/v.mp4", expires_at=99)
    (video,) = videos.all()
    assert (
        video["task_id"] == "task_9"
        and video["assets"] == ["asset://a"]
        and video["params"] == {"duration": 5}
    )
    assert store(db, "other").videos.all() == []


def test_change_stamp_moves_on_any_write_from_any_handle(registry_target):
    reader, writer = Database(registry_target), Database(registry_target)
    before = reader.change_stamp()
    assert reader.change_stamp() == before, "reading does not move it"
    store(writer).people.save("group-1", "A")  # another engine (another process, in production)
    after = reader.change_stamp()
    assert after > before
    seen = []
    worker = threading.Thread(target=lambda: seen.append(reader.change_stamp()))  # a new script-run thread
    worker.start()
    worker.join()
    assert seen == [after]


def test_a_write_under_another_scope_leaves_this_scopes_stamp(registry_target):
    # Two handles on one file (two processes, in production): the Library of key-a caches its frames by its
    # own scope's stamp, so key-b's writes must not move it; key-a's own writes must.
    mine = store(Database(registry_target), "key-a")
    theirs = store(Database(registry_target), "key-b")
    other_mode = Store.for_connection(Database(registry_target), "live", "http://x", "key-a")
    mine.people.save("group-1", "Lin")
    before, person_before = mine.change_stamps(), mine.change_stamps("group-1")

    theirs.people.save("group-1", "Someone else")  # the same group id under another key
    theirs.assets.save_ledger(build_ledger())
    theirs.videos.record(prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting")
    other_mode.people.rename("group-1", "Live Lin")
    assert mine.change_stamps() == before and mine.change_stamps("group-1") == person_before
    assert mine.changes_since(before[0]) == {}

    mine.assets.save_ledger(build_ledger())
    assert mine.change_stamp() > before[0] and mine.change_stamps()[1] > before[1]
    assert mine.change_stamps("group-1")[1] > person_before[1]
    assert theirs.change_stamp() < mine.change_stamp(), "theirs did not move with mine"
    assert theirs.changes_since(theirs.change_stamp()) == {}


def test_a_write_to_another_person_leaves_this_persons_stamp(registry_target):
    db = Database(registry_target)
    s = store(db)
    s.people.save("group-1", "Lin")
    s.people.save("group-2", "Mei")
    since = s.change_stamp()
    lin, mei = s.change_stamps("group-1"), s.change_stamps("group-2")

    s.videos.record(
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id="group-2"
    )
    s.captures.open("group-2", "Mei", 60)
    assert s.change_stamps("group-1") == lin, "group-2's rows are not group-1's"
    assert s.change_stamps("group-2")[1] > mei[1]
    assert s.changes_since(since) == {"group-2": True}

    # A rename moves the person's stamp, not their photos' (nor the scope's items stamp).
    stamps, items = s.change_stamps(), s.change_stamps("group-1")
    s.people.rename("group-1", "Lin Wei")
    assert s.change_stamp() > stamps[0] and s.change_stamps()[1] == stamps[1]
    assert s.change_stamps("group-1") == (s.change_stamp(), items[1])
    assert s.changes_since(stamps[0]) == {"group-1": False}

    # A video, file or link changed by its id, or a submission's end, moves its person's stamps only.
    now = s.change_stamp()
    s.videos.update(1, status="completed")
    s.captures.close(s.captures.current("group-2").id)
    submission = s.submissions.start("group-2", "Image", 1)
    s.submissions.finish("group-2", submission, ["task-1"], SubmissionStatus.SENT)
    assert s.change_stamps("group-1")[1] == items[1] and s.changes_since(now) == {"group-2": True}
    assert s.submissions.all("group-2")[-1]["task_ids"] == ["task-1"]

    # A write that does not say whose rows it touched, or under which scope, moves everyone's.
    now = s.change_stamp()
    with s.videos.db.write() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert s.change_stamps("group-1")[1] > items[1] and s.changes_since(now) is None
    now = s.change_stamp()
    with db.write() as conn:  # no scope: e.g. the retention sweep, which crosses scopes
        conn.exec_driver_sql("SELECT 1")
    assert store(db, "any-key").change_stamp() > now and s.change_stamps("group-2")[1] > now
    assert s.changes_since(now) is None


def test_asset_table_reads_only_the_asked_columns_filtered_in_sql(registry_target):
    db = Database(registry_target)
    s = store(db)
    s.people.save("group-1", "Lin")
    s.assets.save_ledger(build_ledger())
    other = AssetLedger("group-2", "Image")  # another person's assets never leak into group-1's table
    other.add_submission([("c", "https://x.example/c.png")], [SubmittedTask("task_3", "processing", {})])
    s.assets.save_ledger(other)
    columns = ["label", "name", "attempt", "status", "asset_url"]

    assert s.assets.table(columns, "group-1") == [
        ("Lin", "a", 1, "usable", "asset://asset-a"),
        ("Lin", "b", 2, "pending", None),
    ]
    assert s.assets.table(["name", "attempt"], "group-1", latest_only=False) == [("a", 1), ("b", 1), ("b", 2)]
    assert s.assets.table(["name"], "group-1", latest_only=False, status=FAILED) == [("b",)]
    # No group: every group of the scope; a person never saved has no label.
    assert s.assets.table(["group_id", "label", "name"]) == [
        ("group-1", "Lin", "a"),
        ("group-1", "Lin", "b"),
        ("group-2", None, "c"),
    ]
    assert store(db, "other").assets.table(["name"]) == []
    with pytest.raises(ValueError, match="not asset columns"):
        s.assets.table(["name", "1; DROP TABLE assets"])


def test_person_counts_read_the_covering_index_after_an_upgrade(tmp_path):
    path = tmp_path / "v3.db"
    old_file(path, 3)
    s = store(Database(path))
    s.people.save("group-1", "Lin")
    s.assets.save_ledger(build_ledger())
    # Counted from the index alone: no table row is read per asset.
    with closing(sqlite3.connect(path)) as conn:
        plan = " ".join(
            r[3]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM assets a WHERE a.scope = ? AND a.group_id = ? "
                "AND a.is_latest = 1 AND a.status = 'usable'",
                (s.scope.id, "group-1"),
            )
        )
    assert "COVERING INDEX assets_current" in plan
    (person,) = s.people.find()
    assert (person.usable, person.failed, person.pending) == (1, 0, 1)
    assert [p.group_id for p in s.people.find("nobody")] == []
    assert [p.group_id for p in s.people.find("LIN")] == ["group-1"], "any case, as SQLite's LIKE did"


def test_last_person_is_per_connection_and_written_only_when_it_changes(registry_target):
    db = Database(registry_target)
    mine, theirs = store(db, "key-a").people, store(db, "key-b").people
    assert mine.last() is None
    mine.remember_last("group-1")
    stamp = db.change_stamp()
    mine.remember_last("group-1")
    assert db.change_stamp() == stamp, "an unchanged person is not written again"
    assert mine.last() == "group-1" and theirs.last() is None
    assert store(Database(registry_target), "key-a").people.last() == "group-1", "kept in the file"


def test_unfinished_videos_are_those_sent_and_not_final(registry_target):
    db = Database(registry_target)
    videos = store(db).videos

    def video(status, task_id, repository=videos):
        return repository.record(
            prompt=f"p-{status}",
            model="doubao-seedance-2.0-face",
            assets=["asset://a"],
            params={"duration": 5},
            task_id=task_id,
            status=status,
            group_id="group-1",
        )

    submitted, processing = video("submitted", "task_1"), video("processing", "task_2")
    video("submitting", None)  # cut off during its POST: nothing to poll
    for n, status in enumerate(("completed", "failed", "cancelled"), start=3):
        video(status, f"task_{n}")
    video("not sent", None)
    video("processing", "task_9", store(db, "another key").videos)

    found = videos.unfinished()
    assert [(v["id"], v["task_id"]) for v in found] == [(submitted, "task_1"), (processing, "task_2")]
    assert found[0]["assets"] == ["asset://a"] and found[0]["params"] == {"duration": 5}
    videos.update(submitted, status="completed", video_url="http://x/v.mp4")
    assert [v["id"] for v in videos.unfinished()] == [processing]
    # Stored as "submitting"; read back as unknown, since nobody knows whether that POST arrived.
    assert [v["status"] for v in videos.unsettled()] == ["unknown"]
