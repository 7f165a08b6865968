"""Step 3 and private avatars: assets submitted for review, checked, and their outcome decided.

A photo or clip on a known file host (the allow-list of lib.sandbox.fetching: the app's own /files/ route,
a loopback S3-compatible endpoint) is downloaded and judged by its bytes in a worker thread
(lib.sandbox.judging), as APIMart would; its review ends once it is judged. Any other URL is decided by its
text alone (case-insensitive), so demos and tests can show failures on purpose: `mismatch` fails with
FaceMismatch, `unreachable` with InvalidParameter.DownloadFailed, `noreason` with no reason; the rest
become Active with an asset:// URL once the review's time has passed."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from lib.sandbox.config import SandboxConfig
from lib.sandbox.errors import SandboxError
from lib.sandbox.fetching import FileHosts
from lib.sandbox.ids import is_http_url, stamp, task_id
from lib.sandbox.judging import Judges, judges_bytes
from lib.sandbox.tasks import ASSET_TASK, TaskRecord
from lib.sandbox.tenants import Tenant

REVIEW_MODEL = "doubao-seedance-2.0"
MAX_ASSETS, MAX_NAME = 20, 64
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
NO_REASON = "noreason"


def outcome(url: str) -> dict | None:
    """None: the asset becomes Active; a dict: it fails with that error ({}: with none)."""
    lowered = url.lower()
    error = next((dict(v) for k, v in FAILURES.items() if k in lowered), None)
    if error is None and NO_REASON in lowered:
        return {}
    return error


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
    judgement: Future | None = None  # the judging of its bytes while it runs; its result becomes `error`

    def judged(self) -> bool:
        """Its verdict is known: at once for a URL judged by its text, once its bytes are judged otherwise."""
        if self.judgement is not None and self.judgement.done():
            self.error, self.judgement = self.judgement.result(), None
        return self.judgement is None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def active_at(self, now: float) -> bool:
        return self.judged() and not self.failed and now >= self.ready_at

    def item(self) -> dict:
        """The asset as a finished review task lists it."""
        data = {"asset_id": self.asset_id, "name": self.name, "url": self.url}
        data["status"] = "Failed" if self.failed else "Active"
        if self.error:
            data["error"] = dict(self.error)
        elif not self.failed:
            data["asset_url"] = f"asset://{self.asset_id}"
        return data

    def row(self, now: float) -> dict:
        """The asset as the control plane lists it, with its status now."""
        if now < self.ready_at or not self.judged():
            status = "Processing"
        else:
            status = "Failed" if self.failed else "Active"
        return {
            "tenant": self.tenant,
            "group_id": self.group_id,
            "asset_id": self.asset_id,
            "name": self.name,
            "url": self.url,
            "asset_type": self.asset_type,
            "status": status,
            "task_id": self.task_id,
        }


@dataclass(frozen=True)
class Review:
    """What a submit needs to judge files by their bytes: the hosts it may download from, and the workers."""

    hosts: FileHosts
    judges: Judges


def check_items(assets: Any) -> list[tuple[str, str]]:
    """(url, name) of each asset of a request body, or a 400 naming the first one wrong."""
    if not isinstance(assets, list) or not assets:
        raise SandboxError(400, "assets must be a non-empty list")
    if len(assets) > MAX_ASSETS:
        raise SandboxError(400, f"at most {MAX_ASSETS} assets per request ({len(assets)} given)")
    checked = []
    for index, asset in enumerate(assets):
        if not isinstance(asset, dict):
            raise SandboxError(400, f"assets[{index}] must be an object with url and name")
        url, name = asset.get("url"), asset.get("name")
        if not is_http_url(url):
            raise SandboxError(400, f"assets[{index}].url must be a public http(s) URL")
        if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME):
            raise SandboxError(400, f"assets[{index}].name must be a string of at most {MAX_NAME} characters")
        checked.append((url.strip(), (name or "").strip()))
    return checked


def start_review(
    tenant: Tenant,
    group_id: str,
    asset_type: str,
    items: list[tuple[str, str]],
    now: float,
    config: SandboxConfig,
    review: Review,
) -> dict:
    seconds = config.seconds("video_review_seconds" if asset_type == "Video" else "image_review_seconds")
    task = TaskRecord(
        task_id(now), tenant.key, "review", now, duration=seconds, group_id=group_id, model=REVIEW_MODEL
    )
    for url, name in items:
        asset_id = stamp("asset", now)
        asset = Asset(tenant.key, group_id, asset_id, name, url, asset_type, task.id, now + seconds, None)
        target = review.hosts.target(url) if judges_bytes(asset_type) else None
        if target is None:
            asset.error = outcome(url)
        else:
            asset.judgement = review.judges.start(target, asset_type)
        task.assets.append(asset)
    tenant.add_task(task)
    return {"id": task.id, "object": ASSET_TASK, "status": task.status, "progress": 10, "model": REVIEW_MODEL}


def submit(tenant: Tenant, body: dict, now: float, config: SandboxConfig, review: Review) -> dict:
    """Step 3: assets of a verified person's group, for review."""
    asset_type = body.get("asset_type", "Video")
    if asset_type not in ("Video", "Image"):
        raise SandboxError(400, "asset_type must be Video or Image")
    group_id = tenant.own_group(
        body.get("group_id"), "unknown group_id: verify the person first (step 1 and 2)"
    )
    return start_review(tenant, group_id, asset_type, check_items(body.get("assets")), now, config, review)


def _new_group(tenant: Tenant, group: Any, now: float) -> str:
    if not isinstance(group, dict) or not str(group.get("name", "")).strip():
        raise SandboxError(400, "group must be an object with a name")
    group_id = stamp("group", now)
    tenant.groups.add(group_id)
    return group_id


def private_avatar(tenant: Tenant, body: dict, now: float, config: SandboxConfig, review: Review) -> dict:
    """A virtual avatar's group (created here with `group`, or an existing `group_id`) and its assets."""
    asset_type = body.get("asset_type", "Image")
    if asset_type not in ("Image", "Video", "Audio"):
        raise SandboxError(400, "asset_type must be Image, Video or Audio")
    if ("group" in body) == ("group_id" in body):
        raise SandboxError(400, "send exactly one of group (to create one) or group_id")
    assets = body.get("assets")
    if assets is None and "url" in body:
        assets = [{"url": body.get("url"), "name": body.get("name")}]
    if "group" not in body:
        group_id = tenant.own_group(body["group_id"], "unknown group_id")
    else:
        group_id = _new_group(tenant, body["group"], now)
        if assets is None:
            task = tenant.add_task(TaskRecord(task_id(now), tenant.key, "group", now, group_id=group_id))
            task.result = {"group_id": group_id}
            return {"id": task.id, "object": ASSET_TASK, "status": "completed", "progress": 100}
    return start_review(tenant, group_id, asset_type, check_items(assets), now, config, review)
