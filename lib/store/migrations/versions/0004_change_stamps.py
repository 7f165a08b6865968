"""Per-scope change stamps: where the last write to each scope, and to each person of it, happened, so that a
write under one connection (or to one person) leaves the Library's frames of the others cached.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_stamps",
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("stamp", sa.Integer, nullable=False),
        sa.Column("items_stamp", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("scope", "group_id"),
    )
    op.create_index("change_stamps_by_stamp", "change_stamps", ["scope", "stamp"])


def downgrade() -> None:
    op.drop_index("change_stamps_by_stamp", table_name="change_stamps")
    op.drop_table("change_stamps")
