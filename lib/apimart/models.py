"""Typed, frozen results parsed tolerantly from APIMart payloads (unknown fields ignored, every variant
the contract lists accepted, the raw payload kept); no HTTP and no I/O here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.apimart.errors import MalformedResponseError

# The statuses after which a task never changes (the one definition: import it, do not repeat it).
FINAL_STATUSES = ("completed", "failed", "cancelled")
UNSUCCESSFUL_STATUSES = FINAL_STATUSES[1:]  # final, and not completed
# Documented limit of assets per submit request (the one definition: import it, do not repeat it).
BATCH_SIZE = 20
# Spellings other APIs (and older APIMart replies) use for the documented statuses.
_STATUS_ALIASES = {
    "succeeded": "completed",
    "success": "completed",
    "succeed": "completed",
    "complete": "completed",
    "done": "completed",
    "canceled": "cancelled",
    "failure": "failed",
    "error": "failed",
    "queued": "pending",
    "submitted": "pending",
    "running": "processing",
    "in_progress": "processing",
}
_FAILED_ITEM_STATUSES = frozenset({"failed", "failure", "error", "rejected", "invalid"})
LANGUAGES = ("zh", "en", "zh-Hant")


# --- small tolerant readers -----------------------------------------------------------------------


def _dict(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def unwrap(body: Any) -> Any:
    """The `data` of the `{"code": 200, "data": ...}` envelope (or the body itself when not enveloped)."""
    if isinstance(body, Mapping) and "data" in body:
        return body["data"]
    return body


def _normalise_status(value: Any) -> str:
    status = (_str(value) or "").lower()
    return _STATUS_ALIASES.get(status, status)


# --- tasks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedTask:
    """A task APIMart accepted: its id and its status at submission."""

    id: str
    status: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: Any) -> SubmittedTask:
        # Video generation answers with a one-item list; the other endpoints with an object.
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                "APIMart accepted the request but its answer holds no task.", body=data
            )
        task_id = _str(data.get("id")) or _str(data.get("task_id"))
        if not task_id:
            raise MalformedResponseError(
                "APIMart accepted the request but did not return a task id.", body=data
            )
        return cls(id=task_id, status=(_str(data.get("status")) or "submitted").lower(), raw=dict(data))


@dataclass(frozen=True)
class TaskError:
    code: str | None = None
    message: str | None = None
    type: str | None = None

    @classmethod
    def from_any(cls, value: Any) -> TaskError | None:
        if value is None or value == {} or value == "":
            return None
        if isinstance(value, Mapping):
            return cls(
                code=_str(value.get("code")),
                message=_str(value.get("message")) or _str(value.get("msg")),
                type=_str(value.get("type")),
            )
        return cls(message=_str(value))


@dataclass(frozen=True)
class Task:
    """A task as GET /v1/tasks/{id} reports it."""

    id: str
    status: str
    progress: int | None = None
    result: dict = field(default_factory=dict)
    error: TaskError | None = None
    created: int | None = None
    completed: int | None = None
    estimated_time: Any = None
    actual_time: Any = None
    object: str | None = None
    model: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_success(self) -> bool:
        return self.status == "completed"

    @classmethod
    def from_data(cls, data: Any, task_id: str | None = None) -> Task:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("APIMart's task status answer is not an object.", body=data)
        found_id = _str(data.get("id")) or _str(data.get("task_id")) or task_id
        if not found_id:
            raise MalformedResponseError("APIMart's task status answer has no task id.", body=data)
        result = data.get("result")
        return cls(
            id=found_id,
            status=_normalise_status(data.get("status")) or "pending",
            progress=_int(data.get("progress")),
            result=_dict(result) if result is None or isinstance(result, Mapping) else {"value": result},
            error=TaskError.from_any(data.get("error")),
            created=_int(data.get("created")),
            completed=_int(data.get("completed")),
            estimated_time=data.get("estimated_time"),
            actual_time=data.get("actual_time"),
            object=_str(data.get("object")),
            model=_str(data.get("model")),
            raw=dict(data),
        )


# --- verification ---------------------------------------------------------------------------------


def decode_link(link: str) -> str:
    """Undo the `\\u0026` escapes upstream H5 links may carry (once or twice escaped)."""
    return link.replace("\\\\u0026", "&").replace("\\u0026", "&").replace("\\U0026", "&")


def with_language(h5_link: str, lng: str) -> str:
    """The H5 link with its `lng` query parameter set to `lng` (zh, en or zh-Hant), replacing any other."""
    if lng not in LANGUAGES:
        raise ValueError(f"Unsupported H5 page language {lng!r}: use one of {', '.join(LANGUAGES)}.")
    link = decode_link(h5_link)
    base, hash_mark, fragment = link.partition("#")
    path, _, query = base.partition("?")
    # Edit the query by hand: re-encoding it with urllib could alter the other, signed, parameters.
    params = [p for p in query.split("&") if p and p.split("=", 1)[0] != "lng"]
    params.append(f"lng={lng}")
    return f"{path}?{'&'.join(params)}{hash_mark}{fragment}"


@dataclass(frozen=True)
class VerificationSession:
    """The H5 page a real person opens on a phone, and the one-time token that will identify the result."""

    task_id: str
    h5_link: str
    byted_token: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_task(cls, task: Task) -> VerificationSession:
        result = task.result
        upstream = _dig(result, "raw_response", "Result")
        link = (
            _str(result.get("h5_link"))
            or _str(result.get("H5Link"))
            or _str(result.get("h5_url"))
            or _str(_dig(upstream, "H5Link"))
        )
        token = (
            _str(result.get("byted_token"))
            or _str(result.get("BytedToken"))
            or _str(_dig(upstream, "BytedToken"))
        )
        if not link or not token:
            raise MalformedResponseError(
                f"Verification session {task.id} has no {'H5 link' if not link else 'token'} yet "
                f"(task status: {task.status}).",
                body=task.raw,
            )
        return cls(task_id=task.id, h5_link=decode_link(link), byted_token=token, raw=task.raw)


def find_group_id(data: Any) -> str | None:
    """The group id in a step-2 reply or its task, looked for where the contract allows it, in order."""
    for path in (
        ("group_id",),
        ("result", "group_id"),
        ("result", "GroupId"),
        ("result", "raw_response", "Result", "GroupId"),
    ):
        if found := _str(_dig(data, *path)):
            return found
    return None


@dataclass(frozen=True)
class VerificationResult:
    group_id: str
    task_id: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)


# --- asset review ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetInput:
    url: str
    name: str | None = None

    def to_payload(self) -> dict:
        return {"url": self.url, "name": self.name} if self.name else {"url": self.url}


def _reason(item: Mapping) -> tuple[str | None, str | None]:
    for key in ("error", "reason", "fail_reason", "error_message"):
        value = item.get(key)
        if isinstance(value, Mapping):
            code = _str(value.get("code")) or _str(value.get("Code"))
            message = _str(value.get("message")) or _str(value.get("Message")) or _str(value.get("msg"))
            if code or message:
                return code, message
        elif (text := _str(value)) is not None:
            # A bare string is either a code ("FaceMismatch") or a sentence meant for people.
            if " " in text:
                return _str(item.get("error_code")), text
            return text, _str(item.get("message"))
    return _str(item.get("error_code")), None


@dataclass(frozen=True)
class ReviewedAsset:
    name: str | None
    source_url: str | None
    asset_id: str | None
    asset_url: str | None
    status: str | None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def failed(self) -> bool:
        return (self.status or "").lower() in _FAILED_ITEM_STATUSES

    @property
    def usable(self) -> bool:
        return bool(self.asset_url and self.asset_url.startswith("asset://")) and not self.failed

    @classmethod
    def from_item(cls, item: Any, default_status: str | None = None) -> ReviewedAsset:
        if isinstance(item, str):
            item = {"asset_url": item} if item.startswith("asset://") else {"url": item}
        item = _dict(item)
        code, message = _reason(item)
        return cls(
            name=_str(item.get("name")),
            source_url=_str(item.get("url")) or _str(item.get("source_url")) or _str(item.get("origin_url")),
            asset_id=_str(item.get("asset_id")) or _str(item.get("id")),
            asset_url=_str(item.get("asset_url")),
            status=_str(item.get("status")) or default_status,
            error_code=code,
            error_message=message,
            raw=item,
        )


def _items(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else []


@dataclass(frozen=True)
class ReviewResult:
    """A review task split into usable assets (with `asset://` URLs) and failed ones (with reasons)."""

    task: Task
    usable: tuple[ReviewedAsset, ...] = ()
    failed: tuple[ReviewedAsset, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.task.is_final

    @property
    def is_partial(self) -> bool:
        return self.task.status == "failed" and bool(self.usable)

    @property
    def group_id(self) -> str | None:
        return _str(self.task.result.get("group_id"))

    @classmethod
    def from_task(cls, task: Task) -> ReviewResult:
        result = task.result
        usable: list[ReviewedAsset] = []
        failed: list[ReviewedAsset] = []
        if "usable_assets" in result or "failed_assets" in result:
            usable = [ReviewedAsset.from_item(i, "Active") for i in _items(result.get("usable_assets"))]
            failed = [ReviewedAsset.from_item(i, "Failed") for i in _items(result.get("failed_assets"))]
        elif _items(result.get("assets")):
            for item in (ReviewedAsset.from_item(i) for i in _items(result["assets"])):
                if item.usable:
                    usable.append(item)
                elif item.failed or (task.is_final and not item.usable):
                    # Once the task is over, an item without an asset:// URL was not approved.
                    failed.append(item)
        elif _str(result.get("asset_url")):
            item = ReviewedAsset.from_item(result, "Active" if task.status != "failed" else "Failed")
            (usable if item.usable else failed).append(item)
        return cls(task=task, usable=tuple(usable), failed=tuple(failed))


# --- video generation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageWithRole:
    url: str
    role: str = "reference_image"  # or first_frame, last_frame

    def to_payload(self) -> dict:
        return {"url": self.url, "role": self.role}


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    model: str = "doubao-seedance-2.0-face"
    duration: int = 5
    size: str = "16:9"
    resolution: str = "720p"
    seed: int | None = None
    generate_audio: bool = True
    return_last_frame: bool | None = None
    image_urls: Sequence[str] = ()
    image_with_roles: Sequence[ImageWithRole] = ()
    video_urls: Sequence[str] = ()
    audio_urls: Sequence[str] = ()

    def to_payload(self) -> dict:
        payload: dict[str, Any] = {
            "model": self.model,
            "prompt": self.prompt,
            "duration": self.duration,
            "size": self.size,
            "resolution": self.resolution,
            "seed": self.seed,
            "generate_audio": self.generate_audio,
            "return_last_frame": self.return_last_frame,
            "image_urls": list(self.image_urls),
            "image_with_roles": [
                r.to_payload() if isinstance(r, ImageWithRole) else dict(r) for r in self.image_with_roles
            ],
            "video_urls": list(self.video_urls),
            "audio_urls": list(self.audio_urls),
        }
        return {k: v for k, v in payload.items() if v is not None and v != [] and v != ""}


def _first_url(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return next((u for u in (_str(v) for v in value) if u), None)
    return _str(value)


@dataclass(frozen=True)
class VideoResult:
    task: Task
    video_url: str | None = None
    expires_at: int | None = None
    thumbnail_url: str | None = None

    @classmethod
    def from_task(cls, task: Task) -> VideoResult:
        result = task.result
        videos = result.get("videos")
        first = videos[0] if isinstance(videos, list) and videos else videos
        if isinstance(first, Mapping):
            url = _first_url(first.get("url")) or _first_url(first.get("video_url"))
            expires = _int(first.get("expires_at"))
            thumb = _first_url(first.get("thumbnail_url"))
        else:
            url, expires, thumb = _first_url(first), None, None
        return cls(
            task=task,
            video_url=url or _first_url(result.get("video_url")) or _first_url(result.get("url")),
            expires_at=expires if expires is not None else _int(result.get("expires_at")),
            thumbnail_url=thumb or _first_url(result.get("thumbnail_url")),
        )
