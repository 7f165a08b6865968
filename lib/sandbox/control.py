"""Access to the sandbox's control plane (/_sandbox/): who may use it (the guard the sandbox applies) and a
small client of it, for the app in sandbox mode (its countdown follows the lifetime the sandbox was set
to) and for tests and benchmarks. Never aimed at the real API.

The control plane resets the sandbox, forces outcomes and injects faults, so it answers only loopback
clients (when loopback can be trusted) or a request bearing the control token in X-Sandbox-Control-Token:
AVATAR_DESK_SANDBOX_CONTROL_TOKEN when set (tests and tools in other processes hold it), else a token
made when this process started, so the app's own client can reach a sandbox it mounted itself."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

TOKEN_ENV = "AVATAR_DESK_SANDBOX_CONTROL_TOKEN"
TOKEN_HEADER = "X-Sandbox-Control-Token"
# Made once per process, never shown: the key of this process's own client to a sandbox it mounted.
_PROCESS_TOKEN = secrets.token_urlsafe(32)


def control_token(env: Mapping[str, str] = os.environ) -> str:
    return env.get(TOKEN_ENV, "").strip() or _PROCESS_TOKEN


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (an IPv4-mapped loopback too) or localhost; anything else, or no host, is not."""
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass(frozen=True)
class ControlGuard:
    """Loopback clients are let in when `trust_loopback` (no proxy in front); the token always is."""

    token: str = field(default="", repr=False)
    trust_loopback: bool = True

    def allows(self, client_host: str | None, presented: str | None) -> bool:
        if self.token and presented and hmac.compare_digest(presented.encode(), self.token.encode()):
            return True
        return self.trust_loopback and is_loopback_host(client_host or "")

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> ControlGuard:
        return cls(token=control_token(env), trust_loopback=True)


class SandboxControl:
    def __init__(self, base_url: str, *, timeout: float = 10.0, token: str | None = None) -> None:
        self.base = f"{base_url.rstrip('/')}/_sandbox"
        self.timeout = timeout
        self.headers = {TOKEN_HEADER: token if token is not None else control_token()}

    def post(self, path: str, **payload):
        response = requests.post(
            f"{self.base}/{path}", json=payload or None, headers=self.headers, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()

    def get(self, path: str):
        response = requests.get(f"{self.base}/{path}", headers=self.headers, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def delete(self, path: str) -> None:
        requests.delete(f"{self.base}/{path}", headers=self.headers, timeout=self.timeout).raise_for_status()

    def session_ttl(self) -> float | None:
        """Seconds an H5 link lives in this sandbox; None when it cannot be read (an older sandbox, or
        it is not reachable): the caller keeps the upstream default then."""
        try:
            return float(self.get("config")["session_ttl"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return None
