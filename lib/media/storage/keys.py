"""The shape of a storage key, "<unguessable id>.<ext>": checked before any backend touches a path or an
object, so nothing else (a slash, "..", an empty name) ever reaches a disk or a bucket."""

from __future__ import annotations

import re

# The id is secrets.token_urlsafe(24) (32 characters); a little room either way, never a dot or a slash.
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}\.[a-z0-9]{1,8}")


def is_valid_key(key: str) -> bool:
    return isinstance(key, str) and _KEY.fullmatch(key) is not None
