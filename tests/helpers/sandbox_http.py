"""Plain requests against the sandbox's API: a session with a key, and a new verification session (shared by
the sandbox's own HTTP tests and the phone-language tests)."""

from __future__ import annotations

import requests

REAL = "/v1/seedance2/real-avatar"


def api(sandbox, key="sk-a"):
    session = requests.Session()
    if key is not None:
        session.headers["Authorization"] = f"Bearer {key}"
    base = sandbox.base_url if hasattr(sandbox, "base_url") else sandbox
    session.url = lambda path: f"{base}{path}"  # type: ignore[attr-defined]
    return session


def new_session(s, callback="https://app.example/callback?keep=1"):
    created = s.post(s.url(REAL), json={"callback_url": callback}).json()["data"]
    assert created["status"] == "completed" and created["id"].startswith("task_") and len(created["id"]) == 31
    return s.get(s.url(f"/v1/tasks/{created['id']}")).json()["data"]["result"]
