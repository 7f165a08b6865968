"""The files a connection received (lib.media.intake records them): one row per file and person, found again
by its content hash, with its check report, thumbnail, where it is hosted, and when it was sent, reviewed and
removed. `media_by_key` is scope-free for the /media route (the key is the capability). No file I/O here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from sqlalchemy import bindparam, select, update

from lib.media.report import MediaReport
from lib.media.storage.base import Stored
from lib.store.database import Database, insert_for
from lib.store.repository import Repository
from lib.store.tables import media

READY, REFUSED, DELETED = "ready", "refused", "deleted"
# Two files that collide on this are the same file for the same person (and the same fix of it).
_ONCE = ["scope", "group_id", "sha256", "fix"]
# A review lasts minutes to hours: one sent this long ago whose end nobody saw (the Review page never opened
# again) is treated as ended, so no file is kept forever.
STALE_REVIEW_SECONDS = 30 * 86400
# Every column but the two pictures: what the route and the retention sweep read.
_LIGHT = [c for c in media.c if c.name not in ("thumbnail", "face_frame")]


@dataclass(frozen=True)
class MediaRow:
    id: str  # unguessable (secrets.token_urlsafe(24)): the hosted key is "<id>.<ext>"
    group_id: str
    sha256: str
    name: str  # for display (lib.media.names.safe_name)
    source: str  # "computer" | "phone" | "fix" | "url"
    kind: str  # "Image" | "Video" | ""
    size: int
    state: str  # READY | REFUSED | DELETED
    format: str = ""
    ext: str = ""
    content_type: str = ""
    fix: str = ""  # the Fix value that made it from `derived_from`; "" for an original
    derived_from: str | None = None
    backend: str | None = None  # "app" | "s3"; None when nothing is hosted (refused)
    storage_key: str | None = None
    report: dict = field(default_factory=dict)  # MediaReport.to_dict()
    thumbnail: bytes | None = None
    face_frame: bytes | None = None
    capture_id: str | None = None
    created_at: float = 0.0  # 0: the store's clock at add()
    sent_at: float | None = None
    review_ended_at: float | None = None
    deleted_at: float | None = None
    scope: str = ""  # filled in by the repository

    def __hash__(self) -> int:  # the report is a dict: rows hash by their id
        return hash(self.id)

    @property
    def stored(self) -> Stored | None:
        """Where its file is hosted, or None (refused, deleted)."""
        if self.state != READY or not self.backend or not self.storage_key:
            return None
        return Stored(self.backend, self.storage_key, self.content_type, self.size)

    def media_report(self) -> MediaReport:
        return MediaReport.from_dict(self.report, face_frame=self.face_frame)


_FIELDS = {f.name for f in fields(MediaRow)}


def _row(row) -> MediaRow:
    values = {k: v for k, v in row._mapping.items() if k in _FIELDS}
    values["report"] = json.loads(values.get("report") or "{}")
    for blob in ("thumbnail", "face_frame"):
        if values.get(blob) is not None:
            values[blob] = bytes(values[blob])  # PostgreSQL's driver hands back a memoryview
    return MediaRow(**values)


def _values(row: MediaRow) -> dict:
    values = {f.name: getattr(row, f.name) for f in fields(MediaRow)}
    values["report"] = json.dumps(row.report)
    return values


_BY_KEY = select(*_LIGHT).where(
    media.c.storage_key == bindparam("key"), media.c.state == READY, media.c.deleted_at.is_(None)
)


def media_by_key(db: Database, key: str) -> MediaRow | None:
    """The ready, not deleted row hosted under `key` (any scope: the unguessable key is the capability)."""
    rows = db.rows(_BY_KEY.params(key=key))
    return _row(rows[0]) if rows else None


def media_to_sweep(db: Database, now: float, keep_seconds: float) -> list[MediaRow]:
    """Every scope's rows whose time is up: review ended more than `keep_seconds` ago, never sent and older
    than that, or sent so long ago (STALE_REVIEW_SECONDS more) that its review's end was never seen (lib.media
    .retention removes their files)."""
    cutoff = now - keep_seconds
    c = media.c
    stmt = (
        select(*_LIGHT)
        .where(
            c.state != DELETED,
            (c.review_ended_at < cutoff)
            | (c.sent_at.is_(None) & (c.created_at < cutoff))
            | (c.sent_at < cutoff - STALE_REVIEW_SECONDS),
        )
        .order_by(c.created_at)
    )
    return [_row(r) for r in db.rows(stmt)]


def _deleted(at: float) -> dict:
    # The row stays, with its thumbnail, so what was sent keeps its picture in the Library.
    return {"state": DELETED, "deleted_at": at, "backend": None, "storage_key": None, "face_frame": None}


def mark_deleted(db: Database, media_id: str, at: float) -> None:
    """Scope-free, for the retention sweep (it crosses scopes): the row's file is gone."""
    with db.write() as conn:
        conn.execute(update(media).where(media.c.id == media_id).values(**_deleted(at)))


