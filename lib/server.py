"""The extra HTTP routes served on the app's own port (st.App routes): the H5 callback, and the sandbox
mounted at /sandbox so its H5 page is reachable wherever the app is. No Streamlit import here."""

from __future__ import annotations

import html
import os

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from lib.callbacks import CallbackInbox, server_inbox

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
        record = inbox.record(params)
        if record is None:
            return (
                JSONResponse({"error": "bytedToken is missing"}, status_code=400)
                if request.method == "POST"
                else _answer(False)
            )
        if request.method == "POST":
            return JSONResponse({"received": True})
        return _answer(record.succeeded)

    return endpoint


def sandbox_enabled(env=os.environ) -> bool:
    return env.get("AVATAR_DESK_SANDBOX", "on").lower() not in ("0", "off", "false", "no")


_MOUNTED = {"sandbox": False}


def sandbox_is_mounted() -> bool:
    """True in a process started by `streamlit run app.py`, where the sandbox shares the app's port."""
    return _MOUNTED["sandbox"]


def server_routes(inbox: CallbackInbox | None = None) -> list[BaseRoute]:
    inbox = server_inbox() if inbox is None else inbox
    routes: list[BaseRoute] = [Route(CALLBACK_PATH, callback_endpoint(inbox), methods=["GET", "POST"])]
    if sandbox_enabled():
        from lib.sandbox.config import SandboxConfig
        from lib.sandbox.server import create_app

        public = os.environ.get("AVATAR_DESK_PUBLIC_URL", "").rstrip("/")
        config = SandboxConfig(public_url=f"{public}{SANDBOX_PREFIX}" if public else None)
        routes.append(Mount(SANDBOX_PREFIX, app=create_app(config)))
        _MOUNTED["sandbox"] = True
    return routes
