"""Steps 1 and 2 of the real-person flow: verification sessions (the H5 link and its one-time token), the
person's answer on the phone (a redirect to callback_url, as upstream) and the query that turns an
approved token into a group. A session lives `session_ttl` seconds; a query that does not succeed burns
the token, as upstream."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from lib.sandbox.errors import SandboxError
from lib.sandbox.ids import is_http_url, stamp, task_id
from lib.sandbox.tasks import TaskRecord
from lib.sandbox.tenants import Tenant

SUCCESS_CODE, FAILURE_CODE = "10000", "60001"
# Why a query of a token in this state is refused; the first three burn the token.
QUERY_REFUSALS = {
    "pending": "verification not completed yet",
    "failed": "the verification failed",
    "expired": "the verification session expired",
    "used": "this token was already used",
    "burned": "this token was already used up by an earlier query",
}
BURNED_BY_QUERY = ("pending", "failed", "expired")


@dataclass
class Session:
    token: str
    tenant: str
    task_id: str
    callback_url: str
    created: float
    expires: float
    state: str = "pending"  # pending, approved, failed, used, burned
    group_id: str | None = None

    def state_at(self, now: float) -> str:
        """The stored state, or "expired" for a pending session past its lifetime."""
        if self.state == "pending" and now > self.expires:
            return "expired"
        return self.state


def open_session(tenant: Tenant, callback_url: Any, base_url: str, now: float, ttl: float) -> dict:
    """Step 1: a session and its completed task, whose result holds the token and the H5 link."""
    if not is_http_url(callback_url):
        raise SandboxError(400, "callback_url must be an http(s) URL")
    task = TaskRecord(task_id(now), tenant.key, "session", now)
    token = "token_" + secrets.token_hex(16)
    link = f"{base_url}/h5/{token}?lng=zh"
    task.result = {
        "byted_token": token,
        "h5_link": link,
        "raw_response": {"Result": {"BytedToken": token, "H5Link": link}},
    }
    tenant.add_task(task)
    tenant.sessions[token] = Session(token, tenant.key, task.id, callback_url.strip(), now, now + ttl)
    return {"id": task.id, "status": "completed"}


def answer(session: Session | None, approve: bool, now: float) -> str:
    """The person approves or fails on the H5 page; returns the callback redirect URL."""
    if session is None:
        raise SandboxError(404, "unknown verification token", "not_found_error")
    state = session.state_at(now)
    if state != "pending":
        raise SandboxError(410, f"this verification link is no longer usable ({state})")
    session.state = "approved" if approve else "failed"
    params = {
        "bytedToken": session.token,
        "resultCode": SUCCESS_CODE if approve else FAILURE_CODE,
        "algorithmBaseRespCode": "0" if approve else "1",
        "reqMeasureInfoValue": "1",
        "verify_type": "h5",
    }
    parts = urlsplit(session.callback_url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))


def query(tenant: Tenant, token: Any, now: float) -> dict:
    """Step 2: an approved token becomes a group (and is used); any other query is refused."""
    if not isinstance(token, str) or not token.strip():
        raise SandboxError(400, "byted_token must be a non-empty string")
    session = tenant.sessions.get(token.strip())
    if session is None:
        raise SandboxError(400, "unknown byted_token: create a new verification session")
    state = session.state_at(now)
    if state != "approved":
        if state in BURNED_BY_QUERY:
            session.state = "burned"
        raise SandboxError(
            400, f"{QUERY_REFUSALS[state]}: the token is now used up; create a new verification session"
        )
    group_id = stamp("group", now)
    session.state, session.group_id = "used", group_id
    tenant.groups.add(group_id)
    task = TaskRecord(task_id(now), tenant.key, "query", now, group_id=group_id)
    task.result = {"group_id": group_id, "raw_response": {"Result": {"GroupId": group_id}}}
    tenant.add_task(task)
    return {"id": task.id, "status": "completed"}
