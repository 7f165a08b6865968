"""The sandbox's settings: timing of tasks, lifetime of H5 sessions, the public URL for links, and the file
hosts whose assets it downloads and judges by their bytes (lib.sandbox.fetching)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import urlsplit

from lib.sandbox.control import is_loopback_host

S3_ENDPOINT_ENV = "AVATAR_DESK_S3_ENDPOINT_URL"
_TEXTS = ("public_url", "s3_endpoint_url")  # settings that are text (or none); the rest are seconds


def _s3_endpoint_from_env() -> str | None:
    return os.environ.get(S3_ENDPOINT_ENV, "").strip() or None


@dataclass
class SandboxConfig:
    timing: str = "realistic"  # "realistic": tasks take time; "instant": final on their first read
    session_ttl: float = 120.0  # seconds an H5 link and its token live (upstream: about 120 s)
    image_review_seconds: float = 3.0
    video_review_seconds: float = 8.0
    generation_seconds: float = 10.0
    public_url: str | None = None  # put into h5_link and video URLs instead of the request's own base
    # Loopback origins ("http://127.0.0.1:8501") of apps whose hosted files (/files/...) the sandbox judges
    # (besides the server it is served by); only loopback is accepted.
    media_origins: tuple[str, ...] = ()
    # An S3-compatible endpoint whose objects it downloads and judges, when the endpoint is on loopback (a
    # test's moto server); by default the app's own AVATAR_DESK_S3_ENDPOINT_URL.
    s3_endpoint_url: str | None = field(default_factory=_s3_endpoint_from_env)

    def __post_init__(self) -> None:
        self.media_origins = _loopback_origins(self.media_origins)

    def update(self, changes: dict) -> None:
        known = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            if name == "timing" and value not in ("realistic", "instant"):
                raise ValueError("timing must be 'realistic' or 'instant'")
            if name == "media_origins":
                value = _loopback_origins(value)
            elif name in _TEXTS:
                if value is not None and not isinstance(value, str):
                    raise ValueError(f"{name} must be a URL or null")
            elif name != "timing":
                value = float(value)
                if value < 0:
                    raise ValueError(f"{name} cannot be negative")
            setattr(self, name, value)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["media_origins"] = list(self.media_origins)
        return data

    def seconds(self, name: str) -> float:
        return 0.0 if self.timing == "instant" else getattr(self, name)


def _loopback_origins(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("media_origins must be a list of origins such as http://127.0.0.1:8501")
    origins = []
    for origin in value:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname or ""):
            raise ValueError(f"media origin {origin!r} must be an http(s) URL on loopback")
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)
