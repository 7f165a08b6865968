"""The phone capture routes on the app's own port: GET /capture/{token} (the page the person's phone opens from
the QR code) and POST /capture/{token}/upload (one file as the raw body, its name in X-File-Name). The token
is the capability: unknown, expired and closed tokens get the same 403, and nothing here shows anything but
what the page itself sent. The check is CPU work and runs in a worker thread, never on the event loop."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from lib.media.capture_page import (
    capture_page,
    content_security_policy,
    outcome,
    page_locale,
    refused_page,
    too_large,
)
from lib.media.intake import Intake
from lib.media.limits import MB, UPLOAD_MAX_BYTES
from lib.media.spool import UploadTooLarge
from lib.media.storage.base import Storage
from lib.store.captures import resolve_capture
from lib.store.database import Database, Scope
from lib.store.media import Media

CAPTURE_PATH = "/capture"
_NAME_HEADER_MAX = 2048
_PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the page's URL
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def capture_url(base_url: str, token: str) -> str:
    """The address the QR code carries."""
    return f"{base_url.rstrip('/')}{CAPTURE_PATH}/{token}"


def _locale(request: Request) -> str | None:
    """The phone's language (lib.media.capture_page.page_locale): the link's ?lang=, else Accept-Language."""
    return page_locale(request.query_params.get("lang"), request.headers.get("accept-language"))


def _refused_html(locale: str | None = None) -> HTMLResponse:
    return HTMLResponse(refused_page(locale), status_code=403, headers=_PRIVATE)


def _refused_json() -> JSONResponse:
    return JSONResponse({"error": "refused"}, status_code=403, headers=_PRIVATE)


def _too_large(max_bytes: int, locale: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": "too_large", "message": too_large(max_bytes // MB, locale)}, status_code=413, headers=_PRIVATE
    )


def capture_routes(
    db: Database,
    storage_factory: Callable[[], Storage],
    work_dir: Path,
    *,
    max_bytes: int = UPLOAD_MAX_BYTES,
) -> list[Route]:
    """The two routes. `storage_factory` is called on the first upload (then kept), so serving the page
    needs no storage; uploads spool into `work_dir`; a file over `max_bytes` is answered 413."""
    storage = functools.cache(storage_factory)

    def page(request: Request) -> HTMLResponse:
        # A plain function: Starlette runs it in a worker thread, so the store read never blocks the loop.
        locale = _locale(request)
        if resolve_capture(db, request.path_params["token"], db.clock()) is None:
            return _refused_html(locale)
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(
            capture_page(nonce, max_bytes, max_bytes // MB, locale),
            headers={**_PRIVATE, "Content-Security-Policy": content_security_policy(nonce)},
        )

    async def upload(request: Request) -> Response:
        link = await run_in_threadpool(resolve_capture, db, request.path_params["token"], db.clock())
        if link is None:
            return _refused_json()
        locale = _locale(request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return _too_large(max_bytes, locale)
        name = unquote(request.headers.get("x-file-name", "")[:_NAME_HEADER_MAX], errors="replace")
        # The file is recorded as the operator's who opened the link (lib.store.captures), if one signed in.
        intake = Intake(Media(db, Scope.from_id(link.scope), link.created_by), storage(), work_dir, db.clock)
        spool = intake.spool(max_bytes)
        try:
            # Each chunk is one small disk write and a hash update: fine on the loop, and the file is
            # never held in memory.
            async for chunk in request.stream():
                spool.write(chunk)
            item = await run_in_threadpool(
                intake.receive_spool, spool, name, link.group_id, source="phone", capture_id=link.id
            )
        except UploadTooLarge:
            # Answered now; uvicorn drops the rest of the body while the client is still sending it, so the
            # client reads this answer instead of a reset connection.
            return _too_large(max_bytes, locale)
        except ClientDisconnect:
            return Response(status_code=400)
        finally:
            spool.discard()
        return JSONResponse(
            {**outcome(item.report, duplicate=item.duplicate, locale=locale), "name": item.name}, headers=_PRIVATE
        )

    return [
        Route(f"{CAPTURE_PATH}/{{token}}", page, methods=["GET"]),
        Route(f"{CAPTURE_PATH}/{{token}}/upload", upload, methods=["POST"]),
    ]
