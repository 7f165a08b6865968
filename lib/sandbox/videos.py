"""POST /v1/videos/generations: the body's checks and limits, each failure a 400 naming the field, then
a video task. A reference is an http(s) URL or an asset:// URL of an Active asset of the same tenant; a
prompt containing `force-fail` makes the task end failed. Limits across fields (12 references in all,
audio only with an image or a video, 15 s of reference video) are not checked."""

from __future__ import annotations

from typing import Any

from lib.sandbox.config import SandboxConfig
from lib.sandbox.errors import SandboxError
from lib.sandbox.ids import is_http_url, task_id
from lib.sandbox.tasks import TaskRecord
from lib.sandbox.tenants import Tenant

MODELS = (
    "doubao-seedance-2.0",
    "doubao-seedance-2.0-fast",
    "doubao-seedance-2.0-face",
    "doubao-seedance-2.0-fast-face",
)
SIZES = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive")
RESOLUTIONS = ("480p", "720p", "1080p")
ROLES = ("first_frame", "last_frame", "reference_image")
MAX_PROMPT, DURATIONS = 4000, range(4, 16)
URL_LISTS = (("image_urls", 9), ("video_urls", 3), ("audio_urls", 3))
MAX_ROLES = 9
FORCED_FAILURE = {
    "code": "GenerationFailed",
    "message": "The video could not be generated (forced by the prompt)",
    "type": "generation_error",
}


def _check_settings(body: dict) -> tuple[str, str]:
    """The model and the prompt, once every plain setting is within its limits."""
    model = body.get("model")
    if model not in MODELS:
        raise SandboxError(400, f"model must be one of {', '.join(MODELS)}")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SandboxError(400, "prompt is required")
    if len(prompt) > MAX_PROMPT:
        raise SandboxError(400, f"prompt is longer than {MAX_PROMPT} characters")
    duration = body.get("duration", 5)
    if not isinstance(duration, int) or isinstance(duration, bool) or duration not in DURATIONS:
        raise SandboxError(400, "duration must be an integer from 4 to 15")
    if body.get("size", "16:9") not in SIZES:
        raise SandboxError(400, f"size must be one of {', '.join(SIZES)}")
    resolution = body.get("resolution", "720p")
    if resolution not in RESOLUTIONS:
        raise SandboxError(400, "resolution must be 480p, 720p or 1080p")
    if resolution == "1080p" and "-fast" in model:
        raise SandboxError(400, "1080p is not available for the fast models")
    if body.get("image_urls") and body.get("image_with_roles"):
        raise SandboxError(400, "image_urls and image_with_roles cannot be used together")
    return model, prompt


def _check_reference(tenant: Tenant, url: Any, field_name: str, now: float) -> None:
    if not isinstance(url, str):
        raise SandboxError(400, f"{field_name} must hold URL strings")
    if url.startswith("asset://"):
        asset = tenant.assets.get(url[len("asset://") :])
        if asset is None or not asset.active_at(now):
            raise SandboxError(400, f"{url} is not an Active asset of this account")
    elif not is_http_url(url):
        raise SandboxError(400, f"{field_name} entries must be http(s) or asset:// URLs")


def _check_references(tenant: Tenant, body: dict, now: float) -> None:
    for name, limit in URL_LISTS:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or len(value) > limit:
            raise SandboxError(400, f"{name} must be a list of at most {limit} URLs")
        for url in value:
            _check_reference(tenant, url, name, now)
    roles = body.get("image_with_roles")
    if roles is None:
        return
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        raise SandboxError(400, f"image_with_roles must be a list of at most {MAX_ROLES} items")
    for item in roles:
        if not isinstance(item, dict) or item.get("role") not in ROLES:
            raise SandboxError(400, f"image_with_roles items need a url and a role ({', '.join(ROLES)})")
        _check_reference(tenant, item.get("url"), "image_with_roles", now)


def generate(tenant: Tenant, body: dict, base_url: str, now: float, config: SandboxConfig) -> list[dict]:
    model, prompt = _check_settings(body)
    _check_references(tenant, body, now)
    seconds = config.seconds("generation_seconds")
    task = TaskRecord(
        task_id(now), tenant.key, "video", now, duration=seconds, model=model, base_url=base_url
    )
    if "force-fail" in prompt:
        task.fail = dict(FORCED_FAILURE)
    tenant.add_task(task)
    return [{"status": "submitted", "task_id": task.id}]
