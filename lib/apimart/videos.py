"""The video resource: POST /v1/videos/generations (billable) and the reading of its task."""

from __future__ import annotations

from lib.apimart.models import SubmittedTask, VideoRequest, VideoResult
from lib.apimart.tasks import Tasks, submitted_task
from lib.apimart.transport import Transport

VIDEO_PATH = "/v1/videos/generations"


class Videos:
    def __init__(self, transport: Transport, tasks: Tasks) -> None:
        self._transport = transport
        self._tasks = tasks

    def generate(self, request: VideoRequest, *, idempotency_key: str | None = None) -> SubmittedTask:
        """Send a billable generation. Pass the key recorded before sending, so a send the operator repeats
        after an unknown outcome carries the same key (an upstream that honours it will not charge twice)."""
        return submitted_task(
            self._transport.post(VIDEO_PATH, request.to_payload(), idempotency_key=idempotency_key)
        )

    def get(self, task_id: str) -> VideoResult:
        return VideoResult.from_task(self._tasks.get(task_id))
