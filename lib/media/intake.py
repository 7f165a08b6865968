"""Files in: an upload streamed to a temp file (hashed, size-limited), the same file for the same person found
again by its content hash, else checked (lib.media.inspect), given a thumbnail, hosted (only when not
refused) and recorded (lib.store.media). One implementation for the drop zone (sync chunks) and the phone
page (an async stream spooled first). It never keeps a temp file and never hosts a refused file."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lib.media.inspect import inspect_with_thumbnail
from lib.media.limits import UPLOAD_MAX_BYTES
from lib.media.names import safe_name
from lib.media.report import Finding, Fix, Kind, MediaReport, Severity
from lib.media.spool import Spool, UploadTooLarge
from lib.media.storage.base import Storage, Stored
from lib.media.storage.settings import StorageSettings
from lib.store.media import DELETED, READY, REFUSED, Media, MediaRow

__all__ = ["Intake", "MediaItem", "UploadTooLarge", "intake_dir", "media_id_from_url", "new_media_id"]

log = logging.getLogger(__name__)

# Format (as sniffed) -> the hosted file's extension and Content-Type.
_HOSTED = {
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "webp": ("webp", "image/webp"),
    "bmp": ("bmp", "image/bmp"),
    "tiff": ("tiff", "image/tiff"),
    "gif": ("gif", "image/gif"),
    "heic": ("heic", "image/heic"),
    "heif": ("heif", "image/heif"),
    "mp4": ("mp4", "video/mp4"),
    "mov": ("mov", "video/quicktime"),
}
_CHUNK = 1024 * 1024
_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def intake_dir(settings: StorageSettings) -> Path:
    """Where uploads are spooled while they are checked: beside the app-hosted media folder (the same disk,
    so hosting is a local copy; never a RAM-backed /tmp), for either backend."""
    return Path(settings.media_dir).parent / "intake"


def new_media_id() -> str:
    """Unguessable: the hosted URL is the capability (32 url-safe characters)."""
    return secrets.token_urlsafe(24)


def media_id_from_url(url: str) -> str | None:
    """The media id in an asset URL this app made: `<base>/files/<id>.<ext>` or a presigned URL whose last
    path segment is `<id>.<ext>`; None for any other URL."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    last = unquote(path.rsplit("/", 1)[-1])
    stem = last.split(".", 1)[0]
    return stem if _ID.fullmatch(stem) and "." in last else None


@dataclass(frozen=True)
class MediaItem:
    id: str
    name: str
    kind: str  # "Image" | "Video" | ""
    state: str  # "ready" | "refused" | "deleted"
    report: MediaReport
    thumbnail: bytes | None
    source: str  # "computer" | "phone" | "fix" | "url"
    derived_from: str | None
    fix: str  # the Fix value that made it, "" for an original
    created_at: float
    duplicate: bool  # the same file for the same person was already kept: this is that row
    stored: Stored | None  # where it is hosted; None when refused or deleted

    @classmethod
    def from_row(cls, row: MediaRow, *, duplicate: bool = False) -> MediaItem:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            state=row.state,
            report=row.media_report(),
            thumbnail=row.thumbnail,
            source=row.source,
            derived_from=row.derived_from,
            fix=row.fix,
            created_at=row.created_at,
            duplicate=duplicate,
            stored=row.stored,
        )


