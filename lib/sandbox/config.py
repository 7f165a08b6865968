"""The sandbox's settings: timing of tasks, lifetime of H5 sessions, the public URL for links."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class SandboxConfig:
    timing: str = "realistic"  # "realistic": tasks take time; "instant": final on their first read
    session_ttl: float = 120.0  # seconds an H5 link and its token live (upstream: about 120 s)
    image_review_seconds: float = 3.0
    video_review_seconds: float = 8.0
    generation_seconds: float = 10.0
    public_url: str | None = None  # put into h5_link and video URLs instead of the request's own base

    def update(self, changes: dict) -> None:
        known = {f.name: f.type for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            if name == "timing" and value not in ("realistic", "instant"):
                raise ValueError("timing must be 'realistic' or 'instant'")
            if name not in ("timing", "public_url"):
                value = float(value)
                if value < 0:
                    raise ValueError(f"{name} cannot be negative")
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return asdict(self)

    def seconds(self, name: str) -> float:
        return 0.0 if self.timing == "instant" else getattr(self, name)
