"""Names the sandbox makes up (task ids, group and asset ids), a key's fingerprint and the URL check every
endpoint shares."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def fingerprint(api_key: str) -> str:
    """The tenant of a key: a SHA-256 prefix; the key itself is never kept."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


def task_id(now: float) -> str:
    """`task_` and a ULID: 10 characters of milliseconds, 16 random ones."""
    millis = int(now * 1000)
    head = "".join(CROCKFORD[(millis >> (5 * i)) & 31] for i in reversed(range(10)))
    return "task_" + head + "".join(secrets.choice(CROCKFORD) for _ in range(16))


def stamp(prefix: str, now: float) -> str:
    """`group-20260520163350-ctpqc`: the prefix, the UTC second and five random characters."""
    when = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%d%H%M%S")
    return (
        f"{prefix}-{when}-{''.join(secrets.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(5))}"
    )


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)
