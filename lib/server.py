"""The extra HTTP routes served on the app's own port (st.App routes): the H5 callback, the app-hosted files
(/files/<id>.<ext>, lib.media.routes), the phone capture page (/capture/<token>, lib.media.capture_routes),
and in sandbox mode the sandbox mounted at /sandbox so its H5 page is reachable wherever the app is. No
Streamlit import here.

The file and capture routes read the database the pages use (lib.store.database.shared_database: the same
AVATAR_DESK_DB rule, one Database per process) and the storage the settings name (lib.media.storage.settings,
decided at start); a storage setting that cannot work leaves them out (logged) and the pages say why. Not
/media: Streamlit reserves /media/ for its own files. `server_lifespan` runs the retention sweeper
(lib.media.retention) on the same database and storage while the server runs, and the server's heartbeat
(lib.media.sharing): while another live server cannot see this server's app-hosted media folder, the capture
upload refuses files (the operator's pages say why).

The callback route records only what carries an attempt's own secret (see lib.callbacks), into the callback
inbox in the database (lib.store.callbacks), so the phone's redirect may reach any server on it. The sandbox
is mounted only when the server starts in sandbox mode (no APIMart key in the environment or secrets, and
AVATAR_DESK_SANDBOX not off, and no standalone sandbox named by AVATAR_DESK_SANDBOX_URL): a live deployment exposes no emulator, reset or fault injection. A key typed
in the sidebar later makes that one session live; the mount stays for the other sessions. The sandbox's
API and H5 pages answer anyone (a phone must reach them); its control plane (/sandbox/_sandbox/...)
answers only loopback clients or a request bearing AVATAR_DESK_SANDBOX_CONTROL_TOKEN in the
X-Sandbox-Control-Token header. Behind a reverse proxy every request comes from loopback, so when
AVATAR_DESK_PUBLIC_URL is not a loopback URL or the server binds beyond loopback (Streamlit's default
binds every interface), loopback is not trusted and the token is required; this process's own client
(lib.sandbox.control) holds it, generated at start when the variable is not set."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from lib.callbacks import SECRET_PARAM, CallbackInbox, server_inbox
from lib.connection import resolve_settings
from lib.media.capture_routes import capture_routes
from lib.media.intake import intake_dir
from lib.media.retention import Sweeper
from lib.media.routes import media_routes
from lib.media.sharing import Heartbeat, current_sharing
from lib.media.spool import remove_leftovers
from lib.media.storage.settings import StorageSettings, StorageSettingsError, make_storage
from lib.sandbox.control import ControlGuard, control_token, is_loopback_host
from lib.signin_routes import sign_in_routes
from lib.store.callbacks import StoredCallbackInbox
from lib.store.captures import resolve_capture
from lib.store.database import Database, shared_database

log = logging.getLogger(__name__)

SANDBOX_PREFIX = "/sandbox"
CALLBACK_PATH = "/callback"

_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Avatar Desk</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;
justify-content:center;background:#f5f5fa}}main{{max-width:26rem;padding:2rem;text-align:center}}
h1{{font-size:1.4rem}}</style></head><body><main id="callback-result" data-ok="{ok}"><h1>{title}</h1>
<p>{body}</p></main></body></html>"""


def _answer(ok: bool) -> HTMLResponse:
    if ok:
        title, body = (
            "Done: thank you",
            "Your verification is complete. You can close this page. / 认证完成，可以关闭此页面。",
        )
    else:
        title, body = (
            "Verification not completed",
            "Please tell the person who sent you the link: they can send a new one. / 认证未完成，请联系发送链接的人。",
        )
    return HTMLResponse(_PAGE.format(ok=str(ok).lower(), title=html.escape(title), body=html.escape(body)))


