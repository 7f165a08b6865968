"""Uploaded files across several app servers: can every server serve what this one hosts?

A file in a bucket (AVATAR_DESK_S3_BUCKET) is fetched from the bucket: any server's upload is fine. An
app-hosted file lives in this server's media folder (AVATAR_DESK_MEDIA_DIR) and is served by its /files route;
behind a proxy that sends a request to any server, every server must see the same folder. How that is known:
each server writes a marker file named by its random id into `<media folder>/.servers/` and its row in the
database (lib.store.servers, every BEAT_S seconds, by `Heartbeat` from the server's lifespan); a server whose
folder lacks the marker of another live server does not share its folder (or that server uses a bucket), and
then refuses app-hosted uploads (the Submit page's file tab, the phone's capture link) until the folder is
shared or a bucket is set. One server alone always may. The marker folder's name has a dot and a slash in it,
so the /files route (keys are `<id>.<ext>`) never serves it. No Streamlit."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lib.media.storage.settings import StorageSettings
from lib.store.database import Database
from lib.store.servers import BEAT_S, FORGET_S, ServerRow, beat, leave, live_servers

MARKERS = ".servers"
CHECK_TTL_S = 5.0  # how long a server trusts its last look (a page rerun must not cost a query each time)
log = logging.getLogger(__name__)


def storage_label(settings: StorageSettings) -> str:
    """What a server's row says of its storage: "app", or "s3:<bucket>"."""
    return f"s3:{settings.bucket}" if settings.backend == "s3" else "app"


def marker_path(media_dir: Path, server_id: str) -> Path:
    return Path(media_dir) / MARKERS / server_id


@dataclass(frozen=True)
class MediaSharing:
    """Where this server keeps uploaded files and whether every live server can serve them."""

    backend: str  # "app" | "s3"
    where: str  # the bucket, or the media folder (absolute)
    servers: int  # live servers on the database, this one counted
    unshared: int  # other live servers that cannot serve this server's app-hosted files

    @property
    def refuses(self) -> bool:
        """App-hosted uploads are refused here: another live server could not serve them."""
        return self.backend == "app" and self.unshared > 0

    @property
    def shared_folder(self) -> bool:
        return self.backend == "app" and self.servers > 1 and self.unshared == 0


def media_sharing(db: Database, settings: StorageSettings, own_id: str | None, now: float) -> MediaSharing:
    """Look now: each other live server's marker in this server's media folder (`own_id`: this server's id;
    None in a process that is no server, such as a test's)."""
    if settings.backend == "s3":
        return MediaSharing("s3", settings.bucket, len(live_servers(db, now)) or 1, 0)
    folder = Path(settings.media_dir).resolve()
    others = [row for row in live_servers(db, now) if row.id != own_id]
    unshared = [
        row.id
        for row in others
        if row.storage != "app" or not row.media_marker or not marker_path(folder, row.media_marker).is_file()
    ]
    return MediaSharing("app", str(folder), len(others) + 1, len(unshared))


_LOOKS: dict[tuple, tuple[float, MediaSharing]] = {}
_LOOKS_LOCK = threading.Lock()


def current_sharing(db: Database, settings: StorageSettings, clock=time.time) -> MediaSharing:
    """`media_sharing` for this process's server, looked at again at most every CHECK_TTL_S seconds."""
    key = (db.url, settings.backend, str(settings.media_dir), settings.bucket, this_server_id())
    now = clock()
    with _LOOKS_LOCK:
        held = _LOOKS.get(key)
    if held is not None and held[0] > now:
        return held[1]
    seen = media_sharing(db, settings, key[-1], now)
    with _LOOKS_LOCK:
        _LOOKS[key] = (now + CHECK_TTL_S, seen)
    return seen


def forget_looks() -> None:
    """The next `current_sharing` looks again (tests; a server that just started or stopped)."""
    with _LOOKS_LOCK:
        _LOOKS.clear()


class Heartbeat:
    """This server in the `servers` table: a marker in its media folder (app-hosted storage), its row written
    at start and every `every` seconds by a daemon thread, both removed on `stop`. A failed beat is logged and
    tried again at the next one."""

    def __init__(
        self,
        db: Database,
        settings: StorageSettings,
        *,
        every: float = BEAT_S,
        clock=time.time,
        server_id: str | None = None,
    ) -> None:
        self.db, self.settings, self.every, self.clock = db, settings, every, clock
        self.id = server_id or secrets.token_hex(16)
        self.started_at = clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-heartbeat", daemon=True)

    @property
    def marker(self) -> Path | None:
        return marker_path(self.settings.media_dir, self.id) if self.settings.backend == "app" else None

    def beat_now(self) -> None:
        marker = self.marker
        if marker is not None and not marker.is_file():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(self.id)
        row = ServerRow(
            self.id,
            self.started_at,
            self.clock(),
            storage_label(self.settings),
            self.id if marker is not None else None,
        )
        beat(self.db, row)

    def start(self) -> Heartbeat:
        global _CURRENT
        try:
            self.beat_now()  # before the first page: the others count this server at once
            self.sweep_markers()
        except Exception:
            log.warning("the server's first heartbeat failed", exc_info=True)
        _CURRENT = self
        forget_looks()
        self._thread.start()
        return self

    def sweep_markers(self) -> int:
        """Remove the markers that killed servers left (not a live server's, older than FORGET_S); returns
        how many. Run at start: the folder keeps one marker per server that ran, not one per start."""
        folder = self.marker.parent if self.marker is not None else None
        if folder is None or not folder.is_dir():
            return 0
        now = self.clock()
        live = {row.id for row in live_servers(self.db, now)}
        removed = 0
        for marker in folder.iterdir():
            if marker.name not in live and marker.is_file() and marker.stat().st_mtime < now - FORGET_S:
                marker.unlink(missing_ok=True)
                removed += 1
        return removed

    def stop(self, timeout: float = 10) -> None:
        global _CURRENT
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if _CURRENT is self:
            _CURRENT = None
        try:
            leave(self.db, self.id)
        except Exception:
            log.warning("the server's row could not be removed", exc_info=True)
        if (marker := self.marker) is not None:
            marker.unlink(missing_ok=True)
        forget_looks()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat_now()
            except Exception:
                log.warning("the server's heartbeat failed", exc_info=True)


_CURRENT: Heartbeat | None = None


def this_server_id() -> str | None:
    """The id of this process's server (its Heartbeat), None when the process serves no app (a test's)."""
    return _CURRENT.id if _CURRENT is not None else None
