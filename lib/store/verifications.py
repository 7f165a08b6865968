"""Verification sessions of a connection: each one's status, and the one-time token only while it may
still be used."""

from __future__ import annotations

from sqlalchemy import func, select, update

from lib.store.codes import VerificationStatus, plain
from lib.store.database import insert_for
from lib.store.repository import Repository
from lib.store.tables import verifications

# The one-time token is kept only until it is used (a result left unread has spent it too).
_TOKEN_GONE = {
    VerificationStatus.USED,
    VerificationStatus.EXPIRED,
    VerificationStatus.FAILED,
    VerificationStatus.RESULT_UNREAD,
}


class Verifications(Repository):
    def record(self, attempt, status: VerificationStatus | str, *, group_id: str | None = None) -> None:
        """Keep a lib.verification.VerificationAttempt as it stands (insert or update by its task id)."""
        status = VerificationStatus(status)
        values = {
            "scope": self.scope_id,
            "task_id": attempt.task_id,
            "status": status.value,
            "created_at": attempt.created_at,
            "expires_at": attempt.expires_at,
            "outcome": plain(attempt.outcome),
            "byted_token": None if status in _TOKEN_GONE else attempt.byted_token,
            "group_id": group_id,
            "result_task_id": getattr(attempt, "result_task_id", None),
            "created_by": self.actor,  # kept from the first record of the session
        }
        with self.db.write([]) as conn:  # no person's rows (a verification is not a person's yet)
            stmt = insert_for(conn, verifications).values(values)
            new = stmt.excluded
            kept = {c: new[c] for c in ("status", "outcome", "byted_token", "group_id")}
            kept["result_task_id"] = func.coalesce(new.result_task_id, verifications.c.result_task_id)
            conn.execute(stmt.on_conflict_do_update(index_elements=["scope", "task_id"], set_=kept))

    def mark_used(self, task_id: str, group_id: str) -> None:
        """The verification gave its group id: the token is gone, the group is known."""
        with self.db.write([]) as conn:
            conn.execute(
                update(verifications)
                .where(verifications.c.scope == self.scope_id, verifications.c.task_id == task_id)
                .values(status=VerificationStatus.USED.value, byted_token=None, group_id=group_id)
            )

    def all(self) -> list[dict]:
        """Every session, newest first."""
        stmt = (
            select(verifications)
            .where(verifications.c.scope == self.scope_id)
            .order_by(verifications.c.created_at.desc())
        )
        return [dict(r._mapping) for r in self.db.rows(stmt)]

    def get(self, task_id: str) -> dict | None:
        stmt = select(verifications).where(
            verifications.c.scope == self.scope_id, verifications.c.task_id == task_id
        )
        rows = self.db.rows(stmt)
        return dict(rows[0]._mapping) if rows else None

    def unread_results(self) -> list[dict]:
        """Sessions whose token was accepted but whose group id was never read (newest first)."""
        return [v for v in self.all() if v["status"] == VerificationStatus.RESULT_UNREAD]
