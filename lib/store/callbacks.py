"""The callback inbox in the database (table `callback_inbox`), so the phone's redirect may reach any app
server while the operator's page lives on another: the rules of lib.callbacks, kept in rows.

Security, as in memory before: a row is found by the SHA-256 of the attempt's callback secret (the secret is
never stored), the token is compared with `hmac.compare_digest`;
a callback is accepted only while the link lives (plus `CALLBACK_GRACE_S`); the first accepted callback stays
(one conditional UPDATE, so two servers receiving the phone's reload at once cannot both write); a refused
callback writes nothing (it is read first, and only an announced, open row is ever updated), so a flood of
forged callbacks neither takes the write lock nor grows the table. Bounded: each `expect` deletes the rows
`keep_after_expiry` past their link's end, and the oldest beyond `max_entries`.

These writes move no change stamp (`quiet_write`): they are no person's rows, and the Library's caches must
not be read again because a phone called back."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from sqlalchemy import bindparam, delete, func, select, update

from lib.callbacks import (
    CALLBACK_GRACE_S,
    KEEP_AFTER_EXPIRY_S,
    MAX_SECRET_LEN,
    CallbackRecord,
    callback_fields,
)
from lib.store.database import Database, insert_for, quiet_write
from lib.store.tables import callback_inbox

MAX_ENTRIES = 10_000
_C = callback_inbox.c
_BY_KEY = select(_C.key, _C.byted_token, _C.expires_at, _C.result_code, _C.params, _C.received_at).where(
    _C.key == bindparam("key")
)


def secret_key(secret: str) -> str:
    """The row key of a callback secret: its SHA-256 (hex). The secret itself is never stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _usable(secret: str) -> bool:
    return bool(secret) and len(secret) <= MAX_SECRET_LEN


class StoredCallbackInbox:
    """The callback inbox of every server sharing `db`: `expect` (a page made an attempt), `record` (the callback
    route), `get` (the page's watch). `clock` defaults to time.time (not db.clock: the link's end is wall time)."""

    def __init__(
        self,
        db: Database,
        *,
        max_entries: int = MAX_ENTRIES,
        clock=time.time,
        keep_after_expiry: float = KEEP_AFTER_EXPIRY_S,
    ) -> None:
        self.db, self._max, self._clock, self._keep = db, max_entries, clock, keep_after_expiry

    def expect(self, secret: str, byted_token: str, expires_at: float) -> None:
        """A page made an attempt: callbacks carrying `secret` and `byted_token` are now welcome (an attempt
        announced again starts over)."""
        if not _usable(secret) or not byted_token:
            raise ValueError("a callback needs a secret and a token")
        now = self._clock()
        values = {
            "key": secret_key(secret),
            "byted_token": byted_token,
            "expires_at": float(expires_at),
            "created_at": now,
            "result_code": None,
            "params": None,
            "received_at": None,
        }
        with quiet_write(self.db) as conn:
            conn.execute(delete(callback_inbox).where(_C.expires_at < now - self._keep))
            stmt = insert_for(conn, callback_inbox).values(**values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[_C.key], set_={k: v for k, v in values.items() if k != "key"}
                )
            )
            if conn.execute(select(func.count()).select_from(callback_inbox)).scalar() > self._max:
                # The oldest go first: keep the newest max_entries.
                cutoff = (
                    select(_C.created_at)
                    .order_by(_C.created_at.desc(), _C.key.desc())
                    .offset(self._max - 1)
                    .limit(1)
                    .scalar_subquery()
                )
                conn.execute(delete(callback_inbox).where(_C.created_at < cutoff))

    def record(self, secret: str, params: Mapping[str, str]) -> CallbackRecord | None:
        """Record the callback carrying `secret`; None (and nothing written) when it is refused: an unknown or
        expired secret, another token, a link already ended, or a second callback that contradicts the first."""
        token = str(params.get("bytedToken") or params.get("byted_token") or "").strip()
        code = str(params.get("resultCode") or params.get("result_code") or "").strip()[:50]
        if not token:
            return None
        now = self._clock()
        row = self._find(secret, now)
        if row is None or not _same(token, row.byted_token) or now > row.expires_at + CALLBACK_GRACE_S:
            return None
        if row.result_code is None:
            kept = callback_fields(params)
            with quiet_write(self.db) as conn:
                won = conn.execute(
                    update(callback_inbox)
                    .where(_C.key == row.key, _C.result_code.is_(None))
                    .values(result_code=code, params=json.dumps(kept), received_at=now)
                ).rowcount
            if won == 1:
                return CallbackRecord(row.byted_token, code, kept, now)
            row = self._find(secret, now)  # another server recorded one first: answer by its word
            if row is None or row.result_code is None:
                return None
        # The first word stays; the same callback again (a reload on the phone) is answered alike.
        return self._record_of(row) if row.result_code == code else None

    def get(self, secret: str) -> CallbackRecord | None:
        """The callback recorded for `secret`, if one arrived (and the row has not expired)."""
        row = self._find(secret, self._clock())
        return self._record_of(row) if row is not None and row.result_code is not None else None

    def __len__(self) -> int:
        """Rows still readable (not `keep_after_expiry` past their link's end)."""
        stmt = select(func.count()).where(_C.expires_at >= self._clock() - self._keep)
        return int(self.db.scalar(stmt.select_from(callback_inbox)))

    def _find(self, secret: str, now: float):
        if not _usable(secret):
            return None
        key = secret_key(secret)
        rows = self.db.rows(_BY_KEY.params(key=key))
        if not rows or now > rows[0].expires_at + self._keep:
            return None
        return rows[0]

    @staticmethod
    def _record_of(row) -> CallbackRecord:
        return CallbackRecord(
            row.byted_token, row.result_code, json.loads(row.params or "{}"), row.received_at or 0.0
        )
