"""The sandbox over HTTP (Starlette): handlers only parse, call the store and serialise. Works alone or
mounted under a prefix (every URL it emits is built from the request's own root path)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lib.sandbox.config import SandboxConfig
from lib.sandbox.control import TOKEN_HEADER, ControlGuard
from lib.sandbox.h5 import expired_page, h5_page
from lib.sandbox.store import SandboxError, Store, fingerprint

STATIC = Path(__file__).resolve().parent / "static"
SELECTORS = ("callback_url", "byted_token", "group_id")


def _error(status: int, message: str, type_: str) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message, "type": type_}}, status_code=status)


def _base_url(request: Request, store: Store) -> str:
    if store.config.public_url:
        return store.config.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _relative_path(request: Request) -> str:
    root = request.scope.get("root_path", "")
    path = request.scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path


class _DroppedResponse(Response):
    """Promises a body, sends part of it, then breaks off: the client sees a broken connection."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"code": 200', "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped on purpose")


def _fault_response(fault) -> Response | None:
    """The answer a fault puts in place of the real one (None: the fault only delays)."""
    if fault.malformed:
        return Response('{"code": 200, "data": {oops', status_code=200, media_type="application/json")
    if not fault.status:
        return None
    content = (
        fault.body
        if fault.body is not None
        else {
            "error": {
                "code": fault.status,
                "message": f"sandbox fault: HTTP {fault.status}",
                "type": "sandbox_fault",
            }
        }
    )
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    if isinstance(content, str):
        return Response(content, status_code=fault.status, headers=headers, media_type="text/plain")
    return JSONResponse(content, status_code=fault.status, headers=headers)


def _handle(store: Store, handler, request: Request, key: str, body) -> Response:
    if not key:
        return _error(401, "Invalid API key", "authentication_error")
    if body is ValueError or (request.method == "POST" and not isinstance(body, dict)):
        return _error(400, "the request body must be a JSON object", "invalid_request_error")
    try:
        return JSONResponse({"code": 200, "data": handler(request, fingerprint(key), body)})
    except SandboxError as error:
        return _error(error.status, error.message, error.type)


def _log_entry(request: Request, path: str, body, key: str) -> dict:
    return {
        "method": request.method,
        "path": path,
        "status": None,
        "time": time.time(),
        "faulted": False,
        "selector": next((s for s in SELECTORS if isinstance(body, dict) and s in body), None),
        "asset_count": len(body["assets"])
        if isinstance(body, dict) and isinstance(body.get("assets"), list)
        else None,
        "asset_type": body.get("asset_type") if isinstance(body, dict) else None,
        "key": fingerprint(key) if key else None,
        "idempotency_key": request.headers.get("idempotency-key"),
    }


