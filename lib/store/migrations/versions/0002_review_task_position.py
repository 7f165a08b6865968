"""Each review task's place in its ledger, so a ledger is read back in the order its tasks were sent on
any database (SQLite's rowid gave that order before, and exists nowhere else).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_tasks") as batch:
        batch.add_column(sa.Column("position", sa.Integer))
    if op.get_bind().dialect.name == "sqlite":
        # Rows before this revision exist only in SQLite files, where the insertion order is the rowid.
        op.execute("UPDATE review_tasks SET position = rowid")


def downgrade() -> None:
    with op.batch_alter_table("review_tasks") as batch:
        batch.drop_column("position")
