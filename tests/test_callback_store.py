"""The callback inbox in the database: what one server (its own Database on the file) records, another server
(another Database on the same file) reads; only a hash of the secret is kept; the first callback wins across
servers; refused callbacks write nothing; expired rows are pruned on write. On a real SQLite file and a real
PostgreSQL database, and the callback route over real HTTP on one Database while a page reads through another."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select
from starlette.applications import Starlette

from lib.server import server_routes
from lib.store.callbacks import StoredCallbackInbox, secret_key
from lib.store.database import Database
from lib.store.tables import callback_inbox
from tests.helpers.serving import serve_asgi

SECRET = "the-attempt-secret-0123456789abcdefghij"
OK = {"bytedToken": "token_a", "resultCode": "10000"}


@pytest.fixture
def two_servers(registry_target):
    """Two Database handles on one registry (a SQLite file, or a real PostgreSQL database), as two app servers
    hold them."""
    a, b = Database(registry_target), Database(registry_target)
    yield a, b
    a.close()
    b.close()


def every_row(db):
    return db.rows(select(callback_inbox))


def test_a_callback_recorded_through_one_database_is_read_through_another(two_servers):
    a, b = two_servers
    StoredCallbackInbox(a).expect(SECRET, "token_a", time.time() + 120)  # the operator's page on A
    assert StoredCallbackInbox(a).get(SECRET) is None, "nothing arrived yet"
    recorded = StoredCallbackInbox(b).record(SECRET, OK)  # the phone's redirect reached B
    assert recorded is not None and recorded.succeeded
    seen = StoredCallbackInbox(a).get(SECRET)
    assert seen == recorded and seen.byted_token == "token_a"


def test_only_a_hash_of_the_secret_is_kept(two_servers):
    a, _ = two_servers
    StoredCallbackInbox(a).expect(SECRET, "token_a", time.time() + 120)
    StoredCallbackInbox(a).record(SECRET, OK)
    [row] = every_row(a)
    assert row.key == secret_key(SECRET) and len(row.key) == 64
    assert SECRET not in str(tuple(row))
    if a.url.startswith("sqlite:///"):
        with open(a.url.removeprefix("sqlite:///"), "rb") as raw:
            assert SECRET.encode() not in raw.read()


def test_the_first_callback_stays_whichever_server_gets_the_next(two_servers):
    a, b = two_servers
    StoredCallbackInbox(a).expect(SECRET, "token_a", time.time() + 120)
    assert not StoredCallbackInbox(a).record(SECRET, {**OK, "resultCode": "60001"}).succeeded
    assert StoredCallbackInbox(b).record(SECRET, OK) is None, "a later success cannot overturn a failure"
    again = StoredCallbackInbox(b).record(SECRET, {**OK, "resultCode": "60001"})
    assert again is not None and not again.succeeded, "the same callback again is answered alike"
    assert not StoredCallbackInbox(a).get(SECRET).succeeded


def test_refused_callbacks_write_nothing(two_servers):
    a, b = two_servers
    StoredCallbackInbox(a).expect(SECRET, "token_a", time.time() + 120)
    before, stamp = every_row(a), a.change_stamp()
    for secret, params in (
        ("guessed", OK),
        (SECRET[:-1], OK),
        (SECRET, {**OK, "bytedToken": "token_other"}),
        (SECRET, {"resultCode": "10000"}),
        ("", OK),
        ("x" * 5000, OK),
    ):
        assert StoredCallbackInbox(b).record(secret, params) is None
    assert every_row(a) == before and a.change_stamp() == stamp


def test_writes_move_no_change_stamp(two_servers):
    """The inbox is nobody's rows: a phone calling back must not make every Library page read again."""
    a, _ = two_servers
    stamp = a.change_stamp()
    inbox = StoredCallbackInbox(a)
    inbox.expect(SECRET, "token_a", time.time() + 120)
    inbox.record(SECRET, OK)
    assert a.change_stamp() == stamp


def test_expired_rows_are_pruned_when_an_attempt_is_announced(two_servers):
    a, b = two_servers
    clock = [1000.0]
    on_a = StoredCallbackInbox(a, clock=lambda: clock[0], keep_after_expiry=60.0)
    on_b = StoredCallbackInbox(b, clock=lambda: clock[0], keep_after_expiry=60.0)
    on_a.expect("old-secret", "token_old", expires_at=1120.0)
    clock[0] = 1200.0
    assert on_b.record("old-secret", {"bytedToken": "token_old", "resultCode": "10000"}) is None, "too late"
    on_b.expect(SECRET, "token_a", expires_at=1320.0)
    assert [row.key for row in every_row(a)] == [secret_key(SECRET)]


def test_the_route_on_one_server_moves_the_page_of_another(two_servers):
    """server B's real /callback route (its own Database) records; server A's inbox reads it."""
    a, b = two_servers
    StoredCallbackInbox(a).expect(SECRET, "token_a", time.time() + 120)
    with serve_asgi(Starlette(routes=server_routes(database=b, env={"AVATAR_DESK_SANDBOX": "off"}))) as base:
        forged = requests.get(f"{base}/callback", params={**OK, "s": "guessed"}, timeout=5)
        assert forged.status_code == 403 and StoredCallbackInbox(a).get(SECRET) is None
        answer = requests.get(f"{base}/callback", params={**OK, "s": SECRET}, timeout=5)
        assert answer.ok and 'data-ok="true"' in answer.text
    assert StoredCallbackInbox(a).get(SECRET).succeeded
