"""Write-ahead intents (what was about to be POSTed, written before it was): kept from versions before
per-row write-ahead, exported while open. One left open reads as an unknown outcome."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from lib.store.codes import IntentOutcome
from lib.store.repository import Repository
from lib.store.tables import intents


class Intents(Repository):
    def begin(self, kind: str, detail: dict) -> int:
        return self._add(intents, kind=kind, detail=json.dumps(detail))

    def complete(self, intent_id: int, outcome: str) -> None:
        with self.db.write([]) as conn:  # no person's rows
            conn.execute(
                update(intents)
                .where(intents.c.id == intent_id, intents.c.scope == self.scope_id)
                .values(completed_at=self.db.clock(), outcome=outcome)
            )

    def open(self) -> list[dict]:
        stmt = (
            select(intents)
            .where(intents.c.scope == self.scope_id, intents.c.completed_at.is_(None))
            .order_by(intents.c.id)
        )
        return [
            {**r._mapping, "detail": json.loads(r.detail), "outcome": IntentOutcome.UNKNOWN.value}
            for r in self.db.rows(stmt)
        ]
