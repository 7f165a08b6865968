"""One upload on its way to disk: chunks written to a temp file as they come, hashed on the way, stopped at a
byte limit. Never holds the whole file in memory; never decides what the file is (lib.media.intake does)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path


class UploadTooLarge(Exception):
    """More bytes came than the limit allows; what was written is gone."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than {limit} bytes")
        self.limit = limit


class Spool:
    """A temp file in `work_dir` fed chunk by chunk (sync, or from an async loop: a write is one small disk
    write and a hash update). `discard()` always removes it; use as a context manager."""

    def __init__(self, work_dir: Path, max_bytes: int) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=work_dir, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self.max_bytes = max_bytes
        self.size = 0
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.max_bytes:
            self.discard()
            raise UploadTooLarge(self.max_bytes)
        self._hash.update(chunk)
        self._file.write(chunk)
        self.size += len(chunk)

    def finish(self) -> str:
        """Close the file for reading; the content's sha256 (hex)."""
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_exc) -> None:
        self.discard()


def remove_leftovers(work_dir: Path, older_than_seconds: float = 86400, now: float | None = None) -> int:
    """Spooled uploads and fix folders a killed process left in `work_dir` (older than a day by default, so
    another server's upload under way is never touched); how many went."""
    if not work_dir.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than_seconds
    removed = 0
    for leftover in [*work_dir.glob("upload-*.part"), *work_dir.glob("fix-*")]:
        try:
            if leftover.stat().st_mtime >= cutoff:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            removed += 1
        except FileNotFoundError:  # its own process finished with it meanwhile
            continue
    return removed
