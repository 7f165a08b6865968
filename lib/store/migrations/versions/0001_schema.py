"""The schema as the hand-made migrations 1 to 7 left it (lib/store/legacy.py): people, verifications,
submissions, asset attempts, review tasks, videos, write-ahead intents and meta.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _owner() -> tuple[sa.Column, sa.Column]:
    """scope and group_id, as the tables of a person's things begin."""
    return sa.Column("scope", sa.Text, nullable=False), sa.Column("group_id", sa.Text, nullable=False)


text, real, integer = sa.Text, sa.Float, sa.Integer


def upgrade() -> None:
    _people_and_verifications()
    _assets_and_reviews()
    _videos_and_intents()


def _people_and_verifications() -> None:
    op.create_table(
        "meta", sa.Column("name", text, primary_key=True), sa.Column("value", text, nullable=False)
    )
    op.create_table(
        "people",
        _id(),
        *_owner(),
        sa.Column("label", text, nullable=False, server_default=""),
        sa.Column("mode", text, nullable=False),
        sa.Column("created_at", real, nullable=False),
        sa.Column("notes", text, nullable=False, server_default=""),
        sa.UniqueConstraint("scope", "group_id"),
    )
    op.create_table(
        "verifications",
        _id(),
        sa.Column("scope", text, nullable=False),
        sa.Column("task_id", text, nullable=False),
        sa.Column("status", text, nullable=False),
        sa.Column("created_at", real, nullable=False),
        sa.Column("expires_at", real),
        sa.Column("outcome", text),
        sa.Column("byted_token", text),
        sa.Column("group_id", text),
        sa.Column("result_task_id", text),
        sa.UniqueConstraint("scope", "task_id"),
    )


def _assets_and_reviews() -> None:
    op.create_table(
        "submissions",
        _id(),
        *_owner(),
        sa.Column("asset_type", text, nullable=False),
        sa.Column("task_ids", text, nullable=False, server_default="[]"),
        sa.Column("status", text, nullable=False),
        sa.Column("created_at", real, nullable=False),
        sa.Column("detail", text),
    )
    op.create_table(
        "assets",
        _id(),
        *_owner(),
        sa.Column("asset_key", integer, nullable=False),
        sa.Column("attempt", integer, nullable=False),
        sa.Column("name", text, nullable=False),
        sa.Column("source_url", text, nullable=False),
        sa.Column("task_id", text, nullable=False),
        sa.Column("status", text, nullable=False),
        sa.Column("asset_id", text),
        sa.Column("asset_url", text),
        sa.Column("error_code", text),
        sa.Column("error_message", text),
        sa.Column("replaces_id", integer, sa.ForeignKey("assets.id")),
        sa.Column("updated_at", real, nullable=False),
        sa.Column("is_latest", integer, nullable=False, server_default=sa.text("1")),
        sa.Column("send_key", text),
        sa.Column("asset_type", text),
        sa.UniqueConstraint("scope", "group_id", "asset_key", "attempt"),
    )
    op.create_index("assets_by_group", "assets", ["scope", "group_id"])
    op.create_index("assets_current", "assets", ["scope", "group_id", "is_latest", "status"])
    op.create_index("assets_by_send_key", "assets", ["scope", "send_key"])
    op.create_table(
        "review_tasks",
        *_owner(),
        sa.Column("task_id", text, nullable=False),
        sa.Column("asset_type", text, nullable=False),
        sa.Column("status", text, nullable=False),
        sa.Column("final", integer, nullable=False, server_default=sa.text("0")),
        sa.Column("raw", text),
        sa.PrimaryKeyConstraint("scope", "task_id"),
    )


def _videos_and_intents() -> None:
    op.create_table(
        "videos",
        _id(),
        sa.Column("scope", text, nullable=False),
        sa.Column("task_id", text),
        sa.Column("group_id", text),
        sa.Column("prompt", text, nullable=False),
        sa.Column("model", text, nullable=False),
        sa.Column("assets", text, nullable=False, server_default="[]"),
        sa.Column("params", text, nullable=False, server_default="{}"),
        sa.Column("status", text, nullable=False),
        sa.Column("video_url", text),
        sa.Column("expires_at", real),
        sa.Column("error", text),
        sa.Column("created_at", real, nullable=False),
        sa.Column("send_key", text),
    )
    op.create_table(
        "intents",
        _id(),
        sa.Column("scope", text, nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("detail", text, nullable=False),
        sa.Column("created_at", real, nullable=False),
        sa.Column("completed_at", real),
        sa.Column("outcome", text),
    )


def downgrade() -> None:
    for table in (
        "intents",
        "videos",
        "review_tasks",
        "assets",
        "submissions",
        "verifications",
        "people",
        "meta",
    ):
        op.drop_table(table)
