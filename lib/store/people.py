"""The people of a connection (a label and notes on each verified person's group id), with their asset
counts, and the person the operator last worked on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, literal, or_, select, update

from lib.store.codes import AssetStatus
from lib.store.database import insert_for
from lib.store.repository import Repository
from lib.store.tables import assets, meta, people


@dataclass(frozen=True)
class Person:
    group_id: str
    label: str
    mode: str
    created_at: float
    notes: str = ""
    usable: int = 0
    failed: int = 0
    pending: int = 0
    created_by: str | None = None  # who added them (signed in); None when nobody signs in


def _count(status: AssetStatus):
    # One counting subquery per status rather than SUM(...) over a join: each is a range count on the
    # covering index assets_current, with no expression to evaluate per asset.
    return (
        select(func.count())
        .where(
            assets.c.scope == people.c.scope,
            assets.c.group_id == people.c.group_id,
            assets.c.is_latest == 1,
            assets.c.status == status.value,
        )
        .scalar_subquery()
        .label(status.value)
    )


_OWN = (people.c.group_id, people.c.label, people.c.mode, people.c.created_at, people.c.notes)
_COUNTS = [_count(s) for s in (AssetStatus.USABLE, AssetStatus.FAILED, AssetStatus.PENDING)]
# Rows come back in Person's field order and are made positionally: Person(**row._mapping) cost 12x as
# much on 20,000 people.
_FOUND = (
    people.c.scope == bindparam("scope"),
    or_(people.c.label.ilike(bindparam("like")), people.c.group_id.ilike(bindparam("like"))),
)
_ONLY = people.c.group_id.in_(bindparam("only", expanding=True))
# Built once (the Library reads them on every change): the scope, the search and the people are bound per
# call. The Library re-reads only the people written to since it last read, and their counts only when
# their assets were.
_FIND = select(*_OWN, *_COUNTS, people.c.created_by).where(*_FOUND).order_by(people.c.created_at.desc())
_FIND_ONLY = _FIND.where(_ONLY)
_ZERO = [literal(0).label(c.name) for c in _COUNTS]  # not counted: left at 0
_FIND_ONLY_UNCOUNTED = (
    select(*_OWN, *_ZERO, people.c.created_by).where(*_FOUND, _ONLY).order_by(people.c.created_at.desc())
)


class People(Repository):
    def save(self, group_id: str, label: str = "", notes: str | None = None) -> None:
        """Keep a person; an empty label keeps the one they had."""
        with self.db.write([group_id], items=False) as conn:
            stmt = insert_for(conn, people).values(
                scope=self.scope_id,
                group_id=group_id,
                label=label.strip(),
                mode=self.scope.mode,
                created_at=self.db.clock(),
                created_by=self.actor,  # the first to save them; saving again keeps it
            )
            keep = case((stmt.excluded.label == "", people.c.label), else_=stmt.excluded.label)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["scope", "group_id"], set_={"label": keep})
            )
            if notes is not None:
                conn.execute(self._one(group_id).values(notes=notes))

    def rename(self, group_id: str, label: str) -> None:
        with self.db.write([group_id], items=False) as conn:
            conn.execute(self._one(group_id).values(label=label.strip()))

    def _one(self, group_id: str):
        return update(people).where(people.c.scope == self.scope_id, people.c.group_id == group_id)

    def find(
        self, search: str = "", only: Iterable[str] | None = None, *, counts: bool = True
    ) -> list[Person]:
        """Everyone whose label or group id holds `search` (any case), newest first, with their counts;
        with `only`, just those of these group ids (and without `counts`, their counts left at 0: not
        counted)."""
        like = f"%{search.strip()}%"
        if only is None:
            stmt = _FIND.params(scope=self.scope_id, like=like)
        else:
            stmt = (_FIND_ONLY if counts else _FIND_ONLY_UNCOUNTED).params(
                scope=self.scope_id, like=like, only=sorted(only)
            )
        return [Person(*row) for row in self.db.rows(stmt)]

    def labels(self) -> dict[str, str]:
        """group id -> label, for everyone."""
        return {p.group_id: p.label for p in self.find()}

    # -------------------------------------------------------------- the operator's last person

    def _last_key(self) -> str:
        # Each signed-in operator has their own; nobody signed in: the connection's (as before sign-in).
        if self.actor:
            return f"last_person|{self.scope_id}|{self.actor}"
        return f"last_person|{self.scope_id}"

    def remember_last(self, group_id: str) -> None:
        """The person last worked on (by this operator, when signed in): a new session (a reload, a restart)
        opens with them. Written only when it changes (every write moves the change stamp)."""
        if self.last() == group_id:
            return
        with self.db.write([]) as conn:  # no person's rows
            stmt = insert_for(conn, meta).values(name=self._last_key(), value=group_id)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["name"], set_={"value": stmt.excluded.value})
            )

    def last(self) -> str | None:
        return self.db.scalar(select(meta.c.value).where(meta.c.name == self._last_key()))
