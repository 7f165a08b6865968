"""A small client of the sandbox's control plane (/_sandbox/): for the app in sandbox mode (its countdown
follows the lifetime the sandbox was set to), and for tests and benchmarks. Never aimed at the real API."""

from __future__ import annotations

import requests


class SandboxControl:
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base = f"{base_url.rstrip('/')}/_sandbox"
        self.timeout = timeout

    def post(self, path: str, **payload):
        response = requests.post(f"{self.base}/{path}", json=payload or None, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def get(self, path: str):
        response = requests.get(f"{self.base}/{path}", timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def delete(self, path: str) -> None:
        requests.delete(f"{self.base}/{path}", timeout=self.timeout).raise_for_status()

    def session_ttl(self) -> float | None:
        """Seconds an H5 link lives in this sandbox; None when it cannot be read (an older sandbox, or
        it is not reachable): the caller keeps the upstream default then."""
        try:
            return float(self.get("config")["session_ttl"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return None
