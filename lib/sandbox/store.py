"""The sandbox's state machine: tenants, verification sessions, groups, assets and tasks behind one lock,
advanced by time when read (moto style). No HTTP here; it never keeps an API key, only its hash."""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from lib.sandbox.config import SandboxConfig

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VIDEO_MODELS = (
    "doubao-seedance-2.0",
    "doubao-seedance-2.0-fast",
    "doubao-seedance-2.0-face",
    "doubao-seedance-2.0-fast-face",
)
SIZES = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive")
ROLES = ("first_frame", "last_frame", "reference_image")
FAILURES = {
    "mismatch": {
        "code": "FaceMismatch",
        "message": "The face does not match the verified person, or several faces were found",
    },
    "unreachable": {
        "code": "InvalidParameter.DownloadFailed",
        "message": "The asset could not be downloaded from its URL",
    },
}
SUCCESS_CODE, FAILURE_CODE = "10000", "60001"


class SandboxError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.type = status, message, type_


def fingerprint(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


def _ulid(now: float) -> str:
    millis = int(now * 1000)
    head = "".join(CROCKFORD[(millis >> (5 * i)) & 31] for i in reversed(range(10)))
    return "task_" + head + "".join(secrets.choice(CROCKFORD) for _ in range(16))


def _stamp(prefix: str, now: float) -> str:
    when = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%d%H%M%S")
    return (
        f"{prefix}-{when}-{''.join(secrets.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(5))}"
    )


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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


@dataclass
class Asset:
    tenant: str
    group_id: str
    asset_id: str
    name: str
    url: str
    asset_type: str
    task_id: str
    ready_at: float
    error: dict | None  # None: becomes Active; {}: fails with no reason

    @property
    def failed(self) -> bool:
        return self.error is not None

    def item(self) -> dict:
        data = {
            "asset_id": self.asset_id,
            "name": self.name,
            "url": self.url,
            "status": "Failed" if self.failed else "Active",
        }
        if self.failed:
            if self.error:
                data["error"] = dict(self.error)
        else:
            data["asset_url"] = f"asset://{self.asset_id}"
        return data


@dataclass
class TaskRecord:
    id: str
    tenant: str
    kind: str  # session, query, review, group, video
    created: float
    duration: float = 0.0
    result: dict = field(default_factory=dict)
    assets: list[Asset] = field(default_factory=list)
    group_id: str | None = None
    fail: dict | None = None  # for video tasks that end failed
    base_url: str = ""


@dataclass
class Fault:
    id: int
    route: str
    method: str | None = None
    status: int | None = None
    body: Any = None
    retry_after: float | None = None
    latency: float = 0.0
    drop: bool = False
    malformed: bool = False
    count: int | None = 1
    probability: float = 1.0
    # "after": the request is carried out first, then the answer is lost (delayed, dropped or replaced by
    # the status): the case that costs money when a client sends it again.
    after: bool = False
    # Narrows a fault on /v1/seedance2/real-avatar to one step: callback_url, byted_token or group_id.
    selector: str | None = None

    def matches(self, path: str, method: str, selector: str | None = None) -> bool:
        return (
            path.startswith(self.route)
            and (self.method is None or self.method.upper() == method.upper())
            and (self.selector is None or self.selector == selector)
        )


class Store:
    def __init__(self, config: SandboxConfig | None = None, *, clock=time.time) -> None:
        self.initial = SandboxConfig(**(config or SandboxConfig()).as_dict())
        self.config = SandboxConfig(**self.initial.as_dict())
        self.clock = clock
        self.lock = threading.RLock()
        self._random = random.Random()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.config = SandboxConfig(**self.initial.as_dict())
            self.sessions: dict[str, Session] = {}
            self.tasks: dict[str, TaskRecord] = {}
            self.groups: dict[str, str] = {}  # group id -> tenant
            self.assets: list[Asset] = []
            self.faults: list[Fault] = []
            self.requests: list[dict] = []
            self._fault_ids = 0

    # ------------------------------------------------------------------ step 1: sessions

    def create_session(self, tenant: str, callback_url: Any, base_url: str) -> dict:
        if not _is_http_url(callback_url):
            raise SandboxError(400, "callback_url must be an http(s) URL")
        with self.lock:
            now = self.clock()
            task = TaskRecord(_ulid(now), tenant, "session", now)
            token = "token_" + secrets.token_hex(16)
            link = f"{base_url}/h5/{token}?lng=zh"
            task.result = {
                "byted_token": token,
                "h5_link": link,
                "raw_response": {"Result": {"BytedToken": token, "H5Link": link}},
            }
            self.tasks[task.id] = task
            self.sessions[token] = Session(
                token, tenant, task.id, callback_url.strip(), now, now + self.config.session_ttl
            )
            return {"id": task.id, "status": "completed"}

    def _session_state(self, session: Session) -> str:
        if session.state == "pending" and self.clock() > session.expires:
            return "expired"
        return session.state

    def session_for_page(self, token: str) -> tuple[Session | None, str]:
        with self.lock:
            session = self.sessions.get(token)
            return session, (self._session_state(session) if session else "unknown")

    def finish_session(self, token: str, approve: bool) -> str:
        """The person approves or fails on the H5 page; returns the callback redirect URL."""
        with self.lock:
            session = self.sessions.get(token)
            if session is None:
                raise SandboxError(404, "unknown verification token", "not_found_error")
            state = self._session_state(session)
            if state != "pending":
                raise SandboxError(410, f"this verification link is no longer usable ({state})")
            session.state = "approved" if approve else "failed"
            params = {
                "bytedToken": token,
                "resultCode": SUCCESS_CODE if approve else FAILURE_CODE,
                "algorithmBaseRespCode": "0" if approve else "1",
                "reqMeasureInfoValue": "1",
                "verify_type": "h5",
            }
            parts = urlsplit(session.callback_url)
            query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
            return urlunsplit(parts._replace(query=query))

    # ------------------------------------------------------------------ step 2: query

    def query_token(self, tenant: str, token: Any) -> dict:
        if not isinstance(token, str) or not token.strip():
            raise SandboxError(400, "byted_token must be a non-empty string")
        with self.lock:
            session = self.sessions.get(token.strip())
            if session is None or session.tenant != tenant:
                raise SandboxError(400, "unknown byted_token: create a new verification session")
            state = self._session_state(session)
            if state != "approved":
                # As upstream: a query that does not succeed burns the one-time token.
                if state in ("pending", "failed", "expired"):
                    session.state = "burned"
                reason = {
                    "pending": "verification not completed yet",
                    "failed": "the verification failed",
                    "expired": "the verification session expired",
                    "used": "this token was already used",
                    "burned": "this token was already used up by an earlier query",
                }[state]
                raise SandboxError(
                    400, f"{reason}: the token is now used up; create a new verification session"
                )
            now = self.clock()
            group_id = _stamp("group", now)
            session.state, session.group_id = "used", group_id
            self.groups[group_id] = tenant
            task = TaskRecord(_ulid(now), tenant, "query", now, group_id=group_id)
            task.result = {"group_id": group_id, "raw_response": {"Result": {"GroupId": group_id}}}
            self.tasks[task.id] = task
            return {"id": task.id, "status": "completed"}

    # ------------------------------------------------------------------ step 3 and private avatars

    def _check_assets(self, assets: Any) -> list[tuple[str, str]]:
        if not isinstance(assets, list) or not assets:
            raise SandboxError(400, "assets must be a non-empty list")
        if len(assets) > 20:
            raise SandboxError(400, f"at most 20 assets per request ({len(assets)} given)")
        checked = []
        for index, asset in enumerate(assets):
            if not isinstance(asset, dict):
                raise SandboxError(400, f"assets[{index}] must be an object with url and name")
            url, name = asset.get("url"), asset.get("name")
            if not _is_http_url(url):
                raise SandboxError(400, f"assets[{index}].url must be a public http(s) URL")
            if name is not None and (not isinstance(name, str) or len(name) > 64):
                raise SandboxError(400, f"assets[{index}].name must be a string of at most 64 characters")
            checked.append((url.strip(), (name or "").strip()))
        return checked

    def _review(
        self, tenant: str, group_id: str, asset_type: str, items: list[tuple[str, str]], model: str
    ) -> dict:
        now = self.clock()
        seconds = self.config.seconds(
            "video_review_seconds" if asset_type == "Video" else "image_review_seconds"
        )
        task = TaskRecord(_ulid(now), tenant, "review", now, duration=seconds, group_id=group_id)
        task.result = {"model": model}
        for url, name in items:
            lowered = url.lower()
            error = next((dict(v) for k, v in FAILURES.items() if k in lowered), None)
            if error is None and "noreason" in lowered:
                error = {}
            asset = Asset(
                tenant, group_id, _stamp("asset", now), name, url, asset_type, task.id, now + seconds, error
            )
            task.assets.append(asset)
            self.assets.append(asset)
        self.tasks[task.id] = task
        return {
            "id": task.id,
            "object": "seedance.avatar.asset.task",
            "status": "processing",
            "progress": 10,
            "model": model,
        }

    def _own_group(self, tenant: str, group_id: Any, message: str) -> None:
        # Another tenant's group is "unknown" too: its existence is not revealed.
        if not isinstance(group_id, str) or self.groups.get(group_id) != tenant:
            raise SandboxError(400, message)

    def submit_assets(self, tenant: str, body: dict) -> dict:
        group_id = body.get("group_id")
        asset_type = body.get("asset_type", "Video")
        if asset_type not in ("Video", "Image"):
            raise SandboxError(400, "asset_type must be Video or Image")
        with self.lock:
            self._own_group(tenant, group_id, "unknown group_id: verify the person first (step 1 and 2)")
            items = self._check_assets(body.get("assets"))
            return self._review(tenant, group_id, asset_type, items, "doubao-seedance-2.0")

    def private_avatar(self, tenant: str, body: dict) -> dict:
        asset_type = body.get("asset_type", "Image")
        if asset_type not in ("Image", "Video", "Audio"):
            raise SandboxError(400, "asset_type must be Image, Video or Audio")
        if ("group" in body) == ("group_id" in body):
            raise SandboxError(400, "send exactly one of group (to create one) or group_id")
        assets = body.get("assets")
        if assets is None and "url" in body:
            assets = [{"url": body.get("url"), "name": body.get("name")}]
        with self.lock:
            if "group" in body:
                group = body["group"]
                if not isinstance(group, dict) or not str(group.get("name", "")).strip():
                    raise SandboxError(400, "group must be an object with a name")
                group_id = _stamp("group", self.clock())
                self.groups[group_id] = tenant
                if assets is None:
                    task = TaskRecord(_ulid(self.clock()), tenant, "group", self.clock(), group_id=group_id)
                    task.result = {"group_id": group_id}
                    self.tasks[task.id] = task
                    return {
                        "id": task.id,
                        "object": "seedance.avatar.asset.task",
                        "status": "completed",
                        "progress": 100,
                    }
            else:
                group_id = body["group_id"]
                self._own_group(tenant, group_id, "unknown group_id")
            return self._review(
                tenant, group_id, asset_type, self._check_assets(assets), "doubao-seedance-2.0"
            )

    # ------------------------------------------------------------------ video generation

    def _check_reference(self, tenant: str, url: Any, field_name: str) -> None:
        if not isinstance(url, str):
            raise SandboxError(400, f"{field_name} must hold URL strings")
        if url.startswith("asset://"):
            asset_id = url[len("asset://") :]
            now = self.clock()
            found = next((a for a in self.assets if a.asset_id == asset_id and a.tenant == tenant), None)
            if found is None or found.failed or now < found.ready_at:
                raise SandboxError(400, f"{url} is not an Active asset of this account")
        elif not _is_http_url(url):
            raise SandboxError(400, f"{field_name} entries must be http(s) or asset:// URLs")

    def generate(self, tenant: str, body: dict, base_url: str) -> list[dict]:
        model = body.get("model")
        if model not in VIDEO_MODELS:
            raise SandboxError(400, f"model must be one of {', '.join(VIDEO_MODELS)}")
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise SandboxError(400, "prompt is required")
        if len(prompt) > 4000:
            raise SandboxError(400, "prompt is longer than 4000 characters")
        duration = body.get("duration", 5)
        if not isinstance(duration, int) or isinstance(duration, bool) or not 4 <= duration <= 15:
            raise SandboxError(400, "duration must be an integer from 4 to 15")
        if body.get("size", "16:9") not in SIZES:
            raise SandboxError(400, f"size must be one of {', '.join(SIZES)}")
        resolution = body.get("resolution", "720p")
        if resolution not in ("480p", "720p", "1080p"):
            raise SandboxError(400, "resolution must be 480p, 720p or 1080p")
        if resolution == "1080p" and "-fast" in model:
            raise SandboxError(400, "1080p is not available for the fast models")
        images, roles = body.get("image_urls"), body.get("image_with_roles")
        if images and roles:
            raise SandboxError(400, "image_urls and image_with_roles cannot be used together")
        with self.lock:
            for name, value, limit in (
                ("image_urls", images, 9),
                ("video_urls", body.get("video_urls"), 3),
                ("audio_urls", body.get("audio_urls"), 3),
            ):
                if value is None:
                    continue
                if not isinstance(value, list) or len(value) > limit:
                    raise SandboxError(400, f"{name} must be a list of at most {limit} URLs")
                for url in value:
                    self._check_reference(tenant, url, name)
            if roles is not None:
                if not isinstance(roles, list) or len(roles) > 9:
                    raise SandboxError(400, "image_with_roles must be a list of at most 9 items")
                for item in roles:
                    if not isinstance(item, dict) or item.get("role") not in ROLES:
                        raise SandboxError(
                            400, f"image_with_roles items need a url and a role ({', '.join(ROLES)})"
                        )
                    self._check_reference(tenant, item.get("url"), "image_with_roles")
            now = self.clock()
            task = TaskRecord(
                _ulid(now),
                tenant,
                "video",
                now,
                duration=self.config.seconds("generation_seconds"),
                base_url=base_url,
            )
            task.result = {"model": model}
            if "force-fail" in prompt:
                task.fail = {
                    "code": "GenerationFailed",
                    "message": "The video could not be generated (forced by the prompt)",
                    "type": "generation_error",
                }
            self.tasks[task.id] = task
            return [{"status": "submitted", "task_id": task.id}]

    # ------------------------------------------------------------------ tasks

    def task_view(self, tenant: str, task_id: str) -> dict:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task.tenant != tenant:
                raise SandboxError(404, f"task {task_id} not found", "not_found_error")
            now = self.clock()
            elapsed = now - task.created
            done = elapsed >= task.duration
            data: dict[str, Any] = {
                "id": task.id,
                "created": int(task.created),
                "estimated_time": int(task.duration) or 1,
            }
            if task.kind in ("session", "query", "group"):
                data.update(
                    status="completed",
                    progress=100,
                    result=dict(task.result),
                    completed=int(task.created),
                    actual_time=0,
                )
                return data
            if task.kind == "review":
                data.update(object="seedance.avatar.asset.task", model=task.result["model"])
                if not done:
                    data.update(
                        status="processing",
                        progress=min(99, 10 + int(89 * elapsed / task.duration)),
                        result={},
                        completed=None,
                    )
                    return data
                usable = [a.item() for a in task.assets if not a.failed]
                failed = [a.item() for a in task.assets if a.failed]
                data.update(
                    status="failed" if failed else "completed",
                    progress=100,
                    completed=int(task.created + task.duration),
                    actual_time=int(task.duration),
                    result={
                        "group_id": task.group_id,
                        "usable_assets": usable,
                        "failed_assets": failed,
                        "assets": usable + failed,
                    },
                )
                if failed:
                    data["error"] = {
                        "code": "AssetReviewFailed",
                        "message": f"{len(failed)} of {len(task.assets)} assets failed review",
                        "type": "asset_review_error",
                    }
                return data
            # video
            data["model"] = task.result["model"]
            if not done:
                status = "pending" if elapsed < task.duration * 0.2 else "processing"
                data.update(
                    status=status,
                    progress=min(99, int(100 * elapsed / task.duration)),
                    result={},
                    completed=None,
                )
                return data
            data.update(
                progress=100, completed=int(task.created + task.duration), actual_time=int(task.duration)
            )
            if task.fail:
                data.update(status="failed", result={}, error=dict(task.fail))
            else:
                data.update(
                    status="completed",
                    result={
                        "videos": [
                            {"url": [f"{task.base_url}/files/{task.id}.mp4"], "expires_at": int(now) + 86400}
                        ],
                        "thumbnail_url": f"{task.base_url}/files/{task.id}.jpg",
                    },
                )
            return data

    def video_ready(self, task_id: str) -> bool:
        with self.lock:
            task = self.tasks.get(task_id)
            return bool(
                task
                and task.kind == "video"
                and not task.fail
                and self.clock() - task.created >= task.duration
            )

    # ------------------------------------------------------------------ faults and the request log

    def add_fault(self, spec: dict) -> Fault:
        if not isinstance(spec, dict) or not isinstance(spec.get("route"), str):
            raise SandboxError(400, "a fault needs a route (a path prefix such as /v1/tasks)")
        allowed = {
            "route",
            "method",
            "status",
            "body",
            "retry_after",
            "latency",
            "drop",
            "malformed",
            "count",
            "probability",
            "after",
            "selector",
        }
        if unknown := set(spec) - allowed:
            raise SandboxError(400, f"unknown fault fields: {', '.join(sorted(unknown))}")
        with self.lock:
            self._fault_ids += 1
            fault = Fault(id=self._fault_ids, **spec)
            self.faults.append(fault)
            return fault

    def take_fault(self, path: str, method: str, selector: str | None = None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, method, selector) and self._random.random() < fault.probability:
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.faults.remove(fault)
                    return fault
            return None

    def log(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)
            del self.requests[:-5000]  # bounded: a long demo must not grow without end

    def task_rows(self, kind: str | None = None) -> list[dict]:
        """Every task the sandbox created (of one kind: session, query, review, video), for tests that
        count upstream objects."""
        with self.lock:
            return [
                {"id": t.id, "tenant": t.tenant, "kind": t.kind, "group_id": t.group_id}
                for t in self.tasks.values()
                if kind is None or t.kind == kind
            ]

    def asset_rows(self) -> list[dict]:
        with self.lock:
            now = self.clock()
            return [
                {
                    "tenant": a.tenant,
                    "group_id": a.group_id,
                    "asset_id": a.asset_id,
                    "name": a.name,
                    "url": a.url,
                    "asset_type": a.asset_type,
                    "status": "Processing" if now < a.ready_at else ("Failed" if a.failed else "Active"),
                    "task_id": a.task_id,
                }
                for a in self.assets
            ]
