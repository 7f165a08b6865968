"""A scripted HTTP server for the client's unit tests: each request gets the next scripted outcome (an
answer, a dropped connection, a slow answer, a body cut short), so retries run through the real
requests + urllib3 stack. One server per test process, rescripted by each `client_with`."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from lib.apimart import ApimartClient

KEY = "sk-test-canary-0123456789abcdef"
TASK_ID = "task_01KABCDEFGHJKMNPQRSTVWXYZ0"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than the read timeout: a read timeout)
    cut: bool = False  # announce the whole body, send only part of it, then close


class Drop:
    """Read the request, then close the connection without a word."""


def response(status: int, body=None, *, text: str | None = None, headers: dict | None = None) -> Reply:
    return Reply(status, (text if text is not None else json.dumps(body)).encode(), dict(headers or {}))


def dropped() -> Drop:
    return Drop()


def slow(seconds: float, reply: Reply) -> Reply:
    return Reply(reply.status, reply.body, reply.headers, delay=seconds)


def cut(status: int, body) -> Reply:
    return Reply(status, json.dumps(body).encode(), cut=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _handle(self) -> None:
        server: ScriptedServer = self.server.script  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        server.calls.append(
            {
                "method": self.command,
                "path": parts.path,
                "url": server.base_url + parts.path,
                "params": dict(parse_qsl(parts.query)) or None,
                "headers": dict(self.headers),
                "json": json.loads(raw) if raw else None,
            }
        )
        outcome = server.next()
        if isinstance(outcome, Drop):
            self.close_connection = True
            return
        time.sleep(outcome.delay)
        self.send_response(outcome.status)
        for name, value in {"Content-Type": "application/json", **outcome.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        try:
            self.wfile.write(outcome.body[: len(outcome.body) // 2] if outcome.cut else outcome.body)
        except OSError:  # the client gave up first (a read timeout): nothing to tell it
            self.close_connection = True
            return
        self.close_connection = outcome.cut

    do_GET = do_POST = _handle  # noqa: N815


class ScriptedServer:
    def __init__(self) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.script = self  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self.outcomes: list = []
        self.calls: list[dict] = []
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def script(self, *outcomes) -> ScriptedServer:
        self.outcomes, self.calls = list(outcomes), []
        return self

    def next(self):
        if not self.outcomes:
            return response(599, {"msg": "the test's script has no answer left"})
        return self.outcomes.pop(0)


_server: ScriptedServer | None = None


def scripted_server(*outcomes) -> ScriptedServer:
    global _server
    if _server is None:
        _server = ScriptedServer()
    return _server.script(*outcomes)


def client_with(*outcomes, **kwargs) -> tuple[ApimartClient, ScriptedServer, list[float]]:
    """A client on a fresh script; what it slept (retries, waits) is recorded, never slept."""
    server, slept = scripted_server(*outcomes), []
    kwargs.setdefault("jitter", 0.0)
    kwargs.setdefault("timeout", (2.0, 2.0))
    client = ApimartClient(kwargs.pop("key", KEY), server.base_url, sleep=slept.append, **kwargs)
    return client, server, slept
