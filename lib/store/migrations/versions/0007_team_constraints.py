"""Constraints that keep two servers or two tabs from creating the same asset twice (issue Teams).

A send's Idempotency-Key (`send_key`) names its write-ahead rows: each asset attempt of a send once
(assets: unique scope, send_key, asset_key) and each video request once (videos: unique scope, send_key),
where a key is set (older rows have none). A second write of the same send finds the first's row instead of
adding another (lib.store.assets, lib.store.videos). The unique index on assets starts with (scope, send_key),
so it replaces assets_by_send_key (one index fewer to keep on each save).

Rows an earlier release may have written twice under one key keep their rows: only the later copies lose
their key (a key is a claim on a send, and a send has one claim).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEYED = sa.text("send_key IS NOT NULL")


def _one_claim_per_key(table: str, columns: str) -> None:
    # Portable SQL (SQLite and PostgreSQL): an empty key is none; the first row of each (scope, send_key,
    # ...) keeps its key.
    op.execute(f"UPDATE {table} SET send_key = NULL WHERE send_key = ''")
    op.execute(
        f"UPDATE {table} SET send_key = NULL WHERE send_key IS NOT NULL AND id NOT IN "
        f"(SELECT MIN(id) FROM {table} WHERE send_key IS NOT NULL GROUP BY {columns})"
    )


def upgrade() -> None:
    _one_claim_per_key("assets", "scope, send_key, asset_key")
    _one_claim_per_key("videos", "scope, send_key")
    op.drop_index("assets_by_send_key", table_name="assets")
    op.create_index(
        "assets_once_per_send",
        "assets",
        ["scope", "send_key", "asset_key"],
        unique=True,
        sqlite_where=KEYED,
        postgresql_where=KEYED,
    )
    op.create_index(
        "videos_once_per_send",
        "videos",
        ["scope", "send_key"],
        unique=True,
        sqlite_where=KEYED,
        postgresql_where=KEYED,
    )


def downgrade() -> None:
    op.drop_index("videos_once_per_send", table_name="videos")
    op.drop_index("assets_once_per_send", table_name="assets")
    op.create_index("assets_by_send_key", "assets", ["scope", "send_key"])
