"""The callback inbox and the servers' heartbeats, in the database, so that several app servers share them (issue Teams).

`callback_inbox`: one row per verification attempt a page announced, keyed by the SHA-256 of its callback
secret (never the secret), with the first accepted callback. `servers`: each app server's heartbeat and the
marker it keeps in its app-hosted media folder (lib.store.servers).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_inbox",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("byted_token", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("result_code", sa.Text),
        sa.Column("params", sa.Text),
        sa.Column("received_at", sa.Float),
    )
    op.create_index("callback_inbox_by_expiry", "callback_inbox", ["expires_at"])
    op.create_index("callback_inbox_by_age", "callback_inbox", ["created_at"])
    op.create_table(
        "servers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("storage", sa.Text, nullable=False, server_default="app"),
        sa.Column("media_marker", sa.Text),
    )
    op.create_index("servers_by_seen", "servers", ["seen_at"])


def downgrade() -> None:
    op.drop_index("servers_by_seen", table_name="servers")
    op.drop_table("servers")
    op.drop_index("callback_inbox_by_age", table_name="callback_inbox")
    op.drop_index("callback_inbox_by_expiry", table_name="callback_inbox")
    op.drop_table("callback_inbox")
