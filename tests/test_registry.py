"""The registry store: migrations from an older file, isolation between keys and modes, write-ahead
intents, the ledger round trip, and concurrent writers."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from lib.apimart import SubmittedTask
from lib.ledger import FAILED, USABLE, AssetLedger
from lib.registry import MIGRATIONS, SCHEMA_VERSION, UNKNOWN_OUTCOME, Registry


def test_fresh_file_gets_the_current_schema(tmp_path):
    registry = Registry(tmp_path / "fresh.db")
    assert registry.schema_version() == SCHEMA_VERSION
    assert sqlite3.connect(tmp_path / "fresh.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_older_file_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    # A file written by the first release: schema version 1 only.
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO meta VALUES ('salt', 'oldsalt')")
    conn.execute(
        "INSERT INTO people (scope, group_id, label, mode, created_at) VALUES ('sandbox|http://x|abc', 'group-1', 'Lin', 'sandbox', 1)"
    )
    conn.commit()
    conn.close()

    registry = Registry(path)
    assert registry.schema_version() == SCHEMA_VERSION
    rows = registry._read("SELECT group_id, label, notes FROM people")
    assert [tuple(r) for r in rows] == [("group-1", "Lin", "")]
    # Reopening an up-to-date file changes nothing.
    assert Registry(path).schema_version() == SCHEMA_VERSION


def test_keys_and_modes_never_see_each_other(tmp_path):
    registry = Registry(tmp_path / "r.db")
    alice = registry.scope_for("live", "https://api.apimart.ai", "sk-alice")
    bob = registry.scope_for("live", "https://api.apimart.ai", "sk-bob")
    sandbox = registry.scope_for("sandbox", "http://127.0.0.1:1/sandbox", "sk-alice")
    registry.save_person(alice, "group-a", "Alice's person")
    registry.save_person(bob, "group-b", "Bob's person")
    registry.save_person(sandbox, "group-s", "Demo")
    assert [p.group_id for p in registry.people(alice)] == ["group-a"]
    assert [p.group_id for p in registry.people(bob)] == ["group-b"]
    assert [p.group_id for p in registry.people(sandbox)] == ["group-s"]


def test_the_key_is_never_stored(tmp_path):
    path = tmp_path / "r.db"
    registry = Registry(path)
    scope = registry.scope_for("live", "https://api.apimart.ai", "sk-canary-secret-9999")
    registry.save_person(scope, "group-a", "A")
    registry.begin_intent(scope, "submit", {"group_id": "group-a"})
    registry.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"sk-canary-secret-9999" not in raw and b"canary" not in raw


def test_write_ahead_intent_left_open_reads_as_unknown_outcome(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")
    done = registry.begin_intent(scope, "submit", {"group_id": "g", "assets": 3})
    registry.complete_intent(done, "sent: task_1")
    crashed = registry.begin_intent(scope, "submit", {"group_id": "g", "assets": 2})
    opened = registry.open_intents(scope)
    assert [i["id"] for i in opened] == [crashed]
    assert opened[0]["outcome"] == UNKNOWN_OUTCOME and opened[0]["detail"]["assets"] == 2


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


def test_ledger_round_trip_keeps_attempt_history(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")
    registry.save_person(scope, "group-1", "Lin")
    ledger = build_ledger()
    registry.save_ledger(scope, ledger)
    registry.save_ledger(scope, ledger)  # idempotent
    loaded = registry.load_ledger(scope, "group-1")
    assert loaded.asset_type == "Image"
    assert [len(a.attempts) for a in loaded.assets.values()] == [1, 2]
    assert loaded.assets[1].attempts[0].error_code == "FaceMismatch"
    assert loaded.pending_task_ids() == ["task_2"]
    assert registry.groups_with_open_reviews(scope) == ["group-1"]
    person = registry.people(scope)[0]
    assert (person.usable, person.failed, person.pending) == (1, 0, 1)
    history = registry.assets(scope, "group-1", latest_only=False)
    second = [r for r in history if r["attempt"] == 2][0]
    first = [r for r in history if r["asset_key"] == 1 and r["attempt"] == 1][0]
    assert second["replaces_id"] == first["id"]


def test_concurrent_writers_lose_no_rows(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")
    errors = []

    def writer(n: int) -> None:
        try:
            other = Registry(tmp_path / "r.db") if n % 2 else registry  # two handles, like two processes
            for i in range(50):
                other.save_person(scope, f"group-{n}-{i}", f"p{n}-{i}")
                other.begin_intent(scope, "submit", {"n": n, "i": i})
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(registry.people(scope)) == 300
    assert len(registry.open_intents(scope)) == 300


def test_videos_are_recorded_and_updated(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")
    vid = registry.record_video(
        scope,
        prompt="wave",
        model="doubao-seedance-2.0-face",
        assets=["asset://a"],
        params={"duration": 5},
        task_id=None,
        status="submitting",
    )
    registry.update_video(
        scope, vid, status="completed", task_id="task_9", video_url="http://x/v.mp4", expires_at=99
    )
    (video,) = registry.videos(scope)
    assert (
        video["task_id"] == "task_9"
        and video["assets"] == ["asset://a"]
        and video["params"] == {"duration": 5}
    )
    assert registry.videos(registry.scope_for("sandbox", "http://x", "other")) == []


def test_change_stamp_moves_on_any_write_from_any_handle(tmp_path):
    reader, writer = Registry(tmp_path / "r.db"), Registry(tmp_path / "r.db")
    scope = reader.scope_for("sandbox", "http://x", "k")
    before = reader.change_stamp()
    assert reader.change_stamp() == before, "reading does not move it"
    writer.save_person(scope, "group-1", "A")  # another handle (another process, in production)
    after = reader.change_stamp()
    assert after > before
    seen = []
    worker = threading.Thread(target=lambda: seen.append(reader.change_stamp()))  # a new script-run thread
    worker.start()
    worker.join()
    assert seen == [after]


def test_upgrade_marks_each_assets_current_attempt(tmp_path):
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (2)")
    conn.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1])
    conn.execute("INSERT INTO meta VALUES ('salt', 's')")
    for attempt, status in ((1, "failed"), (2, "usable")):
        conn.execute(
            "INSERT INTO assets (scope, group_id, asset_key, attempt, name, source_url, task_id, status, updated_at) "
            "VALUES ('s', 'g', 0, ?, 'a', 'https://x/a.mp4', 't', ?, 0)",
            (attempt, status),
        )
    conn.commit()
    conn.close()
    Registry(path)
    rows = sqlite3.connect(path).execute("SELECT attempt, is_latest FROM assets ORDER BY attempt").fetchall()
    assert rows == [(1, 0), (2, 1)]


def test_asset_table_reads_only_the_asked_columns_filtered_in_sql(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")
    registry.save_person(scope, "group-1", "Lin")
    registry.save_ledger(scope, build_ledger())
    other = AssetLedger("group-2", "Image")  # another person's assets never leak into group-1's table
    other.add_submission([("c", "https://x.example/c.png")], [SubmittedTask("task_3", "processing", {})])
    registry.save_ledger(scope, other)
    columns = ["label", "name", "attempt", "status", "asset_url"]

    assert registry.asset_table(scope, columns, "group-1") == [
        ("Lin", "a", 1, "usable", "asset://asset-a"),
        ("Lin", "b", 2, "pending", None),
    ]
    assert registry.asset_table(scope, ["name", "attempt"], "group-1", latest_only=False) == [
        ("a", 1),
        ("b", 1),
        ("b", 2),
    ]
    assert registry.asset_table(scope, ["name"], "group-1", latest_only=False, status=FAILED) == [("b",)]
    # No group: every group of the scope; a person never saved has no label.
    assert registry.asset_table(scope, ["group_id", "label", "name"]) == [
        ("group-1", "Lin", "a"),
        ("group-1", "Lin", "b"),
        ("group-2", None, "c"),
    ]
    assert registry.asset_table(registry.scope_for("sandbox", "http://x", "other"), ["name"]) == []
    with pytest.raises(ValueError, match="not asset columns"):
        registry.asset_table(scope, ["name", "1; DROP TABLE assets"])


def test_person_counts_read_the_covering_index_after_an_upgrade(tmp_path):
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (3)")
    conn.executescript(";".join(MIGRATIONS[:3]))
    conn.execute("INSERT INTO meta VALUES ('salt', 's')")
    conn.commit()
    conn.close()
    registry = Registry(path)
    scope = registry.scope_for("sandbox", "http://x", "k")
    registry.save_person(scope, "group-1", "Lin")
    registry.save_ledger(scope, build_ledger())
    # Counted from the index alone: no table row is read per asset.
    plan = " ".join(
        r[3]
        for r in registry._read(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM assets a WHERE a.scope = ? AND a.group_id = ? "
            "AND a.is_latest = 1 AND a.status = 'usable'",
            (scope.id, "group-1"),
        )
    )
    assert "COVERING INDEX assets_current" in plan
    (person,) = registry.people(scope)
    assert (person.usable, person.failed, person.pending) == (1, 0, 1)
    assert [p.group_id for p in registry.people(scope, "nobody")] == []


def test_unfinished_videos_are_those_sent_and_not_final(tmp_path):
    registry = Registry(tmp_path / "r.db")
    scope = registry.scope_for("sandbox", "http://x", "k")

    def video(status, task_id, in_scope=scope):
        return registry.record_video(
            in_scope,
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
    video("processing", "task_9", registry.scope_for("sandbox", "http://x", "another key"))

    found = registry.unfinished_videos(scope)
    assert [(v["id"], v["task_id"]) for v in found] == [(submitted, "task_1"), (processing, "task_2")]
    assert found[0]["assets"] == ["asset://a"] and found[0]["params"] == {"duration": 5}
    registry.update_video(scope, submitted, status="completed", video_url="http://x/v.mp4")
    assert [v["id"] for v in registry.unfinished_videos(scope)] == [processing]
