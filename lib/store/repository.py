"""What every repository shares: the database and the scope it was made for (every query is narrowed to
it, so one connection never reads another's rows; every write moves that scope's change stamps, see
ScopedDatabase)."""

from __future__ import annotations

from sqlalchemy import Table

from lib.store.database import Database, Scope, ScopedDatabase


class Repository:
    def __init__(self, db: Database, scope: Scope) -> None:
        # self.db.write(people) moves this scope's stamps (and those of `people`, the group ids written to).
        self.db, self.scope, self.scope_id = ScopedDatabase(db, scope.id), scope, scope.id

    def _add(self, table: Table, **values: object) -> int:
        """A new row of this scope in `table`, its created_at now (in the write); returns its id."""
        group_id = values.get("group_id")
        with self.db.write([group_id] if group_id else []) as conn:
            return conn.execute(
                table.insert().values(scope=self.scope_id, created_at=self.db.clock(), **values)
            ).inserted_primary_key[0]
