"""The storage interface every backend implements. Keys are made by the intake (unguessable); a backend
never lists, never guesses, and never serves what it was not given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Stored:
    backend: str  # "app" | "s3"
    key: str  # "<unguessable id>.<ext>"
    content_type: str
    size: int


class Storage(Protocol):
    name: str  # "app" | "s3"

    def put(self, source: Path, key: str, content_type: str) -> Stored:
        """Store the file at `source` (already on local disk, checked) under `key`."""

    def url(self, stored: Stored, base_url: str, lifetime_seconds: int) -> str:
        """The URL APIMart fetches: `<base_url>/files/<key>` (app) or a presigned GET (s3)."""

    def delete(self, stored: Stored) -> None:
        """Gone; deleting what is not there is not an error."""

    def size(self, key: str) -> int:
        """The stored file's size in bytes (the /files route's Content-Length and ranges); KeyError when
        there is no such key."""

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        """Bytes [start, end] (inclusive; end None: to the end) of a stored key (for app-hosted serving and
        the sandbox); raises KeyError when there is no such key."""
