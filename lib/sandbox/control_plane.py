"""The control plane's handlers under /_sandbox/ (reset, the person's answer without a phone, settings,
faults, the request log, the created assets and tasks, health). Who may call them is decided by the guard
of lib.sandbox.control; each handler reads its body, calls the store and returns plain JSON."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.sandbox.control import TOKEN_HEADER, ControlGuard
from lib.sandbox.errors import SandboxError, error_response
from lib.sandbox.store import Store

Handler = Callable[[Store, Request], Awaitable[Any]]
FORBIDDEN = "the sandbox control plane answers loopback or its token only"


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else {}
    except ValueError as error:
        raise SandboxError(400, "the body must be JSON") from error


async def reset(store: Store, request: Request) -> dict:
    store.reset()
    return {"ok": True}


async def finish(store: Store, request: Request) -> dict:
    approve = request.path_params["action"] == "approve"
    return {"redirect_url": store.finish_session(request.path_params["token"], approve)}


async def settings(store: Store, request: Request) -> dict:
    if request.method == "POST":
        store.config.update(await _json_body(request))
    return store.config.as_dict()


async def faults(store: Store, request: Request) -> Any:
    if request.method == "POST":
        return {"id": store.add_fault(await _json_body(request)).id}
    if request.method == "DELETE":
        store.faults.clear()
        return {"ok": True}
    return store.faults.rows()


async def request_log(store: Store, request: Request) -> Any:
    if request.method == "DELETE":
        store.requests.clear()
        return {"ok": True}
    return store.requests.rows()


async def asset_list(store: Store, request: Request) -> list[dict]:
    return store.asset_rows()


async def task_list(store: Store, request: Request) -> list[dict]:
    return store.task_rows(request.query_params.get("kind"))


async def health(store: Store, request: Request) -> dict:
    return {"ok": True}


ROUTES: tuple[tuple[str, Handler, tuple[str, ...]], ...] = (
    ("/_sandbox/reset", reset, ("POST",)),
    ("/_sandbox/h5/{token}/{action:str}", finish, ("POST",)),
    ("/_sandbox/config", settings, ("GET", "POST")),
    ("/_sandbox/faults", faults, ("GET", "POST", "DELETE")),
    ("/_sandbox/requests", request_log, ("GET", "DELETE")),
    ("/_sandbox/assets", asset_list, ("GET",)),
    ("/_sandbox/tasks", task_list, ("GET",)),
    ("/_sandbox/health", health, ("GET",)),
)


def guarded(store: Store, guard: ControlGuard, handler: Handler):
    """The endpoint of a control handler: the guard first, then the handler's JSON or its error."""

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else None
        if not guard.allows(client, request.headers.get(TOKEN_HEADER)):
            return error_response(403, FORBIDDEN, "forbidden")
        try:
            return JSONResponse(await handler(store, request))
        except SandboxError as error:
            return error.response()
        except (TypeError, ValueError) as error:
            return error_response(400, str(error), "invalid_request_error")

    return endpoint


def control_routes(store: Store, guard: ControlGuard) -> list[Route]:
    return [
        Route(path, guarded(store, guard, handler), methods=list(methods))
        for path, handler, methods in ROUTES
    ]
