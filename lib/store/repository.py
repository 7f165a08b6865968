"""What every repository shares: the database, the scope it was made for (every query is narrowed to it,
so one connection never reads another's rows; every write moves that scope's change stamps, see
ScopedDatabase), and the actor: who is signed in (their email or name; None when nobody signs in), recorded
as created_by on every row a repository adds."""

from __future__ import annotations

from sqlalchemy import Table

from lib.store.database import Database, Scope, ScopedDatabase


class Repository:
    def __init__(self, db: Database, scope: Scope, actor: str | None = None) -> None:
        # self.db.write(people) moves this scope's stamps (and those of `people`, the group ids written to).
        self.db, self.scope, self.scope_id = ScopedDatabase(db, scope.id), scope, scope.id
        self.actor = actor or None

    def _add(self, table: Table, **values: object) -> int:
        """A new row of this scope in `table`, its created_at now (in the write), and who made it when the
        table records that; returns its id."""
        group_id = values.get("group_id")
        if "created_by" in table.c:
            values.setdefault("created_by", self.actor)
        with self.db.write([group_id] if group_id else []) as conn:
            return conn.execute(
                table.insert().values(scope=self.scope_id, created_at=self.db.clock(), **values)
            ).inserted_primary_key[0]
