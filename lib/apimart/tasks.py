"""The task resource: GET /v1/tasks/{id}, read once (for the UI) or polled until final (for scripts and
tests), and the reading of a POST's task reply."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from lib.apimart.errors import MalformedResponseError, NotFoundError, NotReadyError
from lib.apimart.models import ReviewResult, SubmittedTask, Task, unwrap
from lib.apimart.polling import poll_until_final
from lib.apimart.transport import Transport

TASK_PATH = "/v1/tasks/"
# A well-formed id that cannot exist: reading it proves the key is accepted without touching real data.
PROBE_TASK_ID = "task_00000000000000000000000000"
# The longest a call that waits for a task that should be ready at once may block (a Streamlit callback
# must not hang): past it, NotReadyError, and the page asks again on its next tick.
MAX_SETTLE_S = 1.0


def submitted_task(body: Any) -> SubmittedTask:
    """The task in a POST's 2xx reply; an unreadable one still means the server acted (maybe_sent)."""
    try:
        return SubmittedTask.from_data(unwrap(body))
    except MalformedResponseError as error:
        error.maybe_sent = True
        raise


class Tasks:
    def __init__(self, transport: Transport, sleep: Callable[[float], None] = time.sleep) -> None:
        self._transport = transport
        self._sleep = sleep

    def get(self, task_id: str, language: str | None = None) -> Task:
        """One status read (retried on transient failures); never waits for the task."""
        if not (task_id or "").strip():
            raise ValueError("task_id is required")
        params = {"language": language} if language else None
        body = self._transport.get(TASK_PATH + quote(task_id.strip(), safe=""), params=params)
        return Task.from_data(unwrap(body), task_id)

    def review(self, task_id: str) -> ReviewResult:
        return ReviewResult.from_task(self.get(task_id))

    def get_ready(self, task_id: str, ready: Callable[[Task], bool], what: str) -> Task:
        """The task once `ready` (or final): one read, and one more after at most MAX_SETTLE_S; else
        NotReadyError. Never a longer wait: the caller's page tries again on its own timer."""
        task = self.get(task_id)
        if task.is_final or ready(task):
            return task
        self._sleep(MAX_SETTLE_S)
        task = self.get(task_id)
        if task.is_final or ready(task):
            return task
        raise NotReadyError(task_id, task.status, what)

    def wait(
        self,
        task_id: str,
        *,
        interval: float = 2.0,
        timeout: float = 600.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_update: Callable[[Task], None] | None = None,
    ) -> Task:
        """Poll until the task is final and return it, failed or not (the caller decides). For scripts
        and tests: it blocks, so never call it from a page."""
        return poll_until_final(
            lambda: self.get(task_id),
            task_id,
            interval=interval,
            timeout=timeout,
            sleep=sleep or self._sleep,
            clock=clock,
            on_update=on_update,
        )

    def check_connection(self) -> None:
        """Prove that APIMart is reachable and accepts the key (raises otherwise)."""
        try:
            self.get(PROBE_TASK_ID)
        except NotFoundError:
            return