def _api(store: Store, handler):
    """Wraps a /v1 handler with faults, auth, envelope and log. A fault applies before the handler (the
    request changes nothing) or, with `after`, once the handler has carried the request out (the answer
    is then delayed past the client's patience, dropped or replaced: "done, answer lost")."""

    async def endpoint(request: Request) -> Response:
        path = _relative_path(request)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        entry = _log_entry(request, path, body, key)
        # Logged on arrival (status filled in when answered): a request whose answer is still being held
        # back, or never comes, is in the log as soon as the sandbox has it.
        store.log(entry)
        fault = store.take_fault(path, request.method, entry["selector"])
        real: Response | None = None
        if fault and fault.after:
            real = _handle(store, handler, request, key, body)
            entry["carried_out"] = real.status_code < 400
        if fault:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.drop:
                entry.update(status=0, faulted=True)
                return _DroppedResponse()
            response = _fault_response(fault)
            entry["faulted"] = response is not None
            response = response or real
        else:
            response = None
        if response is None:
            response = _handle(store, handler, request, key, body)
        entry["status"] = response.status_code
        return response

    return endpoint


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

    def real_avatar(request, tenant, body):
        chosen = [s for s in SELECTORS if s in body]
        if len(chosen) != 1:
            raise SandboxError(
                400, "send exactly one of callback_url (step 1), byted_token (step 2) or group_id (step 3)"
            )
        if chosen[0] == "callback_url":
            return store.create_session(tenant, body["callback_url"], _base_url(request, store))
        if chosen[0] == "byted_token":
            return store.query_token(tenant, body["byted_token"])
        return store.submit_assets(tenant, body)

    def private_avatar(request, tenant, body):
        return store.private_avatar(tenant, body)

    def task(request, tenant, body):
        return store.task_view(tenant, request.path_params["task_id"])

    def generations(request, tenant, body):
        return store.generate(tenant, body, _base_url(request, store))

    async def h5(request: Request) -> Response:
        token = request.path_params["token"]
        session, state = store.session_for_page(token)
        lng = request.query_params.get("lng", "zh")
        if session is None or state != "pending":
            return HTMLResponse(expired_page(lng, state), status_code=410)
        return HTMLResponse(h5_page(lng, token, int(session.expires - store.clock())))

    async def h5_finish(request: Request) -> Response:
        try:
            redirect = store.finish_session(
                request.path_params["token"], request.path_params["action"] == "approve"
            )
        except SandboxError as error:
            return HTMLResponse(
                expired_page(request.query_params.get("lng", "zh"), error.message), status_code=error.status
            )
        return RedirectResponse(redirect, status_code=303)

    async def files(request: Request) -> Response:
        name = request.path_params["name"]
        task_id, _, ext = name.rpartition(".")
        if not store.video_ready(task_id) or ext not in ("mp4", "jpg"):
            return _error(404, "no such file", "not_found_error")
        return FileResponse(
            STATIC / ("sample.mp4" if ext == "mp4" else "thumbnail.jpg"),
            media_type="video/mp4" if ext == "mp4" else "image/jpeg",
        )

    # ---- control plane: loopback clients or the control token only (see lib.sandbox.control)

    async def control_json(request: Request):
        raw = await request.body()
        try:
            return json.loads(raw) if raw else {}
        except ValueError as error:
            raise SandboxError(400, "the body must be JSON") from error

    def control(handler):
        async def endpoint(request: Request) -> Response:
            if not guard.allows(
                request.client.host if request.client else None, request.headers.get(TOKEN_HEADER)
            ):
                return _error(
                    403, "the sandbox control plane answers loopback or its token only", "forbidden"
                )
            try:
                return JSONResponse(await handler(request))
            except SandboxError as error:
                return _error(error.status, error.message, error.type)
            except (TypeError, ValueError) as error:
                return _error(400, str(error), "invalid_request_error")

        return endpoint

    async def reset(request):
        store.reset()
        return {"ok": True}

    async def finish(request):
        approve = request.path_params["action"] == "approve"
        return {"redirect_url": store.finish_session(request.path_params["token"], approve)}

    async def config_endpoint(request):
        if request.method == "POST":
            store.config.update(await control_json(request))
        return store.config.as_dict()

    async def faults(request):
        if request.method == "POST":
            return {"id": store.add_fault(await control_json(request)).id}
        if request.method == "DELETE":
            store.faults.clear()
            return {"ok": True}
        return [vars(f) for f in store.faults]

    async def request_log(request):
        if request.method == "DELETE":
            store.requests.clear()
            return {"ok": True}
        return list(store.requests)

    async def assets(request):
        return store.asset_rows()

    async def tasks(request):
        return store.task_rows(request.query_params.get("kind"))

    async def health(request):
        return {"ok": True}

    api_methods = {
        "/v1/seedance2/real-avatar": real_avatar,
        "/v1/seedance2/private-avatar": private_avatar,
        "/v1/videos/generations": generations,
    }
    routes = [Route(path, _api(store, handler), methods=["POST"]) for path, handler in api_methods.items()]
    routes += [
        Route("/v1/tasks/{task_id}", _api(store, task), methods=["GET"]),
        Route("/h5/{token}", h5, methods=["GET"]),
        Route("/h5/{token}/{action:str}", h5_finish, methods=["POST"]),
        Route("/files/{name}", files, methods=["GET", "HEAD"]),
        Route("/_sandbox/reset", control(reset), methods=["POST"]),
        Route("/_sandbox/h5/{token}/{action:str}", control(finish), methods=["POST"]),
        Route("/_sandbox/config", control(config_endpoint), methods=["GET", "POST"]),
        Route("/_sandbox/faults", control(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/requests", control(request_log), methods=["GET", "DELETE"]),
        Route("/_sandbox/assets", control(assets), methods=["GET"]),
        Route("/_sandbox/tasks", control(tasks), methods=["GET"]),
        Route("/_sandbox/health", control(health), methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.store = store
    return app
