"""Retention of hosted files: a file is removed from storage, and its row marked deleted, once its review
ended more than the retention period ago (AVATAR_DESK_MEDIA_RETENTION_DAYS, default 7) or when it was never
sent and is that old. Files still in review are kept (a review whose end was never seen counts as ended 30
days after it was sent: lib.store.media.STALE_REVIEW_SECONDS). A row stays (with its thumbnail); its URL then
answers 404. It must not remove what another backend hosts: a server sweeps only what its own storage holds."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select, update

from lib.media.storage.base import Storage
from lib.store.database import Database, insert_for
from lib.store.media import READY, mark_deleted, media_to_sweep
from lib.store.tables import meta

DEFAULT_KEEP_SECONDS = 7 * 86400
# When the last sweep began, in meta: with several servers on one database, one sweeps per period.
LAST_SWEEP = "media_swept_at"
log = logging.getLogger(__name__)


def sweep(db: Database, storage: Storage, now: float, keep_seconds: float = DEFAULT_KEEP_SECONDS) -> int:
    """Remove what is due (every scope); returns how many rows were marked deleted. A file the storage
    cannot delete now (a bucket out of reach) is left, with its row, for the next sweep."""
    removed = 0
    for row in media_to_sweep(db, now, keep_seconds):
        stored = row.stored
        if stored is not None and row.state == READY:
            if stored.backend != storage.name:
                continue  # hosted elsewhere (the settings changed since): left to a server that uses it
            try:
                storage.delete(stored)
            except Exception:  # one failure must not stop the rest of the sweep
                log.warning("could not delete media %s from %s storage", row.id, storage.name, exc_info=True)
                continue
        mark_deleted(db, row.id, now)  # refused rows have no file: only the row is marked
        removed += 1
    return removed


def sweep_if_due(
    db: Database,
    storage: Storage,
    now: float,
    keep_seconds: float = DEFAULT_KEEP_SECONDS,
    every_seconds: float = 3600,
) -> int | None:
    """`sweep` when no server has swept in the last `every_seconds` (cheap to call often: the Sweeper calls it
    every few minutes); None when it was not this call's turn. The turn is taken in one conditional write, so two
    servers never sweep at once."""
    # Read first: a write moves the change stamp, and most calls find it is not their turn.
    last = db.scalar(select(meta.c.value).where(meta.c.name == LAST_SWEEP))
    if last is not None and float(last) > now - every_seconds:
        return None
    with db.write() as conn:
        if last is None:  # the first sweep ever: a row to take turns on (an INSERT's rowcount is unreliable)
            conn.execute(insert_for(conn, meta).values(name=LAST_SWEEP, value="0").on_conflict_do_nothing())
            last = "0"
        stmt = update(meta).where(meta.c.name == LAST_SWEEP, meta.c.value == last)
        taken = conn.execute(stmt.values(value=repr(float(now)))).rowcount
    return sweep(db, storage, now, keep_seconds) if taken == 1 else None


class Sweeper:
    """A daemon thread calling `sweep_if_due` every `check_seconds` (the server starts one beside the file
    route); a failed sweep is logged and tried again at the next check."""

    def __init__(
        self,
        db: Database,
        storage: Storage,
        keep_seconds: float = DEFAULT_KEEP_SECONDS,
        *,
        every_seconds: float = 3600,
        check_seconds: float = 300,
        clock=time.time,
    ) -> None:
        self.db, self.storage, self.keep_seconds = db, storage, keep_seconds
        self.every_seconds, self.check_seconds, self.clock = every_seconds, check_seconds, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="media-retention", daemon=True)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sweep_if_due(self.db, self.storage, self.clock(), self.keep_seconds, self.every_seconds)
            except Exception:
                log.warning("the media retention sweep failed", exc_info=True)
            self._stop.wait(self.check_seconds)
