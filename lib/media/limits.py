"""Upstream's limits on asset files, one table, each limit with where it comes from (../shared/apimart-api.md,
"Upstream asset limits"; APIMart fetches and judges the file itself, so these are what a file must meet to
pass). The media check and the URL checks' byte limits (lib.assets.MAX_BYTES) both read them from here."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "apimart-api.md, 'Upstream asset limits' [UP]"
MB = 1024 * 1024


@dataclass(frozen=True)
class ImageLimits:
    formats: frozenset[str] = frozenset({"jpeg", "png", "webp", "bmp", "tiff", "gif", "heic", "heif"})
    max_bytes: int = 30 * MB  # "under 30 MB": a file of exactly 30 MB fails
    min_side: int = 300  # "each side 300-6000 px"
    max_side: int = 6000
    min_aspect: float = 0.4  # width / height, "aspect ratio 0.4-2.5"
    max_aspect: float = 2.5
    source: str = SOURCE


@dataclass(frozen=True)
class VideoLimits:
    containers: frozenset[str] = frozenset({"mp4", "mov"})
    max_bytes: int = 50 * MB  # "up to 50 MB"
    min_seconds: float = 2.0  # "2-15 s"
    max_seconds: float = 15.0
    min_fps: float = 24.0  # "24-60 fps"
    max_fps: float = 60.0
    min_aspect: float = 0.4
    max_aspect: float = 2.5
    min_pixels: int = 409_600  # width x height, "409,600-927,408" (reference-video docs)
    # The upper bound disagrees between sources (2,086,876 elsewhere): above it is a warning, not a refusal.
    max_pixels: int = 927_408
    source: str = SOURCE


IMAGE = ImageLimits()
VIDEO = VideoLimits()
# The largest file the app takes in (the drop zone and the phone page): above the largest asset upstream
# takes (50 MB) so that a too-large clip arrives and is offered the fix, and far below what would strain the
# server. Streamlit's own uploader enforces .streamlit/config.toml server.maxUploadSize, which must agree.
UPLOAD_MAX_MB = 100
UPLOAD_MAX_BYTES = UPLOAD_MAX_MB * MB

# One person per group: "clear, frontal faces" (a warning when a detector finds 0 or several).
FACES_PER_ASSET = 1
