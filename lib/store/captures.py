"""Phone capture links: a person's upload page reached by an unguessable token that expires and can be
closed. Only the token's SHA-256 is kept; the token itself is handed out once (for the QR code).
`resolve_capture` is scope-free for the capture route (the token is the capability)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from lib.store.database import Database
from lib.store.repository import Repository
from lib.store.tables import capture_links


@dataclass(frozen=True)
class CaptureLink:
    id: str  # short and random; not a capability (the token is)
    scope: str
    group_id: str
    label: str
    created_at: float
    expires_at: float
    closed_at: float | None = None
    created_by: str | None = None  # the operator who opened it: the files that come through it are theirs


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_COLUMNS = [capture_links.c[name] for name in CaptureLink.__dataclass_fields__]
_BY_HASH = select(*_COLUMNS).where(
    capture_links.c.token_hash == bindparam("hash"),
    capture_links.c.closed_at.is_(None),
    capture_links.c.expires_at > bindparam("now"),
)


def resolve_capture(db: Database, token: str, now: float) -> CaptureLink | None:
    """The link `token` opens, while it is open (before expires_at, not closed); else None, whatever the
    reason (unknown, expired, closed: the caller answers them all alike)."""
    if not token or len(token) > 200:
        return None
    rows = db.rows(_BY_HASH.params(hash=token_hash(token), now=now))
    return CaptureLink(*rows[0]) if rows else None


class Captures(Repository):
    def open(self, group_id: str, label: str, lifetime_seconds: float) -> tuple[CaptureLink, str]:
        """A new link for a person, open for `lifetime_seconds`, and its token (returned only here: keep
        it in the session to show the QR again). The person's earlier open links are closed: one phone
        link per person at a time."""
        token = secrets.token_urlsafe(24)
        now = self.db.clock()
        link = CaptureLink(
            id=secrets.token_urlsafe(8),
            scope=self.scope_id,
            group_id=group_id,
            label=label,
            created_at=now,
            expires_at=now + lifetime_seconds,
            created_by=self.actor,
        )
        with self.db.write([group_id]) as conn:
            # Two tabs or servers opening a link for one person at once: one after the other, so one stays open.
            self.db.hold(conn, f"capture_links|{self.scope_id}|{group_id}")
            conn.execute(self._open_of(group_id).values(closed_at=now))
            conn.execute(
                capture_links.insert().values(
                    **{k: getattr(link, k) for k in CaptureLink.__dataclass_fields__},
                    token_hash=token_hash(token),
                )
            )
        return link, token

    def current(self, group_id: str) -> CaptureLink | None:
        """The person's open link (not closed, not expired), or None."""
        c = capture_links.c
        stmt = (
            select(*_COLUMNS)
            .where(
                c.scope == self.scope_id,
                c.group_id == group_id,
                c.closed_at.is_(None),
                c.expires_at > self.db.clock(),
            )
            .order_by(c.created_at.desc())
            .limit(1)
        )
        rows = self.db.rows(stmt)
        return CaptureLink(*rows[0]) if rows else None

    def get(self, link_id: str) -> CaptureLink | None:
        c = capture_links.c
        rows = self.db.rows(select(*_COLUMNS).where(c.scope == self.scope_id, c.id == link_id))
        return CaptureLink(*rows[0]) if rows else None

    def close(self, link_id: str) -> None:
        """The link stops working now (closing a closed link keeps its first closing time)."""
        c = capture_links.c
        link = self.get(link_id)  # whose link: only that person's stamps move
        with self.db.write([link.group_id] if link else []) as conn:
            conn.execute(
                update(capture_links)
                .where(c.scope == self.scope_id, c.id == link_id, c.closed_at.is_(None))
                .values(closed_at=self.db.clock())
            )

    def _open_of(self, group_id: str):
        c = capture_links.c
        return update(capture_links).where(
            c.scope == self.scope_id, c.group_id == group_id, c.closed_at.is_(None)
        )