class Media(Repository):
    def add(self, row: MediaRow) -> tuple[MediaRow, bool]:
        """Record `row` under this scope; (the row kept, True) when it is new. When the same file (scope,
        group, sha256, fix) is already kept, that row comes back with False and nothing is written: the
        caller hosted its copy first, so it deletes that copy (two uploads of one file racing end here, on
        the unique constraint). A deleted row of the same file is replaced by the new one."""
        values = {
            **_values(row),
            "scope": self.scope_id,
            "created_at": row.created_at or self.db.clock(),
            "created_by": self.actor,
        }
        with self.db.write([row.group_id]) as conn:
            stmt = insert_for(conn, media).values(**values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=_ONCE,
                    set_={k: stmt.excluded[k] for k in values if k not in _ONCE},
                    where=media.c.state == DELETED,
                )
            )
            kept = conn.execute(select(media).where(*(media.c[k] == values[k] for k in _ONCE))).one()
        kept_row = _row(kept)
        return kept_row, kept_row.id == row.id

    def get(self, media_id: str) -> MediaRow | None:
        rows = self.db.rows(select(media).where(media.c.scope == self.scope_id, media.c.id == media_id))
        return _row(rows[0]) if rows else None

    def find(self, group_id: str, sha256: str, fix: str = "") -> MediaRow | None:
        """The kept row of this file for this person (before checking it again), deleted or not."""
        c = media.c
        stmt = select(media).where(
            c.scope == self.scope_id, c.group_id == group_id, c.sha256 == sha256, c.fix == fix
        )
        rows = self.db.rows(stmt)
        return _row(rows[0]) if rows else None

    def by_group(self, group_id: str, since: float | None = None) -> list[MediaRow]:
        """A person's files, not deleted, oldest first; with `since`, those created at or after it (a poll
        passes the newest created_at it has seen and drops the ids it holds)."""
        c = media.c
        stmt = select(media).where(c.scope == self.scope_id, c.group_id == group_id, c.state != DELETED)
        if since is not None:
            stmt = stmt.where(c.created_at >= since)
        return [_row(r) for r in self.db.rows(stmt.order_by(c.created_at, c.id))]

    def kept(self, group_id: str) -> list[MediaRow]:
        """A person's ready files, oldest first, without the pictures (what Submit offers back)."""
        c = media.c
        stmt = select(*_LIGHT).where(c.scope == self.scope_id, c.group_id == group_id, c.state == READY)
        return [_row(r) for r in self.db.rows(stmt.order_by(c.created_at, c.id))]

    def by_capture(self, capture_id: str) -> list[MediaRow]:
        """What came through one capture link, oldest first (without the pictures)."""
        c = media.c
        stmt = (
            select(*_LIGHT)
            .where(c.scope == self.scope_id, c.capture_id == capture_id)
            .order_by(c.created_at, c.id)
        )
        return [_row(r) for r in self.db.rows(stmt)]

    def by_ids(self, ids: Iterable[str]) -> dict[str, MediaRow]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        stmt = select(media).where(media.c.scope == self.scope_id, media.c.id.in_(wanted))
        return {r.id: _row(r) for r in self.db.rows(stmt)}

    def thumbnails(self, ids: Iterable[str]) -> dict[str, bytes]:
        """id -> JPEG thumbnail, for the ids that have one (deleted rows keep theirs)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        c = media.c
        stmt = select(c.id, c.thumbnail).where(
            c.scope == self.scope_id, c.id.in_(wanted), c.thumbnail.is_not(None)
        )
        return {media_id: bytes(thumb) for media_id, thumb in self.db.tuples(stmt)}

    def mark_sent(self, ids: Iterable[str], at: float) -> None:
        """Sent for review at `at`: kept until its review ends (a resend starts a new review)."""
        self._set(ids, sent_at=at, review_ended_at=None)

    def mark_review_ended(self, ids: Iterable[str], at: float) -> None:
        """Its review ended at `at`: the retention period counts from here. The first end counts (a resend
        clears it); nothing is written when every one is already marked, so calling it on each read of a
        ledger moves no change stamp."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return
        c = media.c
        stmt = select(c.id).where(c.scope == self.scope_id, c.id.in_(wanted), c.review_ended_at.is_(None))
        unmarked = [media_id for (media_id,) in self.db.tuples(stmt)]
        if unmarked:
            self._set(unmarked, review_ended_at=at)

    def mark_deleted(self, media_id: str, at: float) -> None:
        """Its file is gone (the caller deleted it from storage first)."""
        self._set([media_id], **_deleted(at))

    def _set(self, ids: Iterable[str], **values: object) -> None:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return
        # Whose files they are, so that only those people's stamps move (a few ids: one indexed read).
        owners = (
            select(media.c.group_id).where(media.c.scope == self.scope_id, media.c.id.in_(wanted)).distinct()
        )
        with self.db.write([g for (g,) in self.db.tuples(owners)]) as conn:
            conn.execute(
                update(media).where(media.c.scope == self.scope_id, media.c.id.in_(wanted)).values(**values)
            )
