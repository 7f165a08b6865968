"""Faults and the request log of the /v1 API.

A fault answers the next matching request(s) in place of the sandbox: a status with a body and
Retry-After, a delay, a dropped connection or a body that is not JSON; by route prefix, method and
real-avatar step, for `count` requests, with a probability. By default it fires before the request is
carried out, so a faulted request changes nothing; with `after` the request is carried out first and then
its answer is lost ("done, answer lost", the case a client must never simply send again)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

LOG_LIMIT = 5000  # requests kept: a long demo must not grow without end
MALFORMED_BODY = '{"code": 200, "data": {oops'


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

    def response(self) -> Response | None:
        """The answer this fault puts in place of the real one (None: it only delays)."""
        if self.malformed:
            return Response(MALFORMED_BODY, status_code=200, media_type="application/json")
        if not self.status:
            return None
        content = self.body
        if content is None:
            content = {
                "error": {
                    "code": self.status,
                    "message": f"sandbox fault: HTTP {self.status}",
                    "type": "sandbox_fault",
                }
            }
        headers = {"Retry-After": f"{self.retry_after:g}"} if self.retry_after is not None else {}
        if isinstance(content, str):
            return Response(content, status_code=self.status, headers=headers, media_type="text/plain")
        return JSONResponse(content, status_code=self.status, headers=headers)


FAULT_FIELDS = frozenset(f for f in Fault.__dataclass_fields__ if f != "id")


class DroppedResponse(Response):
    """Promises a body, sends part of it, then breaks off: the client sees a broken connection."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"code": 200', "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped on purpose")


async def faulted_answer(fault: Fault, entry: dict, carry_out: Callable[[], Response]) -> Response | None:
    """What a request hit by `fault` is answered (None: its real answer, after any delay). With `after`,
    `carry_out` runs first; the log `entry` says whether it did and whether the answer was replaced."""
    real = None
    if fault.after:
        real = carry_out()
        entry["carried_out"] = real.status_code < 400
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.drop:
        entry.update(status=0, faulted=True)
        return DroppedResponse()
    response = fault.response()
    entry["faulted"] = response is not None
    return response or real


class FaultBook:
    """The faults still waiting to fire, in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = 0
        self._lock = threading.Lock()
        self._random = random.Random()

    def add(self, spec: Any) -> Fault:
        if not isinstance(spec, dict) or not isinstance(spec.get("route"), str):
            raise ValueError("a fault needs a route (a path prefix such as /v1/tasks)")
        if unknown := set(spec) - FAULT_FIELDS:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        with self._lock:
            self._ids += 1
            fault = Fault(id=self._ids, **spec)
            self._faults.append(fault)
            return fault

    def take(self, path: str, method: str, selector: str | None = None) -> Fault | None:
        """The first fault that hits this request, with one use of its count spent."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, method, selector) and self._random.random() < fault.probability:
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def rows(self) -> list[dict]:
        with self._lock:
            return [vars(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


class RequestLog:
    """The /v1 requests, each logged on arrival (its status filled in when answered), the latest kept."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._entries: list[dict] = []
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)
            del self._entries[: -self._limit]

    def rows(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
