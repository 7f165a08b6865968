"""The sandbox's review of an asset's real bytes, as APIMart judges what it downloads: the file is read from
an allowed host (lib.sandbox.fetching), checked with lib.media.inspect, and its findings become the
upstream-like error a failed asset carries. It runs in worker threads, never on the event loop: the sandbox
may be mounted in the very server that serves the file, and a blocking fetch in its async handler would wait
for itself."""

from __future__ import annotations

import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from lib.media import limits
from lib.media.report import Finding, Kind, MediaReport, Severity
from lib.sandbox.fetching import DownloadError, Target, download

WORKERS = 4
FACE_MISMATCH = "FaceMismatch"
# A finding's code -> the error code upstream-like reviews give for it.
CODES = {
    "empty": "InvalidParameter.FileSize",
    "file_size": "InvalidParameter.FileSize",
    "format": "InvalidParameter.Format",
    "unreadable": "InvalidParameter.Format",
    "container": "InvalidParameter.Format",
    "heic": "InvalidParameter.Format",
    "too_many_pixels": "InvalidParameter.ImageSize",
    "too_small": "InvalidParameter.ImageSize",
    "too_large": "InvalidParameter.ImageSize",
    "aspect": "InvalidParameter.AspectRatio",
    "orientation": "InvalidParameter.ImageOrientation",
    "duration": "InvalidParameter.VideoDuration",
    "fps": "InvalidParameter.VideoFps",
    "pixels_low": "InvalidParameter.VideoResolution",
    "pixels_high": "InvalidParameter.VideoResolution",
    "codec": "InvalidParameter.VideoCodec",
}
_FAILING = (Severity.REFUSED, Severity.FIXABLE)


def _message(finding: Finding, report: MediaReport) -> str:
    """The sandbox's own sentence for one finding (upstream's exact texts are not known)."""
    image, video = limits.IMAGE, limits.VIDEO
    size = f"{report.width}x{report.height} px"
    kind, max_bytes = (
        ("images", image.max_bytes) if report.kind is Kind.IMAGE else ("videos", video.max_bytes)
    )
    texts = {
        "empty": "The file is empty",
        "file_size": f"The file is {report.size / limits.MB:.1f} MB; {kind} must be under {max_bytes // limits.MB} MB",
        "format": "The file is not in a supported image or video format",
        "unreadable": "The file could not be decoded",
        "container": f"The video container is not supported (mp4 or mov: {report.format or 'unknown'})",
        "heic": f"The image format {report.format} is not accepted as it is",
        "too_many_pixels": "The image has too many pixels to be decoded",
        "too_small": f"The image is {size}; each side must be at least {image.min_side} px",
        "too_large": f"The image is {size}; each side must be at most {image.max_side} px",
        "aspect": f"The aspect ratio of {size} is outside {image.min_aspect}-{image.max_aspect}",
        "orientation": "The image is stored rotated (EXIF orientation); upright pixels are required",
        "duration": f"The video lasts {report.seconds:.1f} s; it must last {video.min_seconds:g}-{video.max_seconds:g} s",
        "fps": f"The video has {report.fps:g} fps; {video.min_fps:g}-{video.max_fps:g} fps are accepted",
        "pixels_low": f"The video is {size}; it needs at least {video.min_pixels:,} pixels per frame",
        "pixels_high": f"The video is {size}; at most {video.max_pixels:,} pixels per frame are accepted",
        "codec": f"The video codec {report.codec or 'unknown'} is not supported",
    }
    return texts.get(finding.code, f"The file does not meet the asset limits ({finding.code})")


def verdict(report: MediaReport, asset_type: str) -> dict | None:
    """The error the review gives a file with this report, sent as `asset_type`; None: it passes.
    Refused and fixable findings fail it (refused ones first, each in the message); a file of the other
    kind fails with Format; then the face count: not exactly one is a FaceMismatch."""
    failing = sorted(
        (f for f in report.findings if f.severity in _FAILING),
        key=lambda f: f.severity is not Severity.REFUSED,
    )
    if failing:
        return {
            "code": CODES.get(failing[0].code, "InvalidParameter"),
            "message": "; ".join(_message(f, report) for f in failing),
        }
    if report.kind is not Kind.UNKNOWN and report.kind.value != asset_type:
        return {
            "code": "InvalidParameter.Format",
            "message": f"The file is {'an image' if report.kind is Kind.IMAGE else 'a video'}, "
            f"not {'an image' if asset_type == 'Image' else 'a video'}",
        }
    if report.faces is not None and report.faces != limits.FACES_PER_ASSET:
        found = "No face was found" if report.faces == 0 else f"{report.faces} faces were found"
        return {"code": FACE_MISMATCH, "message": f"{found}; exactly one person's face is required"}
    return None


def judge(target: Target, asset_type: str) -> dict | None:
    """Downloads the file and judges it (see `verdict`); a download that fails is DownloadFailed."""
    from lib.media.inspect import inspect  # OpenCV and PyAV load with the first file, not with the sandbox

    with tempfile.TemporaryDirectory(prefix="sandbox-review-") as folder:
        path = Path(folder) / "asset"
        try:
            download(target, path)
        except DownloadError as error:
            return error.error
        return verdict(inspect(path), asset_type)


def judges_bytes(asset_type: str) -> bool:
    """Photos and clips are judged by their bytes; audio (private avatars) keeps the URL's rules."""
    return asset_type in (Kind.IMAGE.value, Kind.VIDEO.value)


class Judges:
    """The worker threads of one sandbox (one store): each judging is a Future its asset holds."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox-review")

    def start(self, target: Target, asset_type: str) -> Future:
        return self._pool.submit(_judge_safely, target, asset_type)


def _judge_safely(target: Target, asset_type: str) -> dict | None:
    try:
        return judge(target, asset_type)
    except Exception as error:  # noqa: BLE001 (a review must end: a bug here fails the asset, visibly)
        return {
            "code": "InternalError",
            "message": f"The sandbox could not review this file ({type(error).__name__})",
        }
