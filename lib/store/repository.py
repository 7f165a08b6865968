"""What every repository shares: the database and the scope it was made for (every query is narrowed to
it, so one connection never reads another's rows)."""

from __future__ import annotations

from lib.store.database import Database, Scope


class Repository:
    def __init__(self, db: Database, scope: Scope) -> None:
        self.db, self.scope, self.scope_id = db, scope, scope.id
