"""Test helpers that serve things for real on loopback: an ASGI app in a uvicorn thread, and the whole
app under `streamlit run`."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import uvicorn

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Until `url` answers 2xx, for at most `timeout` seconds; at once when `process` (the server) exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server of {url} exited with {process.returncode} (see its log)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not come up within {timeout} s")
        time.sleep(0.1)


@contextlib.contextmanager
def serve_asgi(app, host: str = "127.0.0.1"):
    """Serve an ASGI app in a thread on loopback, or on `host` ("0.0.0.0": every interface); yields its base
    URL on that host."""
    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class StreamlitServer:
    """A `streamlit run` process in a process group of its own (its pid is the group's id), so that a
    test can kill -9 it, and everything it started, as a crash would."""

    def __init__(self, process: subprocess.Popen, base: str, log) -> None:
        self.process, self.base, self._log = process, base, log

    @property
    def pid(self) -> int:
        return self.process.pid

    def group_alive(self) -> bool:
        """True while any process of the server's group is left (the server or a child of it)."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the whole group, no warning: nothing of the app gets to run again, no finally, no
        atexit, no flush. Returns once the group is gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        deadline = time.monotonic() + 10
        while self.group_alive():  # a child outside our reach as a parent: wait for init to reap it
            if time.monotonic() > deadline:
                raise TimeoutError(f"processes of group {self.pid} outlived SIGKILL")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to the group (Streamlit's own shutdown), SIGKILL when it takes longer than 15 s."""
        if self.process.poll() is None or self.group_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
            self.kill()
        self._log.close()


def streamlit_command(port: int, *options: str) -> list[str]:
    """`streamlit run app.py` headless on 127.0.0.1:`port`, without usage stats, and more `options`."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        # The code under test does not change during a run: no watcher re-importing files edited meanwhile.
        "--server.fileWatcherType",
        "none",
        *options,
    ]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, port: int | None = None, *, log_suffix: str = ""):
    """`streamlit run app.py` headless on a loopback port (a free one unless given: a restart test
    brings the server back where the browser left it); yields the StreamlitServer, stopped on exit
    unless the test killed it first. Its log is test-output/streamlit-<port><log_suffix>.log."""
    port = port or free_port()
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("APIMART_", "AVATAR_DESK_"))}
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log_dir = ROOT / "test-output"
    log_dir.mkdir(exist_ok=True)
    log = open(log_dir / f"streamlit-{port}{log_suffix}.log", "w")  # noqa: SIM115 (closed in stop)
    process = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        env={**clean_env, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a group of its own: kill() reaches every process it started
    )
    server = StreamlitServer(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(f"{server.base}/_stcore/health", timeout=60, process=process)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def streamlit_app(env: dict[str, str] | None = None, port: int | None = None):
    """`streamlit run app.py` headless on a loopback port (see streamlit_server); yields its base URL."""
    with streamlit_server(env, port) as server:
        yield server.base