def _refused() -> HTMLResponse:
    # Plain, and the same for every reason (unknown secret, another token, too late): it reveals nothing.
    return HTMLResponse(
        _PAGE.format(
            ok="false",
            title="This link is not valid",
            body=html.escape(
                "Ask the person who sent you the link for a new one. / 此链接无效，请联系发送链接的人获取新链接。"
            ),
        ),
        status_code=403,
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _logged(route: Route, refused: int, what: str) -> Route:
    """`route` with one log line for each answer `refused` (403, 404) it gives: `what` and the client's
    address, never the path (it carries the token or the file's key) or the query."""
    endpoint = route.endpoint
    is_async = asyncio.iscoroutinefunction(endpoint)

    async def logged(request: Request):
        response = await endpoint(request) if is_async else await run_in_threadpool(endpoint, request)
        if response.status_code == refused:
            log.warning("%s: %s from %s", what, request.method, _client(request))
        return response

    return Route(route.path, logged, methods=sorted(route.methods or ()))


def callback_endpoint(inbox: CallbackInbox):
    async def endpoint(request: Request):
        params = dict(request.query_params)
        if request.method == "POST":
            # In case APIMart also notifies server-side: accept a JSON or form body with the same fields.
            try:
                body = await request.json()
            except Exception:
                body = dict(await request.form())
            if isinstance(body, dict):
                params.update({k: str(v) for k, v in body.items() if isinstance(v, str | int)})
        # The secret is the one in the URL the app gave APIMart, never one from a body. The inbox is in the
        # database: read (and written) in a worker thread, never on the event loop.
        record = await run_in_threadpool(inbox.record, request.query_params.get(SECRET_PARAM, ""), params)
        if record is None:
            # One line, the same for every reason, without the secret, the token or the query.
            log.warning("callback refused: %s from %s", request.method, _client(request))
            return (
                JSONResponse({"error": "refused"}, status_code=403)
                if request.method == "POST"
                else _refused()
            )
        if request.method == "POST":
            return JSONResponse({"received": True})
        return _answer(record.succeeded)

    return endpoint


def sandbox_enabled(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("AVATAR_DESK_SANDBOX", "on").lower() not in ("0", "off", "false", "no")


def sandbox_mode_at_start(
    env: Mapping[str, str] = os.environ, secrets: Mapping[str, object] | None = None
) -> bool:
    """Mount the sandbox: no APIMart key is configured (the rule lib.connection applies to every session)
    and AVATAR_DESK_SANDBOX is not off."""
    return sandbox_enabled(env) and resolve_settings(env, secrets or {}).is_sandbox


def _is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


def control_guard(env: Mapping[str, str] = os.environ, server_address: str | None = None) -> ControlGuard:
    """Who may use the mounted sandbox's control plane. `server_address` is where the server binds (None:
    not known, as when a test serves the routes on loopback itself)."""
    public = env.get("AVATAR_DESK_PUBLIC_URL", "").strip()
    exposed = bool(public and not _is_loopback_url(public)) or (
        server_address is not None and not is_loopback_host(server_address)
    )
    return ControlGuard(token=control_token(env), trust_loopback=not exposed)


def _storage_settings(env: Mapping[str, str], secrets: Mapping[str, object] | None) -> StorageSettings | None:
    try:
        return StorageSettings.from_env(env, secrets or {})
    except StorageSettingsError as error:
        log.error("no file hosting on this server (/files, /capture, retention): %s", error)
        return None


def _pages_database(env: Mapping[str, str], database: Database | None) -> Database:
    return database or shared_database(env.get("AVATAR_DESK_DB") or None)


def file_routes(
    env: Mapping[str, str], secrets: Mapping[str, object] | None, database: Database | None = None
) -> list[BaseRoute]:
    """/files and /capture on the pages' database (`database`, else the shared one for AVATAR_DESK_DB) and
    the configured storage; none when the storage settings cannot work."""
    settings = _storage_settings(env, secrets)
    if settings is None:
        return []
    storage = make_storage(settings)
    db = _pages_database(env, database)
    captures = [
        Route(route.path, _shared_media_only(db, settings, route.endpoint), methods=["POST"])
        if route.path.endswith("/upload")
        else route
        for route in capture_routes(db, lambda: storage, intake_dir(settings))
    ]
    # A guessed file key, an unknown, expired or closed capture link: the routes' own plain answer, and one
    # log line (no token, no key).
    return [
        *(_logged(r, 404, "file refused (no such file)") for r in media_routes(db, storage)),
        *(_logged(r, 403, "capture link refused (unknown, expired or closed)") for r in captures),
    ]


# What the phone's capture page shows for each file while this server's app-hosted files could not be served by
# every server (lib.media.sharing); the operator's pages say why and the two ways out.
NOT_SHARED_MESSAGE = (
    "This app cannot take files just now: tell the person who sent you the link. / "
    "暂时无法接收文件，请联系发送链接的人。"
)


def _shared_media_only(db: Database, settings: StorageSettings, upload):
    """The capture upload, refused (nothing stored, one log line) while another live server could not serve
    the files this server hosts; an unknown or closed token is still the capture route's plain 403."""

    async def endpoint(request: Request):
        sharing = await asyncio.to_thread(current_sharing, db, settings)
        if not sharing.refuses:
            return await upload(request)
        link = await asyncio.to_thread(resolve_capture, db, request.path_params.get("token", ""), db.clock())
        if link is None:
            return JSONResponse({"error": "refused"}, status_code=403, headers={"Cache-Control": "no-store"})
        log.warning(
            "capture upload refused: %d other server(s) cannot see this server's media folder", sharing.unshared
        )
        return JSONResponse(
            {"status": "refused", "message": NOT_SHARED_MESSAGE}, headers={"Cache-Control": "no-store"}
        )

    return endpoint


def server_lifespan(
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, object] | None = None,
    database: Database | None = None,
):
    """An st.App lifespan: uploads a killed server left half-received are removed at start, and the media
    retention sweeper runs while the server does (AVATAR_DESK_MEDIA_RETENTION_DAYS after a review ends; one
    server sweeps per period when several share the database), and so does this server's heartbeat (its row in
    `servers` and its marker in the media folder: lib.media.sharing, so every server knows whether the others
    can serve the files it hosts)."""
    env = os.environ if env is None else env

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        settings = _storage_settings(env, secrets)
        sweeper = heartbeat = None
        if settings is not None:
            remove_leftovers(intake_dir(settings))  # what a killed server left half-received
            db = _pages_database(env, database)
            sweeper = Sweeper(db, make_storage(settings), settings.keep_seconds).start()
            heartbeat = await asyncio.to_thread(Heartbeat(db, settings).start)
        try:
            yield None
        finally:
            # Both join their thread: not on the loop.
            if heartbeat is not None:
                await asyncio.to_thread(heartbeat.stop)
            if sweeper is not None:
                await asyncio.to_thread(sweeper.stop)

    return lifespan


_MOUNTED = {"sandbox": False}


def sandbox_is_mounted() -> bool:
    """True in a process started by `streamlit run app.py` in sandbox mode, where the sandbox shares the
    app's port."""
    return _MOUNTED["sandbox"]


def server_routes(
    inbox: CallbackInbox | None = None,
    *,
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, object] | None = None,
    server_address: str | None = None,
    database: Database | None = None,
) -> list[BaseRoute]:
    """The routes, built once when the server starts: `env` and `secrets` as known then decide the mode and
    the storage; `database` is the pages' (by default the shared one for AVATAR_DESK_DB), and the callback
    inbox is kept in it (unless `inbox` is given), so any server on the same database takes the phone's
    callback."""
    env = os.environ if env is None else env
    if inbox is None:
        inbox = (
            StoredCallbackInbox(_pages_database(env, database))
            if database is not None or env.get("AVATAR_DESK_DB")
            else server_inbox()  # the shared database, found when a callback comes
        )
    routes: list[BaseRoute] = [Route(CALLBACK_PATH, callback_endpoint(inbox), methods=["GET", "POST"])]
    routes.extend(file_routes(env, secrets, database))
    routes.extend(sign_in_routes(env, secrets))  # "Remember me on this browser" (lib.signin_routes)
    # A standalone sandbox (AVATAR_DESK_SANDBOX_URL, shared by several servers) is the one used: none mounted.
    mount = sandbox_mode_at_start(env, secrets) and not env.get("AVATAR_DESK_SANDBOX_URL", "").strip()
    if mount:
        from lib.sandbox.config import SandboxConfig
        from lib.sandbox.server import create_app

        public = env.get("AVATAR_DESK_PUBLIC_URL", "").rstrip("/")
        config = SandboxConfig(public_url=f"{public}{SANDBOX_PREFIX}" if public else None)
        guard = control_guard(env, server_address)
        routes.append(Mount(SANDBOX_PREFIX, app=create_app(config, control_guard=guard)))
    _MOUNTED["sandbox"] = mount
    return routes
