"""The /files route (an st.App route on the app's own port): serves app-hosted files to whoever holds their
unguessable key, `/files/<id>.<ext>`, streamed in chunks, with HEAD and single byte ranges. It must never
list, never serve a file whose row is not ready (refused, deleted, unknown), and never tell those apart:
every miss, including `/files/`, a traversal or another method, is the same small 404. Not /media: Streamlit
reserves /media/ for its own files (st.image, downloads) and refuses an st.App route there."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from lib.media.storage.base import Storage
from lib.media.storage.keys import is_valid_key
from lib.store.database import Database
from lib.store.media import media_by_key

MEDIA_PATH = "/files"
NOT_FOUND_BODY = b"Not found\n"
# One range only ("bytes=a-b", "bytes=a-", "bytes=-n"); several are answered with the whole file.
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# On every answer: a browser opening a file never guesses its type, and the key never leaks onward.
_ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class Unsatisfiable(ValueError):
    """A byte range that starts beyond the file (416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single `bytes=` range within `size`; None to send the whole
    file (no header, several ranges, or one that cannot be read: RFC 9110 lets a server ignore those);
    raises Unsatisfiable when the range lies beyond the file."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if not first:  # "-n": the last n bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable(header)
    return start, min(int(last), size - 1) if last else size - 1


def not_found() -> Response:
    return Response(
        NOT_FOUND_BODY,
        status_code=404,
        media_type="text/plain",
        headers={**_ALWAYS, "Cache-Control": "no-store"},
    )


def media_endpoint(db: Database, storage: Storage):
    async def endpoint(request: Request) -> Response:
        key = request.path_params.get("key", "")
        if request.method not in ("GET", "HEAD") or not is_valid_key(key):
            return not_found()
        row = await run_in_threadpool(media_by_key, db, key)
        if row is None or row.backend != storage.name:
            return not_found()
        try:
            size = await run_in_threadpool(storage.size, key)
        except KeyError:
            return not_found()
        etag = f'"{row.sha256}"'
        headers = {
            **_ALWAYS,
            "Accept-Ranges": "bytes",
            "Cache-Control": "private, max-age=3600",
            "ETag": etag,
        }
        range_header = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if if_range is not None and if_range.strip() != etag:
            range_header = None  # the file changed since the client's first part: send it whole
        try:
            wanted = parse_range(range_header, size)
        except Unsatisfiable:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        start, end = wanted or (0, size - 1)
        status = 206 if wanted else 200
        if wanted:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1 if size else 0)
        content_type = row.content_type or "application/octet-stream"
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers, media_type=content_type)
        if size == 0:
            return Response(b"", status_code=status, headers=headers, media_type=content_type)
        try:
            # Opened before the answer starts (a missing file is still a 404); read a chunk at a time.
            chunks = await run_in_threadpool(storage.open_range, key, start, end)
        except KeyError:
            return not_found()
        return StreamingResponse(chunks, status_code=status, headers=headers, media_type=content_type)

    return endpoint


def media_routes(db: Database, storage: Storage) -> list[Route]:
    """GET and HEAD /files/<key>; /files and anything under it that is not a servable key: 404."""
    endpoint = media_endpoint(db, storage)
    return [
        Route(MEDIA_PATH, endpoint, methods=_METHODS),
        Route(f"{MEDIA_PATH}/{{key:path}}", endpoint, methods=_METHODS),
    ]
