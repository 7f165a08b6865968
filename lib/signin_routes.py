"""The server routes behind "Remember me on this browser" (lib.signin): POST /sign-in/remember takes a
short-lived, single-use ticket the signed-in page gave this browser and sets an HttpOnly cookie naming the
operator, signed with a key derived from the team passphrase; POST /sign-in/forget clears it (signing out).
Built when the server starts (lib.server.server_routes), from the passphrase known then."""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from lib import signin

log = logging.getLogger(__name__)


class _UsedTickets:
    """Tickets already redeemed on this server, until they expire (a ticket works once)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, ticket: str, now: float) -> bool:
        with self._lock:
            for old in [t for t, until in self._seen.items() if until <= now]:
                del self._seen[old]
            if ticket in self._seen:
                return False
            self._seen[ticket] = now + signin.TICKET_SECONDS
            return True


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _refused() -> HTMLResponse:
    # Bilingual, as the /callback answer page: a route has no session, hence no language of its own.
    body = "This sign-in link has expired. Go back to the app and sign in again."
    body_zh = "此登录链接已失效。请返回应用重新登录。"
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>Avatar Desk</title><p>{html.escape(body)}</p>"
        f"<p lang='zh-CN'>{html.escape(body_zh)}</p>"
        "<p><a href='/'>Back to Avatar Desk</a> · <a href='/' lang='zh-CN'>返回 Avatar Desk</a></p>",
        status_code=403,
    )


def sign_in_routes(env: Mapping[str, str], secrets: Mapping[str, object] | None) -> list[Route]:
    """The two routes; none when no passphrase is configured (nothing to remember)."""
    passphrase = signin.configured_passphrase(env, secrets or {})
    if not passphrase:
        return []
    key = signin.signing_key(passphrase)
    used = _UsedTickets()

    async def remember(request: Request) -> Response:
        form = await request.form()
        ticket = str(form.get("ticket") or "")
        now = time.time()
        name = signin.redeem(ticket, key, signin.TICKET, now)
        if name is None or not used.first_use(ticket, now):
            log.warning("remember-me refused: an invalid or used ticket (from %s)", _client(request))
            return _refused()
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            signin.COOKIE_NAME,
            signin.issue(name, key, signin.COOKIE, signin.REMEMBER_SECONDS, now),
            max_age=signin.REMEMBER_SECONDS,
            path="/",
            httponly=True,
            secure=_https(request),
            samesite="strict",
        )
        log.info("remembered a signed-in operator on a browser (from %s)", _client(request))
        return response

    async def forget(_request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(signin.COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return response

    return [
        Route(signin.REMEMBER_PATH, remember, methods=["POST"]),
        Route(signin.FORGET_PATH, forget, methods=["POST"]),
    ]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
