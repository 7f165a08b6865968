"""Connection settings: sandbox or live APIMart, resolved from the environment, secrets, or a key typed
for one session. Pure: it reads mappings handed to it and never stores a key anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lib.apimart import mask_key

DEFAULT_BASE_URL = "https://api.apimart.ai"
DEFAULT_PROJECT = "default"
# The sandbox is multi-tenant by key; one fixed key per app server keeps a demo's data together.
SANDBOX_KEY = "sk-sandbox-avatar-desk"
SANDBOX, LIVE = "sandbox", "live"


@dataclass(frozen=True)
class ConnectionSettings:
    mode: str
    base_url: str
    project_name: str = DEFAULT_PROJECT
    key_source: str = ""  # "environment", "secrets", "this session", or "" in sandbox mode
    api_key: str = field(default="", repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.mode == SANDBOX

    @property
    def masked_key(self) -> str:
        return mask_key(self.api_key) if self.api_key else "(none)"


def _first(*values: object) -> str:
    for value in values:
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def resolve_settings(
    env: Mapping[str, str],
    secrets: Mapping[str, object],
    *,
    session_key: str = "",
    sandbox_base_url: str = "",
    project_override: str = "",
) -> ConnectionSettings:
    """Live when a key is given (this session's typed key first, then env, then secrets), else sandbox."""
    project = _first(
        project_override,
        env.get("APIMART_PROJECT_NAME"),
        secrets.get("APIMART_PROJECT_NAME"),
        DEFAULT_PROJECT,
    )
    for source, key in (
        ("this session", session_key),
        ("environment", env.get("APIMART_API_KEY")),
        ("secrets", secrets.get("APIMART_API_KEY")),
    ):
        if key and str(key).strip():
            base = _first(
                env.get("APIMART_BASE_URL"), secrets.get("APIMART_BASE_URL"), DEFAULT_BASE_URL
            ).rstrip("/")
            return ConnectionSettings(LIVE, base, project, source, str(key).strip())
    return ConnectionSettings(SANDBOX, sandbox_base_url.rstrip("/"), project, "", SANDBOX_KEY)
