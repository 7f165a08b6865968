"""What every repository shares: the database and the scope it was made for (every query is narrowed to
it, so one connection never reads another's rows)."""

from __future__ import annotations

from sqlalchemy import Table

from lib.store.database import Database, Scope


class Repository:
    def __init__(self, db: Database, scope: Scope) -> None:
        self.db, self.scope, self.scope_id = db, scope, scope.id

    def _add(self, table: Table, **values: object) -> int:
        """A new row of this scope in `table`, its created_at now (in the write); returns its id."""
        with self.db.write() as conn:
            return conn.execute(
                table.insert().values(scope=self.scope_id, created_at=self.db.clock(), **values)
            ).inserted_primary_key[0]
