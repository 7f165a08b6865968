"""Media rows for tests, as the intake records them: `media_row` makes one (nothing hosted, nothing written),
`stored_media` puts a file in a storage under the row's key and adds the row to a store's media."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from lib.store.media import READY, MediaRow


def media_row(**fields) -> MediaRow:
    """A ready photo of group-1 taken from a computer, on app-hosted storage under "<id>.<ext>" (its id and
    sha256 random); `fields` are MediaRow's own, over these."""
    media_id = fields.pop("id", None) or secrets.token_urlsafe(24)
    row = MediaRow(
        id=media_id,
        group_id="group-1",
        sha256=secrets.token_hex(32),
        name="photo",
        source="computer",
        kind="Image",
        size=1234,
        state=READY,
        ext="jpg",
        content_type="image/jpeg",
        backend="app",
        storage_key=f"{media_id}.{fields.get('ext', 'jpg')}",
    )
    return replace(row, **fields)


def stored_media(media, storage, tmp: Path, content: bytes, *, hosted: bool = True, **fields) -> MediaRow:
    """`content` written under `tmp` and put in `storage` as "<id>.<ext>", its row (media_row, with where
    and how big the file is stored) added to `media` (a Store's media); the row kept. Not `hosted`: nothing
    is put and the row names no backend or key (a refused file). `fields` come last: a row may say what its
    file is not (backend="s3" for a file on disk, state=REFUSED for a file that is there)."""
    media_id = fields.pop("id", None) or secrets.token_urlsafe(24)
    placed = {"size": len(content), "backend": None, "storage_key": None}
    if hosted:
        source = tmp / f"upload-{media_id}"
        source.write_bytes(content)
        key = f"{media_id}.{fields.get('ext', 'jpg')}"
        stored = storage.put(source, key, fields.get("content_type", "image/jpeg"))
        placed = {"size": stored.size, "backend": stored.backend, "storage_key": stored.key}
    kept, _ = media.add(media_row(id=media_id, **{**placed, **fields}))
    return kept
