"""Two tabs or two servers retrying one failed asset at the same moment, through the real sandbox on one
registry (a SQLite file, or a real PostgreSQL database): the retry is claimed once in the registry (migration
0007 and Assets.save_ledger), created once upstream, and the second sender is told, not shown an error."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select

from lib import flow
from lib.assets import AssetRow, check_rows
from lib.ledger import FAILED, AssetLedger
from lib.store.tables import assets
from tests.helpers.two_servers import verified_on_two_servers

RETAKE = "https://cdn.example.com/lin/retake.mp4"


@pytest.fixture
def two_tabs(registry_target, sandbox, api_key):
    """(client, store) for each of two servers on one registry, and a person whose one clip failed review."""
    with verified_on_two_servers(registry_target, sandbox, api_key) as (group_id, servers):
        (client, store), _ = servers
        ledger = AssetLedger(group_id, "Video")
        rows = check_rows([AssetRow("https://cdn.example.com/lin/mismatch.mp4")], "Video")
        assert flow.submit_rows(client, ledger, rows, "Video", store=store).error is None
        flow.poll_reviews(client, ledger, store=store)
        assert ledger.assets[0].status == FAILED
        yield group_id, servers


def test_two_tabs_retrying_one_failed_asset_send_it_once(two_tabs, sandbox):
    group_id, servers = two_tabs
    # Each tab has the person's ledger open, the clip failed in both.
    ledgers = [store.assets.load_ledger(group_id) for _, store in servers]
    start, outcomes, errors = threading.Barrier(2), [None, None], []

    def retry(i: int) -> None:
        client, store = servers[i]
        try:
            start.wait(5)
            outcomes[i] = flow.resubmit(client, ledgers[i], {0: RETAKE}, store=store)
        except Exception as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=retry, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert all(o.error is None for o in outcomes)
    assert sorted((o.sent_keys, o.taken_elsewhere) for o in outcomes) == [([], [0]), ([0], [])]

    made = requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()
    assert [a["url"] for a in made].count(RETAKE) == 1, "created once upstream"
    c = assets.c
    rows = servers[0][1].assets.db.rows(
        select(c.asset_key, c.attempt, c.source_url, c.status, c.is_latest).order_by(c.attempt)
    )
    assert [(r.asset_key, r.attempt, r.source_url, r.is_latest) for r in rows] == [
        (0, 1, "https://cdn.example.com/lin/mismatch.mp4", 0),
        (0, 2, RETAKE, 1),
    ]
    assert rows[1].status == "pending", "the winner's retry is under review"
    # Either tab reading the person again finds the one retry.
    for _, store in servers:
        (asset,) = store.assets.load_ledger(group_id).assets.values()
        assert [a.url for a in asset.attempts] == [rows[0].source_url, RETAKE]
