"""Waiting for a task to finish by polling a fetch function with an injected sleep and clock; it does no
HTTP itself and never decides whether a failed task is an error (the caller does)."""

from __future__ import annotations

import time
from collections.abc import Callable

from lib.apimart.errors import WaitTimeoutError
from lib.apimart.models import Task


def poll_until_final(
    fetch: Callable[[], Task],
    task_id: str,
    *,
    interval: float = 2.0,
    timeout: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_update: Callable[[Task], None] | None = None,
) -> Task:
    """Fetch until the task is final and return it (completed, failed or cancelled alike).
    Raises WaitTimeoutError when `timeout` seconds pass first."""
    if interval <= 0:
        raise ValueError("interval must be positive")
    start = clock()
    while True:
        task = fetch()
        if on_update is not None:
            on_update(task)
        if task.is_final:
            return task
        waited = clock() - start
        remaining = timeout - waited
        if remaining <= 0:
            raise WaitTimeoutError(task_id, waited, task)
        # The last nap is shortened so that the final check happens right at the deadline.
        sleep(min(interval, remaining))
