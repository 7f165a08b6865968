"""Files as assets: `media` (one row per file received, hosted or refused, with its check report and
thumbnail) and `capture_links` (a phone's upload link for one person: only a hash of its token is kept).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

text, real, integer, blob = sa.Text, sa.Float, sa.Integer, sa.LargeBinary


def _owner() -> tuple[sa.Column, sa.Column]:
    return sa.Column("scope", text, nullable=False), sa.Column("group_id", text, nullable=False)


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", text, primary_key=True),
        *_owner(),
        sa.Column("sha256", text, nullable=False),
        sa.Column("name", text, nullable=False),
        sa.Column("source", text, nullable=False),
        sa.Column("derived_from", text),
        sa.Column("fix", text, nullable=False, server_default=""),
        sa.Column("kind", text, nullable=False),
        sa.Column("format", text, nullable=False, server_default=""),
        sa.Column("ext", text, nullable=False, server_default=""),
        sa.Column("content_type", text, nullable=False, server_default=""),
        sa.Column("size", integer, nullable=False),
        sa.Column("backend", text),
        sa.Column("storage_key", text),
        sa.Column("report", text, nullable=False, server_default="{}"),
        sa.Column("thumbnail", blob),
        sa.Column("face_frame", blob),
        sa.Column("state", text, nullable=False),
        sa.Column("capture_id", text),
        sa.Column("created_at", real, nullable=False),
        sa.Column("sent_at", real),
        sa.Column("review_ended_at", real),
        sa.Column("deleted_at", real),
        sa.UniqueConstraint("scope", "group_id", "sha256", "fix", name="media_once"),
    )
    op.create_index("media_by_group", "media", ["scope", "group_id", "created_at"])
    op.create_index("media_by_key", "media", ["storage_key"])
    op.create_index("media_by_capture", "media", ["capture_id"])
    op.create_table(
        "capture_links",
        sa.Column("id", text, primary_key=True),
        *_owner(),
        sa.Column("label", text, nullable=False, server_default=""),
        sa.Column("token_hash", text, nullable=False, unique=True),
        sa.Column("created_at", real, nullable=False),
        sa.Column("expires_at", real, nullable=False),
        sa.Column("closed_at", real),
    )
    op.create_index("capture_links_by_group", "capture_links", ["scope", "group_id"])


def downgrade() -> None:
    op.drop_table("capture_links")
    op.drop_table("media")
