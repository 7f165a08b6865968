"""Who did it: the signed-in operator recorded on each row, and each operator's last person (issue Teams).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the work on issue 15


def downgrade() -> None:
    pass
