"""Submissions, asset attempts and review tasks of a connection: the asset ledger saved and loaded
(write-ahead rows included), the Library's asset tables, and the sends whose outcome is unknown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import bindparam, case, delete, func, literal_column, select, update

from lib.ledger import AssetLedger
from lib.store.codes import AssetStatus, SubmissionStatus, plain
from lib.store.database import execute_many, insert_for
from lib.store.ledger_rows import attempt_rows, rebuild, task_rows
from lib.store.repository import Repository
from lib.store.tables import assets, meta, people, review_tasks, submissions

UNSETTLED = (AssetStatus.SENDING.value, AssetStatus.UNKNOWN.value)
# Columns `table` may select, by name ("label" is the person's).
TABLE_COLUMNS = {c.name: c for c in assets.c} | {"label": people.c.label}
_WITH_LABEL = assets.outerjoin(
    people, (people.c.scope == assets.c.scope) & (people.c.group_id == assets.c.group_id)
)
_ATTEMPT_UPDATES = (
    "status",
    "task_id",
    "send_key",
    "asset_type",
    "asset_id",
    "asset_url",
    "error_code",
    "error_message",
    "updated_at",
    "is_latest",
)


# The Library's reads, built once (SQLAlchemy caches their compiled forms; building them again on every
# rerun cost as much as running them). Values are bound per call: scope, group_id, status.
@lru_cache(maxsize=32)
def _table_statement(columns: tuple[str, ...], by_group: bool, latest_only: bool, by_status: bool):
    # Conditions are added only when asked, as in Assets._where.
    where = [assets.c.scope == bindparam("scope")]
    if by_group:
        where.append(assets.c.group_id == bindparam("group_id"))
    if latest_only:
        where.append(assets.c.is_latest == 1)
    if by_status:
        where.append(assets.c.status == bindparam("status"))
    if not by_group:
        chosen, source = [TABLE_COLUMNS[c] for c in columns], _WITH_LABEL
    else:
        # One person: their label is read once, not joined to each of their thousand rows.
        label = select(people.c.label).where(
            people.c.scope == bindparam("scope"), people.c.group_id == bindparam("group_id")
        )
        chosen = [label.scalar_subquery() if c == "label" else TABLE_COLUMNS[c] for c in columns]
        source = assets
    return (
        select(*chosen)
        .select_from(source)
        .where(*where)
        .order_by(assets.c.group_id, assets.c.asset_key, assets.c.attempt)
    )


_SINCE = func.min(assets.c.updated_at).label("since")
_UNSETTLED_SENDS = (
    select(
        assets.c.group_id,
        func.max(people.c.label).label("label"),
        assets.c.send_key,
        func.count().label("assets"),
        func.aggregate_strings(assets.c.name, ", ").label("names"),
        _SINCE,
    )
    .select_from(_WITH_LABEL)
    .where(assets.c.scope == bindparam("scope"), assets.c.is_latest == 1, assets.c.status.in_(UNSETTLED))
    .group_by(assets.c.group_id, assets.c.send_key)
    .order_by(_SINCE)
)
# The sends are counted group by group: the scope's groups are found by a seek each (a loose index scan),
# then each group's unsettled rows by a seek on assets_current, instead of visiting every asset of the scope.
_FIRST = select(func.min(assets.c.group_id)).where(assets.c.scope == bindparam("scope"))
_GROUPS = _FIRST.cte("scope_groups", recursive=True)
_GROUPS = _GROUPS.union_all(
    select(
        select(func.min(assets.c.group_id))
        .where(assets.c.scope == bindparam("scope"), assets.c.group_id > _GROUPS.c[0])
        .scalar_subquery()
    ).where(_GROUPS.c[0].is_not(None))
)
_UNSETTLED_SEND_COUNT = select(func.count()).select_from(
    select(assets.c.group_id)
    .where(
        assets.c.scope == bindparam("scope"),
        assets.c.group_id.in_(select(_GROUPS.c[0])),
        assets.c.is_latest == 1,
        assets.c.status.in_(UNSETTLED),
    )
    .group_by(assets.c.group_id, assets.c.send_key)
    .subquery()
)


def _attempt_upsert(conn):
    """The save's INSERT of attempt rows, updating a row already there only when it is the same send's (the
    same send_key, or both without one) and only forward: a row settled (under review, usable, failed) is never
    put back to sending/unknown, nor a reviewed one (usable, failed) to under review, by a ledger read before
    (another server's, another tab's). An
    asset's current attempt stays a later one's when a stale ledger names an earlier one current. Another
    send's attempt in the same slot (two tabs retrying one asset at once) is left as it is: the first claim
    wins (Assets.save_ledger returns the slots it lost)."""
    stmt = insert_for(conn, assets)
    new, old = stmt.excluded, assets.c
    unsettled = [literal_column(f"'{s}'") for s in UNSETTLED]  # literals: executemany binds row values only
    # The row in conflict is `assets` itself: the lookup is written out (SQLAlchemy would not correlate it
    # inside ON CONFLICT, and would scan the table a second time).
    later = literal_column(
        "EXISTS (SELECT 1 FROM assets AS later WHERE later.scope = assets.scope AND later.group_id = "
        "assets.group_id AND later.asset_key = assets.asset_key AND later.attempt > assets.attempt)"
    )
    updates = {c: new[c] for c in _ATTEMPT_UPDATES}
    # CASE: the later-attempt lookup runs only for a row that would become current again (rare).
    one, zero = literal_column("1"), literal_column("0")
    updates["is_latest"] = case(
        ((new.is_latest == one) & (old.is_latest == zero) & later, zero), else_=new.is_latest
    )
    return stmt.on_conflict_do_update(
        index_elements=["scope", "group_id", "asset_key", "attempt"],
        set_=updates,
        where=old.send_key.is_not_distinct_from(new.send_key)
        & (new.status.not_in(unsettled) | old.status.in_(unsettled))
        & ((new.status != _PENDING) | old.status.not_in(_FINAL)),
    )


def _task_upsert(conn):
    """The save's INSERT of review tasks; a task stored as final stays final (a stale ledger's save would
    otherwise open its review again)."""
    stmt = insert_for(conn, review_tasks)
    updates = {c: stmt.excluded[c] for c in ("status", "final", "raw", "position")}
    return stmt.on_conflict_do_update(
        index_elements=["scope", "task_id"],
        set_=updates,
        where=(review_tasks.c.final == literal_column("0")) | (stmt.excluded.final != literal_column("0")),
    )


_PENDING = literal_column(f"'{AssetStatus.PENDING.value}'")
_FINAL = [literal_column(f"'{s.value}'") for s in (AssetStatus.USABLE, AssetStatus.FAILED)]



class Assets(Repository):
    def save_ledger(self, ledger: AssetLedger, *, everything: bool = False) -> set[tuple[int, int]]:
        """Bring the stored ledger up to date, in one write transaction (idempotent). Only the assets and
        review tasks that changed since its last save here are written (AssetLedger.changed_keys): a poll
        that finishes one task of a 20,000-asset review writes that task's rows. Every row is written when
        the ledger was never saved here (made in memory, or saved to another store), when its asset_type
        moved, or when asked (`everything`). An unchanged asset's row keeps its updated_at.

        Returns the (asset_key, attempt) slots this ledger staged for a send that another send holds in the
        store (another tab or server retried the same asset first): those rows were not written, and those
        attempts must not be sent. Empty when nothing was lost (always, for a ledger with nothing sending)."""
        where = self._where_saved()
        if everything or not ledger.saved_to(where):
            keys = task_ids = None
        else:
            keys, task_ids = set(ledger.changed_keys), set(ledger.changed_tasks)
            if not keys and not task_ids:
                ledger.mark_saved(where, keys, task_ids)
                return set()
        attempts = attempt_rows(self.scope_id, ledger, self.db.clock(), keys, self.actor)
        tasks = task_rows(self.scope_id, ledger, task_ids)
        # Replacement links: the whole group on a full save; else only assets with a retry among those written.
        retried = None if keys is None else [r["asset_key"] for r in attempts if r["attempt"] > 1]
        sending = [r for r in attempts if r["status"] == AssetStatus.SENDING and r["send_key"]]
        lost: set[tuple[int, int]] = set()
        with self.db.write([ledger.group_id]) as conn:  # this person's rows only (their change stamp)
            if attempts:
                execute_many(conn, _attempt_upsert(conn), attempts, name="assets.save_ledger")
                if sending:
                    lost = self._claimed_elsewhere(conn, ledger.group_id, sending)
                if retried is None or retried:
                    self._link_replacements(conn, ledger.group_id, retried)
            if tasks:
                execute_many(conn, _task_upsert(conn), tasks, name="review_tasks.save_ledger")
        ledger.mark_saved(where, keys, task_ids)  # only once committed: a failed save is tried again whole
        return lost

    def _claimed_elsewhere(self, conn, group_id: str, sending: list[dict]) -> set[tuple[int, int]]:
        """Of the write-ahead rows just saved, the slots whose stored row is another send's."""
        mine = {(r["asset_key"], r["attempt"]): r["send_key"] for r in sending}
        stored = conn.execute(
            select(assets.c.asset_key, assets.c.attempt, assets.c.send_key).where(
                self._in_group(group_id), assets.c.asset_key.in_(sorted({k for k, _ in mine}))
            )
        ).all()
        return {(k, a) for k, a, key in stored if (k, a) in mine and key != mine[(k, a)]}

    def reserve_keys(self, group_id: str, count: int, at_least: int = 0) -> int:
        """The first of `count` asset keys for the person's new assets, past every key stored or reserved
        by any session or server (and `at_least`): two pages sending for one person at once never write
        over each other's rows (their ledgers count keys from 0 each). Taken in one write transaction: the
        counter's row is locked (PostgreSQL) or the database is (SQLite) until it commits."""
        name = f"asset_keys|{self.scope_id}|{group_id}"
        with self.db.write([group_id], items=False) as conn:
            conn.execute(insert_for(conn, meta).values(name=name, value="0").on_conflict_do_nothing())
            held = conn.execute(select(meta.c.value).where(meta.c.name == name).with_for_update()).scalar()
            stored = conn.execute(
                select(func.max(assets.c.asset_key)).where(self._in_group(group_id))
            ).scalar()
            start = max(int(held), -1 if stored is None else stored + 1, at_least)
            conn.execute(update(meta).where(meta.c.name == name).values(value=str(start + count)))
        return start

    def _where_saved(self) -> tuple:
        # Which store a ledger was saved to: this database (its engine, made once per Database, and URL) and
        # scope. Repositories are made afresh on every call of the pages; the engine stays.
        return (id(self.db.engine), self.db.url, self.scope_id)

    def _link_replacements(self, conn, group_id: str, keys: list[int] | None = None) -> None:
        # Each attempt points at the one it replaces, so the history reads as a chain.
        before = assets.alias("before")
        replaced = select(before.c.id).where(
            before.c.scope == assets.c.scope,
            before.c.group_id == assets.c.group_id,
            before.c.asset_key == assets.c.asset_key,
            before.c.attempt == assets.c.attempt - 1,
        )
        where = [self._in_group(group_id), assets.c.attempt > 1, assets.c.replaces_id.is_(None)]
        if keys is not None:
            where.append(assets.c.asset_key.in_(sorted(set(keys))))
        conn.execute(update(assets).where(*where).values(replaces_id=replaced.scalar_subquery()))

    def _in_group(self, group_id: str):
        return (assets.c.scope == self.scope_id) & (assets.c.group_id == group_id)

    def load_ledger(self, group_id: str) -> AssetLedger | None:
        """Rebuild a group's ledger (for resuming after a reload or restart); None when it has none."""
        tasks = self.db.rows(
            select(review_tasks)
            .where(review_tasks.c.scope == self.scope_id, review_tasks.c.group_id == group_id)
            .order_by(review_tasks.c.position, review_tasks.c.task_id)
        )
        rows = self.db.rows(
            select(assets).where(self._in_group(group_id)).order_by(assets.c.asset_key, assets.c.attempt)
        )
        if not tasks and not rows:
            return None
        asset_type = tasks[-1].asset_type if tasks else self._last_asset_type(group_id)
        ledger = rebuild(group_id, asset_type, tasks, rows)
        # As stored: the next save writes only what changes from here (and what reads back differently).
        ledger.mark_saved(self._where_saved(), (), ())
        return ledger

    def _last_asset_type(self, group_id: str) -> str:
        stmt = (
            select(submissions.c.asset_type)
            .where(submissions.c.scope == self.scope_id, submissions.c.group_id == group_id)
            .order_by(submissions.c.id.desc())
            .limit(1)
        )
        return self.db.scalar(stmt) or "Video"

    def forget_attempts(self, group_id: str, send_key: str) -> None:
        """Delete the attempts of a send that certainly did not go out, or that the operator decided not to
        send (save the ledger afterwards: it marks the attempts that are current again)."""
        with self.db.write([group_id]) as conn:
            conn.execute(
                delete(assets).where(
                    self._in_group(group_id), assets.c.send_key == send_key, assets.c.status.in_(UNSETTLED)
                )
            )

    # -------------------------------------------------------------- reading

    def _where(self, group_id: str | None, latest_only: bool, status: str = "") -> list:
        # Conditions are added only when asked: an "(? IS NULL OR group_id = ?)" form would keep the
        # planner from narrowing to the group with the index.
        where = [assets.c.scope == self.scope_id]
        if group_id is not None:
            where.append(assets.c.group_id == group_id)
        if latest_only:
            where.append(assets.c.is_latest == 1)
        if status:
            where.append(assets.c.status == plain(status))
        return where

    def rows(self, group_id: str | None = None, *, latest_only: bool = True) -> list[dict]:
        """Attempts with every column and the person's label, by group, key and attempt."""
        stmt = (
            select(assets, people.c.label)
            .select_from(_WITH_LABEL)
            .where(*self._where(group_id, latest_only))
            .order_by(assets.c.group_id, assets.c.asset_key, assets.c.attempt)
        )
        return [dict(r._mapping) for r in self.db.rows(stmt)]

    def table(
        self,
        columns: Sequence[str],
        group_id: str | None = None,
        *,
        latest_only: bool = True,
        status: str = "",
    ) -> list[tuple]:
        """Only `columns` (names of TABLE_COLUMNS), as plain tuples in that order: what a table needs, without
        a dict per row (the Library re-reads a group's thousand rows after each write)."""
        unknown = set(columns) - TABLE_COLUMNS.keys()
        if unknown:
            raise ValueError(f"not asset columns: {sorted(unknown)}")
        stmt = _table_statement(tuple(columns), group_id is not None, latest_only, bool(status))
        return self.db.tuples(stmt.params(scope=self.scope_id, group_id=group_id, status=plain(status)))

    def usable(self) -> list[dict]:
        """Every person's approved assets (current attempts), with the person's label and the type their
        review task was sent with (Image or Video: a reference's kind on the Generate page)."""
        task = review_tasks
        stmt = (
            select(
                *(
                    assets.c[c]
                    for c in ("group_id", "asset_key", "name", "asset_url", "source_url", "task_id")
                ),
                assets.c.updated_at,
                people.c.label,
                task.c.asset_type,
            )
            .select_from(
                _WITH_LABEL.outerjoin(
                    task, (task.c.scope == assets.c.scope) & (task.c.task_id == assets.c.task_id)
                )
            )
            .where(*self._where(None, True, AssetStatus.USABLE), assets.c.asset_url.is_not(None))
            .order_by(assets.c.group_id, assets.c.asset_key)
        )
        return [dict(r._mapping) for r in self.db.rows(stmt)]

    def unsettled_sends(self) -> list[dict]:
        """Asset sends whose outcome is unknown (or that were being sent when the app stopped), one row per
        send: group, label, key, how many assets and their names, oldest first."""
        return [dict(r._mapping) for r in self.db.rows(_UNSETTLED_SENDS.params(scope=self.scope_id))]

    def unsettled_send_count(self) -> int:
        """How many sends `unsettled_sends` lists, without reading them."""
        return self.db.scalar(_UNSETTLED_SEND_COUNT.params(scope=self.scope_id))

    def groups_with_open_reviews(self) -> list[str]:
        """The people with a review still under way; when an operator is signed in, only those whose review
        they sent (a new session of theirs resumes their own work, not a teammate's)."""
        where = [review_tasks.c.scope == self.scope_id, review_tasks.c.final == 0]
        if self.actor:
            where.append(
                select(assets.c.id)
                .where(
                    assets.c.scope == review_tasks.c.scope,
                    assets.c.group_id == review_tasks.c.group_id,
                    assets.c.task_id == review_tasks.c.task_id,
                    assets.c.created_by == self.actor,
                )
                .exists()
            )
        stmt = select(review_tasks.c.group_id).where(*where).distinct()
        return [r[0] for r in self.db.rows(stmt)]


