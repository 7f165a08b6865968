"""The sandbox over HTTP (Starlette): handlers only parse, call the store and serialise. Works alone or
mounted under a prefix (every URL it emits is built from the request's own root path).

Three tables of routes: the /v1 API (each handler wrapped with faults, auth, envelope and the request log,
see `_v1`), the pages and files a phone or a player opens, and the control plane
(lib.sandbox.control_plane, behind the guard of lib.sandbox.control)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lib.sandbox.config import SandboxConfig
from lib.sandbox.control import ControlGuard
from lib.sandbox.control_plane import control_routes
from lib.sandbox.errors import SandboxError, error_response
from lib.sandbox.faults import faulted_answer
from lib.sandbox.fetching import server_origin
from lib.sandbox.h5 import expired_page, h5_page
from lib.sandbox.ids import fingerprint
from lib.sandbox.store import Store

STATIC = Path(__file__).resolve().parent / "static"
SELECTORS = ("callback_url", "byted_token", "group_id")
FILES = {"mp4": ("sample.mp4", "video/mp4"), "jpg": ("thumbnail.jpg", "image/jpeg")}
# A /v1 handler: (store, request, tenant fingerprint, JSON body) -> the reply's `data`.
ApiHandler = Callable[[Store, Request, str, Any], Any]


def _base_url(request: Request, store: Store) -> str:
    if store.config.public_url:
        return store.config.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _relative_path(request: Request) -> str:
    root = request.scope.get("root_path", "")
    path = request.scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path


# ---- the /v1 API


def real_avatar(store: Store, request: Request, tenant: str, body: dict) -> Any:
    chosen = [s for s in SELECTORS if s in body]
    if len(chosen) != 1:
        raise SandboxError(
            400, "send exactly one of callback_url (step 1), byted_token (step 2) or group_id (step 3)"
        )
    if chosen[0] == "callback_url":
        return store.create_session(tenant, body["callback_url"], _base_url(request, store))
    if chosen[0] == "byted_token":
        return store.query_token(tenant, body["byted_token"])
    return store.submit_assets(tenant, body, server_origin(request.scope))


def private_avatar(store: Store, request: Request, tenant: str, body: dict) -> Any:
    return store.private_avatar(tenant, body, server_origin(request.scope))


def task(store: Store, request: Request, tenant: str, body: Any) -> Any:
    return store.task_view(tenant, request.path_params["task_id"])


def generations(store: Store, request: Request, tenant: str, body: dict) -> Any:
    return store.generate(tenant, body, _base_url(request, store))


API_ROUTES: tuple[tuple[str, ApiHandler, str], ...] = (
    ("/v1/seedance2/real-avatar", real_avatar, "POST"),
    ("/v1/seedance2/private-avatar", private_avatar, "POST"),
    ("/v1/videos/generations", generations, "POST"),
    ("/v1/tasks/{task_id}", task, "GET"),
)


async def _parse(request: Request) -> tuple[Any, str]:
    """The JSON body (ValueError when it is not JSON, None when empty) and the bearer key ("" if none)."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = ValueError
    auth = request.headers.get("authorization", "")
    return body, (auth[7:].strip() if auth.lower().startswith("bearer ") else "")


def _carry_out(store: Store, handler: ApiHandler, request: Request, key: str, body: Any) -> Response:
    if not key:
        return error_response(401, "Invalid API key", "authentication_error")
    if body is ValueError or (request.method == "POST" and not isinstance(body, dict)):
        return error_response(400, "the request body must be a JSON object", "invalid_request_error")
    try:
        return JSONResponse({"code": 200, "data": handler(store, request, fingerprint(key), body)})
    except SandboxError as error:
        return error.response()


def _log_entry(request: Request, path: str, body: Any, key: str) -> dict:
    is_object = isinstance(body, dict)
    return {
        "method": request.method,
        "path": path,
        "status": None,
        "time": time.time(),
        "faulted": False,
        "selector": next((s for s in SELECTORS if is_object and s in body), None),
        "asset_count": len(body["assets"]) if is_object and isinstance(body.get("assets"), list) else None,
        "asset_type": body.get("asset_type") if is_object else None,
        "key": fingerprint(key) if key else None,
        "idempotency_key": request.headers.get("idempotency-key"),
    }


def _v1(store: Store, handler: ApiHandler):
    """Wraps a /v1 handler with the request log, faults, auth and the {"code", "data"} envelope."""

    async def endpoint(request: Request) -> Response:
        path = _relative_path(request)
        body, key = await _parse(request)
        entry = _log_entry(request, path, body, key)
        # Logged on arrival (status filled in when answered): a request whose answer is still being held
        # back, or never comes, is in the log as soon as the sandbox has it.
        store.log(entry)
        fault = store.take_fault(path, request.method, entry["selector"])

        def carry_out() -> Response:
            return _carry_out(store, handler, request, key, body)

        response = await faulted_answer(fault, entry, carry_out) if fault else None
        if response is None:
            response = carry_out()
        if entry["status"] is None:
            entry["status"] = response.status_code
        return response

    return endpoint


def api_routes(store: Store) -> list[Route]:
    return [Route(path, _v1(store, handler), methods=[method]) for path, handler, method in API_ROUTES]


# ---- what a phone or a player opens: the verification page, its buttons, the video files


def page_routes(store: Store) -> list[Route]:
    async def h5(request: Request) -> Response:
        token, lng = request.path_params["token"], request.query_params.get("lng", "zh")
        session, state = store.session_for_page(token)
        if session is None or state != "pending":
            return HTMLResponse(expired_page(lng, state), status_code=410)
        return HTMLResponse(h5_page(lng, token, int(session.expires - store.clock())))

    async def h5_finish(request: Request) -> Response:
        approve = request.path_params["action"] == "approve"
        try:
            redirect = store.finish_session(request.path_params["token"], approve)
        except SandboxError as error:
            page = expired_page(request.query_params.get("lng", "zh"), error.message)
            return HTMLResponse(page, status_code=error.status)
        return RedirectResponse(redirect, status_code=303)

    async def files(request: Request) -> Response:
        task_id, _, ext = request.path_params["name"].rpartition(".")
        if not store.video_ready(task_id) or ext not in FILES:
            return error_response(404, "no such file", "not_found_error")
        name, media_type = FILES[ext]
        return FileResponse(STATIC / name, media_type=media_type)

    return [
        Route("/h5/{token}", h5, methods=["GET"]),
        Route("/h5/{token}/{action:str}", h5_finish, methods=["POST"]),
        Route("/files/{name}", files, methods=["GET", "HEAD"]),
    ]


def create_app(
    config: SandboxConfig | None = None,
    store: Store | None = None,
    *,
    control_guard: ControlGuard | None = None,
) -> Starlette:
    store = store or Store(config)
    # Loopback clients and the control token by default (lib.sandbox.control); the app passes a stricter
    # guard when it sits behind a proxy or binds beyond loopback.
    guard = control_guard or ControlGuard.from_environment()
    app = Starlette(routes=api_routes(store) + page_routes(store) + control_routes(store, guard))
    app.state.store = store
    return app
