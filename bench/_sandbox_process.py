"""Start `python -m lib.sandbox` as a separate process for benchmarks, and stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def sandbox_process(*extra: str):
    """Yields the base URL printed by the sandbox on its first line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.sandbox", "--port", str(free_port()), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        base_url = process.stdout.readline().strip().split()[-1]
        deadline = time.monotonic() + 15
        while True:  # the URL is printed just before uvicorn binds
            try:
                requests.get(f"{base_url}/_sandbox/health", timeout=2).raise_for_status()
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


class ConnectionCounter:
    """Counts TCP connections opened by urllib3 (that is, by requests) while active."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self):
        import urllib3.connection

        self._original = original = urllib3.connection.HTTPConnection.connect
        counter = self

        def counting_connect(conn, *args, **kwargs):
            counter.count += 1
            return original(conn, *args, **kwargs)

        urllib3.connection.HTTPConnection.connect = counting_connect
        return self

    def __exit__(self, *exc):
        import urllib3.connection

        urllib3.connection.HTTPConnection.connect = self._original
