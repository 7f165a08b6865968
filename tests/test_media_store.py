"""The media and capture-link repositories: the migration reaches the tables as declared, the same file twice
is one row (also when two uploads race), scopes never see each other, the route's scope-free lookup finds
only ready rows, and a capture token opens its link only while it is open (only its hash is stored)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select

from lib.store.captures import resolve_capture, token_hash
from lib.store.database import MIGRATIONS, Database, Scope
from lib.store.media import (
    DELETED,
    READY,
    REFUSED,
    STALE_REVIEW_SECONDS,
    MediaRow,
    media_by_key,
    media_to_sweep,
)
from lib.store.tables import media as media_table
from lib.store.tables import metadata, people
from lib.store.workspace import Store
from tests.helpers.media_rows import media_row

# Every test on SQLite files and again on PostgreSQL (conftest: both_dialects).
pytestmark = pytest.mark.usefixtures("both_dialects")


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


HEAD = _head()  # the chain grows: compared with its head, not with a number kept here


def store(db: Database, key: str = "k") -> Store:
    return Store.for_connection(db, "sandbox", "http://x", key)


def row(sha: str = "s1", **values) -> MediaRow:
    report = {"kind": "Image", "format": "jpeg", "size": 1234, "findings": []}
    base = {"sha256": sha, "size": 1234, "format": "jpeg", "report": report, "thumbnail": b"\xff\xd8thumb"}
    return media_row(**{**base, **values})


def test_the_migration_reaches_the_declared_tables(tmp_path):
    db = Database(tmp_path / "m.db")
    assert db.revision() == HEAD
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


@pytest.mark.sqlite_only
def test_an_older_file_gains_the_media_tables_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    # A file at the schema before the media tables (0002, made by Alembic itself), with a person in it.
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        conn.exec_driver_sql(
            "INSERT INTO people (scope, group_id, label, mode, created_at) VALUES ('old', 'group-1', 'Lin', 'sandbox', 1)"
        )
    engine.dispose()
    db = Database(path)
    assert db.revision() == HEAD
    assert [tuple(r) for r in db.rows(select(people.c.group_id, people.c.label))] == [("group-1", "Lin")]
    assert store(db).media.add(row())[1]


def test_the_same_file_twice_is_one_row(tmp_path):
    media = store(Database(tmp_path / "m.db")).media
    first, created = media.add(row())
    again, created_again = media.add(row(name="copy of photo"))
    assert created and not created_again
    assert again == first
    assert again.name == "photo"
    # The same content fixed is another row; another person's copy is another row.
    fixed, fixed_created = media.add(row(fix="rotate", derived_from=first.id, source="fix"))
    theirs, theirs_created = media.add(row(group_id="group-2"))
    assert fixed_created and theirs_created
    assert len({first.id, fixed.id, theirs.id}) == 3
    assert media.find("group-1", "s1") == first
    assert media.find("group-1", "s1", "rotate") == fixed
    assert media.find("group-1", "nope") is None


def test_two_uploads_of_one_file_racing_keep_one_row(tmp_path):
    path = tmp_path / "race.db"
    Database(path).close()
    barrier = threading.Barrier(8)
    results: list[tuple[MediaRow, bool]] = []

    def upload() -> None:
        media = store(Database(path)).media
        candidate = row()
        barrier.wait()
        results.append(media.add(candidate))

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(created for _, created in results) == 1
    assert len({kept.id for kept, _ in results}) == 1
    assert Database(path).scalar(select(func.count()).select_from(media_table)) == 1


def test_a_deleted_file_sent_again_is_hosted_again(tmp_path):
    media = store(Database(tmp_path / "m.db")).media
    first, _ = media.add(row())
    media.mark_deleted(first.id, at=5.0)
    gone = media.get(first.id)
    assert gone.state == DELETED and gone.deleted_at == 5.0 and gone.stored is None
    assert gone.thumbnail == first.thumbnail  # the Library keeps its picture
    again, created = media.add(row())
    assert created and again.id != first.id and again.state == READY
    assert media.get(first.id) is None


def test_reads_stay_in_their_scope(tmp_path):
    db = Database(tmp_path / "m.db")
    mine, theirs = store(db, "key-a").media, store(db, "key-b").media
    kept, _ = mine.add(row())
    assert theirs.get(kept.id) is None
    assert theirs.by_group("group-1") == []
    assert theirs.by_ids([kept.id]) == {}
    assert theirs.thumbnails([kept.id]) == {}
    theirs.mark_deleted(kept.id, at=1.0)
    theirs.mark_sent([kept.id], at=1.0)
    assert mine.get(kept.id) == kept
    # The same file under the other key is that key's own row.
    assert theirs.add(row())[1]


def test_by_group_since_by_ids_thumbnails_and_capture(tmp_path):
    clock = Clock(100.0)
    media = store(Database(tmp_path / "m.db", clock=clock)).media
    a, _ = media.add(row("a"))
    clock.now = 200.0
    b, _ = media.add(row("b", capture_id="link-1", thumbnail=None, state=REFUSED, backend=None))
    clock.now = 300.0
    c, _ = media.add(row("c", capture_id="link-1"))
    media.add(row("other", group_id="group-2"))
    media.mark_deleted(c.id, at=301.0)
    assert [m.id for m in media.by_group("group-1")] == [a.id, b.id]
    assert [m.id for m in media.by_group("group-1", since=200.0)] == [b.id]
    assert media.by_group("group-1", since=200.0)[0].created_at == 200.0
    assert set(media.by_ids([a.id, b.id, c.id, "missing"])) == {a.id, b.id, c.id}
    assert media.by_ids([]) == {}
    assert media.thumbnails([a.id, b.id, c.id]) == {a.id: b"\xff\xd8thumb", c.id: b"\xff\xd8thumb"}
    assert [m.id for m in media.by_capture("link-1")] == [b.id, c.id]
    assert media.by_capture("link-1")[0].thumbnail is None  # read without the pictures


def test_the_report_reads_back_as_a_media_report(tmp_path):
    media = store(Database(tmp_path / "m.db")).media
    report = {
        "kind": "Image",
        "format": "heic",
        "size": 10,
        "width": 400,
        "height": 500,
        "faces": 2,
        "findings": [{"code": "faces", "severity": "warning", "facts": {"count": 2}, "fixes": []}],
    }
    kept, _ = media.add(row(report=report, face_frame=b"frame"))
    back = media.get(kept.id).media_report()
    assert back.faces == 2 and back.face_frame == b"frame"
    assert [f.code for f in back.findings] == ["faces"]
    assert back.to_dict()["findings"] == report["findings"]


def test_the_route_lookup_finds_only_ready_rows_in_any_scope(tmp_path):
    db = Database(tmp_path / "m.db")
    media = store(db, "somebody").media
    ready, _ = media.add(row("r"))
    refused, _ = media.add(row("x", state=REFUSED))
    deleted, _ = media.add(row("d"))
    media.mark_deleted(deleted.id, at=1.0)
    found = media_by_key(db, ready.storage_key)
    assert found.id == ready.id and found.scope == store(db, "somebody").scope.id
    assert found.thumbnail is None  # the route reads no pictures
    assert media_by_key(db, refused.storage_key) is None
    assert media_by_key(db, f"{deleted.id}.jpg") is None
    assert media_by_key(db, "nothing.jpg") is None


def test_sent_and_review_ended_times(tmp_path):
    db = Database(tmp_path / "m.db")
    media = store(db).media
    old, _ = media.add(row("old", created_at=10.0))
    sent, _ = media.add(row("sent", created_at=10.0))
    reviewed, _ = media.add(row("reviewed", created_at=10.0))
    media.mark_sent([sent.id, reviewed.id], at=20.0)
    media.mark_review_ended([reviewed.id], at=30.0)
    assert media.get(sent.id).sent_at == 20.0 and media.get(sent.id).review_ended_at is None
    assert media.get(reviewed.id).review_ended_at == 30.0
    # Due at 100 with 60 s kept: never sent and older (old), review ended long enough ago (reviewed);
    # sent and still in review: kept.
    assert {m.id for m in media_to_sweep(db, now=100.0, keep_seconds=60.0)} == {old.id, reviewed.id}
    assert media_to_sweep(db, now=65.0, keep_seconds=60.0) == []
    # The first end counts, and marking it again writes nothing.
    stamp = db.change_stamp()
    media.mark_review_ended([reviewed.id], at=90.0)
    assert media.get(reviewed.id).review_ended_at == 30.0 and db.change_stamp() == stamp
    # A resend starts a new review: kept again until it ends.
    media.mark_sent([reviewed.id], at=95.0)
    assert {m.id for m in media_to_sweep(db, now=100.0, keep_seconds=60.0)} == {old.id}
    media.mark_review_ended([reviewed.id], at=96.0)
    assert media.get(reviewed.id).review_ended_at == 96.0
    # A review whose end was never seen counts as ended once it is that much older.
    late = 20.0 + 60.0 + STALE_REVIEW_SECONDS
    assert sent.id not in {m.id for m in media_to_sweep(db, now=late, keep_seconds=60.0)}
    assert sent.id in {m.id for m in media_to_sweep(db, now=late + 1, keep_seconds=60.0)}


def test_scope_is_read_back_from_its_id(tmp_path):
    scope = Database(tmp_path / "m.db").scope_for("live", "https://api.apimart.ai/v1", "sk-1")
    assert Scope.from_id(scope.id) == scope


# -------------------------------------------------------------- capture links


def test_a_capture_token_opens_its_link_until_it_expires(tmp_path):
    clock = Clock(1_000.0)
    db = Database(tmp_path / "c.db", clock=clock)
    captures = store(db).captures
    link, token = captures.open("group-1", "Lin", lifetime_seconds=1_800)
    assert len(token) == 32 and link.expires_at == 2_800.0
    assert resolve_capture(db, token, now=1_001.0) == link
    assert captures.current("group-1") == link
    assert resolve_capture(db, token, now=2_800.0) is None  # expired
    clock.now = 2_800.0
    assert captures.current("group-1") is None
    assert resolve_capture(db, "not-a-token", now=1_001.0) is None
    assert resolve_capture(db, "", now=1_001.0) is None


def test_a_closed_link_stops_working_and_a_new_one_closes_the_old(tmp_path):
    clock = Clock(1_000.0)
    db = Database(tmp_path / "c.db", clock=clock)
    captures = store(db).captures
    first, first_token = captures.open("group-1", "Lin", 600)
    second, second_token = captures.open("group-1", "Lin", 600)
    assert resolve_capture(db, first_token, now=1_001.0) is None
    assert resolve_capture(db, second_token, now=1_001.0) == second
    assert captures.get(first.id).closed_at == 1_000.0
    other, other_token = captures.open("group-2", "Ana", 600)  # another person's link is left alone
    captures.close(second.id)
    assert resolve_capture(db, second_token, now=1_001.0) is None
    assert captures.current("group-1") is None
    assert resolve_capture(db, other_token, now=1_001.0) == other
    # Another key's store cannot close it.
    store(db, "other-key").captures.close(other.id)
    assert resolve_capture(db, other_token, now=1_001.0) == other


@pytest.mark.sqlite_only
def test_only_the_tokens_hash_is_stored(tmp_path):
    path = tmp_path / "c.db"
    db = Database(path)
    _, token = store(db).captures.open("group-1", "Lin", 600)
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert token not in dump
    assert token_hash(token) in dump


def test_a_files_writes_move_only_its_persons_stamps(tmp_path):
    # The Library caches a person's files by their own items stamp: adding, sending, ending the review of or
    # deleting one person's file must leave another person's stamps, and name its person (not "anyone").
    s = store(Database(tmp_path / "m.db"))
    s.people.save("group-1", "Lin")
    s.people.save("group-2", "Mei")
    lin = s.change_stamps("group-1")
    since = s.change_stamp()
    mine, _ = s.media.add(row("s2", group_id="group-2"))
    s.media.mark_sent([mine.id], at=20.0)
    s.media.mark_review_ended([mine.id], at=30.0)
    s.media.mark_deleted(mine.id, at=40.0)
    assert s.change_stamps("group-1") == lin
    assert s.changes_since(since) == {"group-2": True}
    assert s.change_stamps("group-2")[1] == s.change_stamp(), "the last write (the delete) was group-2's"