class Intake:
    """Receives files for one connection's scope (`media` is its repository) into `storage`; temp files live
    in `work_dir` (put it on the same disk as app-hosted media, not in a RAM-backed /tmp). `url_seconds`: how
    long a presigned URL lives (0: the storage's configured lifetime)."""

    def __init__(
        self,
        media: Media,
        storage: Storage,
        work_dir: Path,
        clock=time.time,
        *,
        url_seconds: int = 0,
    ) -> None:
        self.media, self.storage, self.work_dir = media, storage, Path(work_dir)
        self.clock, self.url_seconds = clock, url_seconds

    # -------------------------------------------------------------- receiving

    def spool(self, max_bytes: int = UPLOAD_MAX_BYTES) -> Spool:
        """A temp file to stream one upload into (Spool.write raises UploadTooLarge past `max_bytes`); hand
        it to `receive_spool` when the stream ends."""
        return Spool(self.work_dir, max_bytes)

    def receive(
        self,
        chunks: Iterable[bytes],
        filename: str,
        group_id: str,
        *,
        source: str,
        capture_id: str | None = None,
        max_bytes: int = UPLOAD_MAX_BYTES,
    ) -> MediaItem:
        """One file from `chunks` (the drop zone reads its upload 1 MiB at a time); raises UploadTooLarge
        past `max_bytes`, having kept nothing."""
        with self.spool(max_bytes) as spool:
            for chunk in chunks:
                spool.write(chunk)
            return self.receive_spool(spool, filename, group_id, source=source, capture_id=capture_id)

    def receive_spool(
        self, spool: Spool, filename: str, group_id: str, *, source: str, capture_id: str | None = None
    ) -> MediaItem:
        """The rest of `receive` once the bytes are on disk (CPU-bound: call it off an event loop). The
        spool's file is removed whatever happens."""
        try:
            digest = spool.finish()
            return self._take(spool.path, digest, filename, group_id, source=source, capture_id=capture_id)
        finally:
            spool.discard()

    # -------------------------------------------------------------- fixes

    def apply_fix(self, item_id: str, fix: Fix) -> MediaItem:
        """A new file made by `fix` from a hosted item (read back from storage), received as source "fix"
        derived from it; the original is kept as it is. Raises KeyError for an unknown id and ValueError
        for an item with no hosted file or a fix its check did not offer."""
        from lib.media.fixes import apply_fix  # the fixers (and PyAV) load on the first fix

        original = self.media.get(item_id)
        if original is None:
            raise KeyError(item_id)
        stored, report = original.stored, original.media_report()
        if stored is None:
            raise ValueError("nothing hosted to fix")
        if fix not in report.fixes:
            raise ValueError(f"{fix.value} is not offered for this file")
        folder = Path(tempfile.mkdtemp(dir=self._work_dir(), prefix="fix-"))
        try:
            source = folder / f"original.{original.ext or 'bin'}"
            with source.open("wb") as out:
                for chunk in self.storage.open_range(stored.key, 0, None):
                    out.write(chunk)
            made = apply_fix(source, fix, report, folder)
            return self._take(
                made,
                _sha256_of(made),
                original.name,  # already a display name: kept as it is
                original.group_id,
                source="fix",
                derived_from=original.id,
                fix=fix.value,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -------------------------------------------------------------- reading back

    def get(self, item_id: str) -> MediaItem | None:
        row = self.media.get(item_id)
        return None if row is None else MediaItem.from_row(row)

    def url_for(self, item: MediaItem, base_url: str) -> str:
        """The URL APIMart fetches for a hosted item (ValueError when nothing is hosted)."""
        if item.stored is None:
            raise ValueError("nothing hosted for this item")
        return self.storage.url(item.stored, base_url.rstrip("/"), self.url_seconds)

    # -------------------------------------------------------------- the one path every file takes

    def _take(
        self,
        path: Path,
        digest: str,
        filename: str,
        group_id: str,
        *,
        source: str,
        capture_id: str | None = None,
        derived_from: str | None = None,
        fix: str = "",
    ) -> MediaItem:
        kept = self.media.find(group_id, digest, fix)
        if kept is not None and kept.state != DELETED:
            return MediaItem.from_row(kept, duplicate=True)
        report, preview = _checked(path)
        name = filename if fix else safe_name(filename, "clip" if report.kind is Kind.VIDEO else "photo")
        media_id = new_media_id()
        ext, content_type = _HOSTED.get(report.format, ("", ""))
        stored = None
        if not report.refused:
            stored = self.storage.put(path, f"{media_id}.{ext}", content_type)
        row = MediaRow(
            id=media_id,
            group_id=group_id,
            sha256=digest,
            name=name,
            source=source,
            kind=report.kind.value,
            size=report.size,
            state=REFUSED if stored is None else READY,
            format=report.format,
            ext=ext,
            content_type=content_type,
            fix=fix,
            derived_from=derived_from,
            backend=stored.backend if stored else None,
            storage_key=stored.key if stored else None,
            report=report.to_dict(),
            thumbnail=preview,
            face_frame=report.face_frame,
            capture_id=capture_id,
            created_at=self.clock(),
        )
        try:
            kept, created = self.media.add(row)
        except BaseException:
            if stored is not None:
                self.storage.delete(stored)
            raise
        if not created:
            # The same file arrived twice at once and the other copy was recorded first: ours goes.
            if stored is not None:
                self.storage.delete(stored)
            return MediaItem.from_row(kept, duplicate=True)
        return MediaItem.from_row(kept)

    def _work_dir(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir


def _checked(path: Path) -> tuple[MediaReport, bytes | None]:
    # The check answers every input with a report; should it raise on one nobody foresaw, the file is
    # refused as unreadable (and logged) rather than the upload failing half-way.
    try:
        return inspect_with_thumbnail(path)
    except Exception:
        log.exception("the media check raised on an upload; refused as unreadable")
        unreadable = Finding("unreadable", Severity.REFUSED)
        return MediaReport(Kind.UNKNOWN, "", path.stat().st_size, findings=(unreadable,)), None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