class Submissions(Repository):
    """One record per request batch of a type sent for a group, with its task ids and how it went."""

    def start(self, group_id: str, asset_type: str, count: int) -> int:
        return self._add(
            submissions,
            group_id=group_id,
            asset_type=asset_type,
            task_ids="[]",
            status=SubmissionStatus.SENDING.value,
            detail=f"{count} asset(s)",
        )

    def finish(
        self,
        group_id: str,
        submission_id: int,
        task_ids: Sequence[str],
        status: SubmissionStatus,
        detail: str = "",
    ) -> None:
        with self.db.write([group_id]) as conn:  # this person's change stamp only
            conn.execute(
                update(submissions)
                .where(
                    submissions.c.scope == self.scope_id,
                    submissions.c.group_id == group_id,
                    submissions.c.id == submission_id,
                )
                .values(task_ids=json.dumps(list(task_ids)), status=plain(status), detail=detail)
            )

    def all(self, group_id: str | None = None) -> list[dict]:
        where = [submissions.c.scope == self.scope_id]
        if group_id is not None:
            where.append(submissions.c.group_id == group_id)
        rows = self.db.rows(select(submissions).where(*where).order_by(submissions.c.id))
        return [{**r._mapping, "task_ids": json.loads(r.task_ids)} for r in rows]
