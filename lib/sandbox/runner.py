"""Run the sandbox in a background thread (uvicorn on 127.0.0.1): for tests, AppTest and scripts."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import create_app
from lib.sandbox.store import Store


class RunningSandbox:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread, base_url: str, store: Store) -> None:
        self._server, self._thread = server, thread
        self.base_url, self.store, self.config = base_url, store, store.config

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_sandbox(
    config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    store = Store(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))  # bound here so port 0 gives a free port we know before serving
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store=store), log_level="critical", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="apimart-sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.01)
    return RunningSandbox(server, thread, f"http://{host}:{port}", store)
