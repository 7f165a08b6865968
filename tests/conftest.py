"""Shared fixtures: one real sandbox over HTTP on loopback per test session, reset before each test; the app
in AppTest on it. Shared helpers live in tests/helpers/ (a test module never imports another)."""

from __future__ import annotations

import pytest
import requests

from lib.sandbox.config import SandboxConfig
from lib.sandbox.runner import start_sandbox
from tests.helpers.apptest import new_app, sandbox_mode


@pytest.fixture(scope="session")
def sandbox_server():
    # Instant timing: tasks are final on their first read, so tests never sleep.
    running = start_sandbox(SandboxConfig(timing="instant"), host="127.0.0.1", port=0)
    yield running
    running.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """A running sandbox with clean state (tenants, tasks, faults, request log, instant timing)."""
    requests.post(f"{sandbox_server.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    return sandbox_server


@pytest.fixture
def api_key() -> str:
    return "sk-test-canary-0123456789abcdef"


@pytest.fixture
def at(sandbox, monkeypatch, tmp_path):
    """A new session of app.py in AppTest, run once, in sandbox mode on a registry file of its own (not
    framed: tests/helpers/apptest.py's framed_app is the app inside its frame). A module may override it."""
    sandbox_mode(monkeypatch, tmp_path, sandbox)
    return new_app()
