"""Two servers (two Database handles on one registry: a SQLite file or a real PostgreSQL database), each with a
session sending different URLs for the same person at the same moment, through the real sandbox: every URL is
kept once in the registry and created once upstream. Each session's ledger counts its keys from 0, so the
store hands out the keys (Assets.reserve_keys); before, the second save wrote over the first's rows."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select

from lib import flow
from lib.assets import AssetRow, check_rows
from lib.ledger import AssetLedger
from lib.store.tables import assets
from tests.helpers.two_servers import verified_on_two_servers


@pytest.fixture
def two_servers(registry_target, sandbox, api_key):
    """(client, store) per server on one registry; the person verified through the first."""
    with verified_on_two_servers(registry_target, sandbox, api_key) as held:
        yield held


def urls(prefix: str, n: int = 3) -> list[AssetRow]:
    return [AssetRow(f"https://cdn.example.com/lin/{prefix}-{i}.mp4") for i in range(n)]


def test_two_servers_sending_for_one_person_at_once_keep_every_row(two_servers, sandbox):
    group_id, servers = two_servers
    sent = {"a": urls("a-take"), "b": urls("b-take")}
    ledgers = {name: AssetLedger(group_id, "Video") for name in sent}
    start, errors = threading.Barrier(2), []

    def send(name, client, store):
        try:
            start.wait(5)
            outcome = flow.submit_rows(client, ledgers[name], check_rows(sent[name], "Video"), "Video", store=store)
            assert outcome.error is None
        except Exception as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [
        threading.Thread(target=send, args=(name, *server)) for name, server in zip(sent, servers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors

    every_url = sorted(row.url for rows in sent.values() for row in rows)
    rows = servers[0][1].assets.db.rows(select(assets.c.asset_key, assets.c.source_url, assets.c.group_id))
    assert sorted(r.source_url for r in rows) == every_url, "each URL once in the registry"
    assert len({r.asset_key for r in rows}) == len(rows), "no two assets share a key"
    assert {r.group_id for r in rows} == {group_id}
    made = requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()
    assert sorted(a["url"] for a in made) == every_url, "each URL created once upstream"
    # Each session's own ledger holds its own rows; reading the person again gives all of them.
    assert sorted(a.attempts[0].url for a in servers[1][1].assets.load_ledger(group_id).assets.values()) == every_url


def test_reserved_keys_pass_the_stored_and_the_reserved_ones(two_servers):
    group_id, ((_, on_a), (_, on_b)) = two_servers
    assert on_a.assets.reserve_keys(group_id, 3) == 0
    assert on_b.assets.reserve_keys(group_id, 2) == 3
    assert on_a.assets.reserve_keys(group_id, 1, at_least=10) == 10
    assert on_b.assets.reserve_keys(group_id, 1) == 11
