"""Tasks and the state machine they follow, declared below and advanced when a task is read (moto
style: nothing runs in the background).

Every task goes pending -> processing -> completed or failed. A kind declares the running states it shows
and the share of the task's time each one lasts; once its whole time has passed the task is final, failed
when its kind finds an error (an asset that failed review, a generation forced to fail), else completed.
A task with no time (a session, a query, a group, or anything under instant timing) is final on its first
read. A task whose kind still has work under way (a review whose files are being downloaded and judged,
lib.sandbox.judging) stays in its last running state past its time, and is final on the first read after the
work is done: under instant timing, as soon as it is done. A read may skip states (one read after the end
goes straight to final), never go back."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.sandbox.assets import Asset

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"
FINAL = (COMPLETED, FAILED)
TRANSITIONS = {
    PENDING: (PROCESSING, COMPLETED, FAILED),
    PROCESSING: (COMPLETED, FAILED),
    COMPLETED: (),
    FAILED: (),
}
ASSET_TASK = "seedance.avatar.asset.task"
VIDEO_LIFETIME = 86400  # seconds a finished video's URL is said to live
_SEQUENCE = itertools.count()  # creation order across tenants, for the control plane's lists


@dataclass
class TaskRecord:
    id: str
    tenant: str
    kind: str  # session, query, group, review, video
    created: float
    duration: float = 0.0
    result: dict = field(default_factory=dict)  # the fixed result of a session, query or group task
    assets: list[Asset] = field(default_factory=list)  # a review's
    group_id: str | None = None
    model: str | None = None
    fail: dict | None = None  # a video that ends failed
    base_url: str = ""  # where a video's files are served
    status: str = ""
    progress: int = 0
    seq: int = field(default_factory=lambda: next(_SEQUENCE))

    def __post_init__(self) -> None:
        running = KINDS[self.kind].running
        self.status = running[0][0] if running else COMPLETED


@dataclass(frozen=True)
class Kind:
    """How one kind of task runs and what its reply holds once final."""

    running: tuple[tuple[str, float], ...]  # (state, share of the task's time), in order
    progress: tuple[int, int]  # reported from .. to over the running time (at most 99 until final)
    result: Callable[[TaskRecord, float], dict]
    error: Callable[[TaskRecord], dict | None]
    object: str | None = None
    shows_model: bool = False
    # The task's own work is done (for a review: every asset has its verdict); final only once it is.
    ready: Callable[[TaskRecord], bool] = lambda task: True


def _fixed_result(task: TaskRecord, now: float) -> dict:
    return dict(task.result)


def _no_error(task: TaskRecord) -> dict | None:
    return None


def _review_result(task: TaskRecord, now: float) -> dict:
    usable = [a.item() for a in task.assets if not a.failed]
    failed = [a.item() for a in task.assets if a.failed]
    return {
        "group_id": task.group_id,
        "usable_assets": usable,
        "failed_assets": failed,
        "assets": usable + failed,
    }


def _review_error(task: TaskRecord) -> dict | None:
    failed = sum(a.failed for a in task.assets)
    if not failed:
        return None
    return {
        "code": "AssetReviewFailed",
        "message": f"{failed} of {len(task.assets)} assets failed review",
        "type": "asset_review_error",
    }


def _review_ready(task: TaskRecord) -> bool:
    return all(asset.judged() for asset in task.assets)


def _video_result(task: TaskRecord, now: float) -> dict:
    if task.fail:
        return {}
    files = f"{task.base_url}/files/{task.id}"
    return {
        "videos": [{"url": [f"{files}.mp4"], "expires_at": int(now) + VIDEO_LIFETIME}],
        "thumbnail_url": f"{files}.jpg",
    }


def _video_error(task: TaskRecord) -> dict | None:
    return dict(task.fail) if task.fail else None


_DONE_AT_ONCE = Kind(running=(), progress=(100, 100), result=_fixed_result, error=_no_error)
KINDS: dict[str, Kind] = {
    "session": _DONE_AT_ONCE,
    "query": _DONE_AT_ONCE,
    "group": _DONE_AT_ONCE,
    "review": Kind(
        running=((PROCESSING, 1.0),),
        progress=(10, 99),
        result=_review_result,
        error=_review_error,
        object=ASSET_TASK,
        shows_model=True,
        ready=_review_ready,
    ),
    "video": Kind(
        running=((PENDING, 0.2), (PROCESSING, 0.8)),
        progress=(0, 100),
        result=_video_result,
        error=_video_error,
        shows_model=True,
    ),
}


def _running_state(kind: Kind, elapsed: float, duration: float) -> str:
    end = 0.0
    for state, share in kind.running:
        end += share
        if elapsed < duration * end:
            return state
    return kind.running[-1][0]


def _move(task: TaskRecord, state: str) -> None:
    if state == task.status or state in TRANSITIONS[task.status]:
        task.status = state


def advance(task: TaskRecord, now: float) -> None:
    """Moves the task to the state its age puts it in."""
    if task.status in FINAL:
        return
    kind, elapsed = KINDS[task.kind], now - task.created
    if elapsed >= task.duration and kind.ready(task):
        _move(task, FAILED if kind.error(task) else COMPLETED)
        task.progress = 100
        return
    _move(task, _running_state(kind, elapsed, task.duration))
    low, high = kind.progress
    share = min(1.0, elapsed / task.duration) if task.duration else 1.0
    task.progress = min(99, low + int((high - low) * share))


def view(task: TaskRecord, now: float) -> dict[str, Any]:
    """The task as GET /v1/tasks/{id} answers it, advanced to `now` first."""
    advance(task, now)
    kind = KINDS[task.kind]
    data: dict[str, Any] = {
        "id": task.id,
        "created": int(task.created),
        "estimated_time": int(task.duration) or 1,
    }
    if kind.object:
        data["object"] = kind.object
    if kind.shows_model:
        data["model"] = task.model
    data.update(status=task.status, progress=task.progress)
    if task.status not in FINAL:
        data.update(result={}, completed=None)
        return data
    data.update(
        result=kind.result(task, now),
        completed=int(task.created + task.duration),
        actual_time=int(task.duration),
    )
    if error := kind.error(task):
        data["error"] = error
    return data


def row(task: TaskRecord) -> dict:
    return {"id": task.id, "tenant": task.tenant, "kind": task.kind, "group_id": task.group_id}
