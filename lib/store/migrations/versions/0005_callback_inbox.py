"""The callback inbox and the servers' heartbeats, in the database, so that several app servers share them (issue Teams).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the work on issue 15


def downgrade() -> None:
    pass
