"""App-hosted storage: files on this server's disk at <root>/<key>, served by the /files route
(lib.media.routes). Written atomically (a partial file is never visible under its key); never lists."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from lib.media.storage.base import Stored
from lib.media.storage.keys import is_valid_key

CHUNK = 256 * 1024


def read_chunks(handle, start: int, end: int | None) -> Iterator[bytes]:
    """Bytes [start, end] (inclusive; None: to the end) of an open binary file, a chunk at a time; closes
    the file when done or abandoned."""
    try:
        handle.seek(start)
        left = None if end is None else end - start + 1
        while left is None or left > 0:
            chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk
    finally:
        handle.close()


class AppHostedStorage:
    name = "app"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"AppHostedStorage(root={str(self.root)!r})"

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise KeyError(key)
        return self.root / key

    def put(self, source: Path, key: str, content_type: str) -> Stored:
        if not is_valid_key(key):
            raise ValueError(f"not a storage key: {key!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        # A hidden temporary name in the same folder, then one rename: readers see the whole file or none.
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.root / key)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return Stored(self.name, key, content_type, (self.root / key).stat().st_size)

    def url(self, stored: Stored, base_url: str, lifetime_seconds: int = 0) -> str:
        """`<base_url>/files/<key>`: lives as long as the row is kept (the retention sweep removes it)."""
        return f"{base_url.rstrip('/')}/files/{quote(stored.key)}"

    def delete(self, stored: Stored) -> None:
        if is_valid_key(stored.key):
            (self.root / stored.key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        """The stored file's size; KeyError when there is none."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise KeyError(key) from None

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        # Opened here, not in the generator: a missing key raises now, before any response has begun.
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 (closed by read_chunks)
        except (FileNotFoundError, IsADirectoryError):
            raise KeyError(key) from None
        return read_chunks(handle, start, end)
