"""Retention: files whose review ended more than the period ago, and files never sent that old, are removed
from storage (on disk and in a moto bucket) and their rows marked deleted, so their URL answers 404; files
in review, recent ones and what another backend hosts are kept; a failing delete leaves its row for the next
sweep; with several servers one sweeps per period."""

from __future__ import annotations

import secrets
import time

import pytest
import requests
from starlette.applications import Starlette

from lib.media.retention import Sweeper, sweep, sweep_if_due
from lib.media.routes import MEDIA_PATH, media_routes
from lib.media.storage.app_hosted import AppHostedStorage
from lib.media.storage.settings import StorageSettings
from lib.store.database import Database
from lib.store.media import DELETED, READY, REFUSED, MediaRow
from lib.store.workspace import Store
from tests.helpers.media_rows import stored_media
from tests.helpers.serving import serve_asgi

# Every test on SQLite files and again on PostgreSQL (conftest: both_dialects).
pytestmark = pytest.mark.usefixtures("both_dialects")

DAY = 86400.0
NOW = 100 * DAY
KEEP = StorageSettings.from_env({}, {}).keep_seconds  # the default: 7 days


def host(store: Store, storage, tmp_path, *, created_at: float, state: str = READY) -> MediaRow:
    content = b"\xff\xd8" + secrets.token_bytes(2000)
    return stored_media(
        store.media,
        storage,
        tmp_path,
        content,
        hosted=state == READY,
        state=state,
        thumbnail=b"thumb",
        created_at=created_at,
    )


def app_storage(tmp_path) -> AppHostedStorage:
    return AppHostedStorage(tmp_path / "media")


def hosted_keys(storage) -> set[str]:
    if isinstance(storage, AppHostedStorage):
        return {p.name for p in storage.root.iterdir()}
    return {
        item["Key"] for item in storage._client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
    }


@pytest.fixture(params=["app", "s3"])
def storage(request, tmp_path):
    if request.param == "app":
        return app_storage(tmp_path)
    return request.getfixturevalue("moto_s3").storage()


def test_what_is_due_goes_and_the_rest_stays(tmp_path, storage):
    db = Database(tmp_path / "r.db")
    store = Store.for_connection(db, "sandbox", "http://x", "k")
    old = NOW - 30 * DAY
    never_sent = host(store, storage, tmp_path, created_at=old)
    reviewed_long_ago = host(store, storage, tmp_path, created_at=old)
    reviewed_lately = host(store, storage, tmp_path, created_at=old)
    in_review = host(store, storage, tmp_path, created_at=old)
    refused = host(store, storage, tmp_path, created_at=old, state=REFUSED)
    fresh = host(store, storage, tmp_path, created_at=NOW - DAY)
    store.media.mark_sent([reviewed_long_ago.id, reviewed_lately.id, in_review.id], at=old + DAY)
    store.media.mark_review_ended([reviewed_long_ago.id], at=NOW - KEEP - 1)
    store.media.mark_review_ended([reviewed_lately.id], at=NOW - KEEP + 3600)

    assert sweep(db, storage, NOW, KEEP) == 3
    kept = {reviewed_lately, in_review, fresh}
    assert hosted_keys(storage) == {row.storage_key for row in kept}
    states = {i: m.state for i, m in store.media.by_ids(m.id for m in (*kept, never_sent, refused)).items()}
    assert states[never_sent.id] == states[refused.id] == DELETED
    assert all(states[row.id] == READY for row in kept)
    gone = store.media.get(reviewed_long_ago.id)
    assert gone.state == DELETED and gone.deleted_at == NOW and gone.thumbnail == b"thumb"
    # Nothing more is due; a week on, the review that ended lately is.
    assert sweep(db, storage, NOW, KEEP) == 0
    assert sweep(db, storage, NOW + KEEP, KEEP) == 2  # reviewed_lately and fresh (never sent)
    assert hosted_keys(storage) == {in_review.storage_key}


def test_a_removed_file_answers_404(tmp_path):
    db = Database(tmp_path / "r.db")
    storage = app_storage(tmp_path)
    store = Store.for_connection(db, "sandbox", "http://x", "k")
    row = host(store, storage, tmp_path, created_at=NOW - 30 * DAY)
    with serve_asgi(Starlette(routes=media_routes(db, storage))) as base:
        url = f"{base}{MEDIA_PATH}/{row.storage_key}"
        assert requests.get(url, timeout=10).status_code == 200
        assert sweep(db, storage, NOW, KEEP) == 1
        assert requests.get(url, timeout=10).status_code == 404


def test_the_retention_period_comes_from_the_settings(tmp_path):
    db = Database(tmp_path / "r.db")
    storage = app_storage(tmp_path)
    store = Store.for_connection(db, "sandbox", "http://x", "k")
    two_days_old = host(store, storage, tmp_path, created_at=NOW - 2 * DAY)
    assert sweep(db, storage, NOW, KEEP) == 0
    one_day = StorageSettings.from_env({"AVATAR_DESK_MEDIA_RETENTION_DAYS": "1"}, {}).keep_seconds
    assert sweep(db, storage, NOW, one_day) == 1
    assert store.media.get(two_days_old.id).state == DELETED


def test_files_another_backend_hosts_and_deletes_that_fail_are_left(tmp_path, moto_s3):
    db = Database(tmp_path / "r.db")
    store = Store.for_connection(db, "sandbox", "http://x", "k")
    bucket = moto_s3.storage()
    in_bucket = host(store, bucket, tmp_path, created_at=NOW - 30 * DAY)
    # A server on app-hosted storage leaves the bucket's file alone.
    assert sweep(db, app_storage(tmp_path), NOW, KEEP) == 0
    # A bucket that cannot be reached now: the row stays for the next sweep.
    unreachable = moto_s3.storage("no-such-bucket")
    assert sweep(db, unreachable, NOW, KEEP) == 0
    assert store.media.get(in_bucket.id).state == READY
    assert sweep(db, bucket, NOW, KEEP) == 1
    assert hosted_keys(bucket) == set()


def test_one_server_sweeps_per_period(tmp_path):
    path = tmp_path / "r.db"
    first, second = Database(path), Database(path)
    storage = app_storage(tmp_path)
    store = Store.for_connection(first, "sandbox", "http://x", "k")
    host(store, storage, tmp_path, created_at=NOW - 30 * DAY)
    assert sweep_if_due(first, storage, NOW, KEEP, every_seconds=3600) == 1
    stamp = first.change_stamp()
    assert sweep_if_due(second, storage, NOW + 60, KEEP, every_seconds=3600) is None
    assert first.change_stamp() == stamp  # not its turn: nothing written
    host(store, storage, tmp_path, created_at=NOW - 30 * DAY)
    assert sweep_if_due(second, storage, NOW + 3601, KEEP, every_seconds=3600) == 1
    assert sweep_if_due(first, storage, NOW + 3602, KEEP, every_seconds=3600) is None


def test_the_sweeper_thread_sweeps_on_its_own(tmp_path):
    db = Database(tmp_path / "r.db")
    storage = app_storage(tmp_path)
    store = Store.for_connection(db, "sandbox", "http://x", "k")
    row = host(store, storage, tmp_path, created_at=NOW - 30 * DAY)
    sweeper = Sweeper(db, storage, KEEP, check_seconds=0.05, clock=lambda: NOW).start()
    try:
        deadline = time.monotonic() + 10
        while store.media.get(row.id).state != DELETED and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stop()
    assert store.media.get(row.id).state == DELETED
    assert hosted_keys(storage) == set()
    assert not sweeper.is_alive()
