"""Constraints that keep two servers or two tabs from creating the same asset twice (issue Teams).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the work on issue 15


def downgrade() -> None:
    pass
