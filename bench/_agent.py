"""Real app servers driven without a browser, for the benches: `streamlit run app.py` with Streamlit's agent API
switched on (`server.enableAgentApi`, off by default and in the app's own config), so that a bench holds real
browser-like sessions on a real server over HTTP: each POST /_stcore/agent/interact is one rerun of the
session's script on the server (its widgets' values, a trigger, a page), answered with the finished page as a
tree of elements.

    with agent_server("a", {"AVATAR_DESK_DB": ...}, logs) as server:
        session = AgentSession(server)
        snapshot = session.interact(page="library")
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.helpers.serving import free_port, streamlit_command

ROOT = Path(__file__).resolve().parent.parent
INTERACT = "/_stcore/agent/interact"


class AppRaised(Exception):
    """The app under test showed an exception (a snapshot with status "error")."""


class AgentRefused(Exception):
    """The agent API refused a request (its error code and message)."""


@dataclass
class AgentServer:
    name: str
    base: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def agent_server(
    name: str, env: dict[str, str], logs: Path, wait_timeout: int = 120
) -> Iterator[AgentServer]:
    """`streamlit run app.py` headless on a free loopback port with the agent API on, in a process group of its
    own (stopped with it); the app's settings are `env` alone (no APIMART_* or AVATAR_DESK_* inherited)."""
    port = free_port()
    log_path = logs / f"{name}.log"
    log = log_path.open("w")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("APIMART_", "AVATAR_DESK_"))}
    process = subprocess.Popen(
        streamlit_command(
            port, "--server.enableAgentApi", "true", "--server.agentWaitTimeout", str(wait_timeout)
        ),
        cwd=ROOT,
        env={**clean, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = AgentServer(name, f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{server.base}/_stcore/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server {name} did not start; its log ends:\n{server.log_text()[-2000:]}")
            time.sleep(0.1)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        log.close()


def nodes(tree: dict) -> Iterator[dict]:
    """Every element of a snapshot's tree, depth first."""
    yield tree
    for child in tree.get("children") or ():
        yield from nodes(child)


def metric(snapshot: dict, label: str) -> str | None:
    """The value of the metric labelled `label` on the page, or None when there is none."""
    for node in nodes(snapshot["tree"]):
        props = node.get("props") or {}
        if node.get("type") == "metric" and props.get("label") == label:
            return str(props.get("value"))
    return None


def texts(snapshot: dict, limit: int = 400) -> str:
    """The page's main texts (headings, markdown, captions, alerts), joined: what it says, for a message."""
    found = []
    for node in nodes(snapshot["tree"].get("children", [{}])[0] if snapshot["tree"].get("children") else {}):
        props = node.get("props") or {}
        for name in ("body", "label"):
            if isinstance(props.get(name), str):
                found.append(props[name])
    return " | ".join(found)[:limit]


def raised(snapshot: dict) -> str:
    """The exceptions the page shows, as text ("" when none)."""
    found = []
    for node in nodes(snapshot["tree"]):
        if node.get("type") == "exception":
            props = node.get("props") or {}
            found.append(str(props.get("message") or props)[:300])
    return "; ".join(found) or "the snapshot's status is error"


class AgentSession:
    """One session on an agent server (a browser tab's equivalent)."""

    def __init__(self, server: AgentServer) -> None:
        self.server, self.id = server, None
        self.http = requests.Session()
        # A new connection for each request: the server closes a kept-alive one after 5 idle seconds (uvicorn's
        # default), and a request sent as it closes is lost with a reset.
        self.http.headers["Connection"] = "close"

    def interact(self, **body) -> dict:
        """One rerun (with `body`'s changes); the finished page. A run still going past the server's wait is
        collected; an exception on the page raises AppRaised, a refusal AgentRefused."""
        if self.id:
            body["session_id"] = self.id
        response = self.http.post(f"{self.server.base}{INTERACT}", json=body, timeout=600)
        while response.status_code == 202:  # wait_timed_out: the run goes on; collect it
            self.id = response.json().get("session_id", self.id)
            response = self.http.post(
                f"{self.server.base}{INTERACT}", json={"session_id": self.id}, timeout=600
            )
        if response.status_code != 200:
            try:
                error = response.json()["error"]
                raise AgentRefused(f"{self.server.name}: {error['code']}: {error['message']}")
            except (ValueError, KeyError):
                raise AgentRefused(
                    f"{self.server.name}: HTTP {response.status_code}: {response.text[:300]}"
                ) from None
        snapshot = response.json()
        self.id = snapshot["session_id"]
        if snapshot["status"] == "error":
            page = snapshot.get("page", {}).get("url_path", "?")
            raise AppRaised(f"{self.server.name}, page '{page}': the app raised: {raised(snapshot)}")
        return snapshot

    def close(self) -> None:
        self.http.close()
