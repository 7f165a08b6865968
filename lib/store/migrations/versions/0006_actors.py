"""Who did it: the signed-in operator recorded on each row, and each operator's last person (issue Teams).

A nullable `created_by` on people, verifications, submissions, assets, videos, media and capture links (plain
ADD COLUMN: a nullable column needs no table rebuild on SQLite). Each operator's last person is a `meta` row of its own
(lib.store.people), so it needs no schema.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("people", "verifications", "submissions", "assets", "videos", "media", "capture_links")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("created_by", sa.Text, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("created_by")
