"""The words an operator reads for the media check's findings (codes and facts from lib.media.report) and the
fix buttons' labels. Plain strings only; nothing here renders or reads the session."""

from __future__ import annotations

from collections.abc import Callable

from lib.media.limits import IMAGE, MB, VIDEO
from lib.media.report import Finding, Fix, MediaReport, Severity
from lib.submission_view import FileVerdict

# One label per fix, the button's words: what will happen to the file (the original is kept).
FIX_LABELS = {
    Fix.TO_JPEG: "Convert to JPEG",
    Fix.ROTATE: "Rotate upright",
    Fix.DOWNSCALE: "Make smaller",
    Fix.PAD_ASPECT: "Pad to fit",
    Fix.CROP_ASPECT: "Crop to fit",
    Fix.TRANSCODE: "Convert the clip",
}
FIX_HELP = {
    Fix.TO_JPEG: "Makes a JPEG copy of the photo; the original is kept.",
    Fix.ROTATE: "Turns the pixels the way the camera meant them; the original is kept.",
    Fix.DOWNSCALE: "Makes a smaller copy within APIMart's limits; the original is kept.",
    Fix.PAD_ASPECT: "Adds plain borders so the shape fits; nothing is cut. The original is kept.",
    Fix.CROP_ASPECT: "Cuts the edges so the shape fits, keeping the face in frame. The original is kept.",
    Fix.TRANSCODE: "Makes an H.264 MP4 copy: at most 30 frames a second, at most 15 s, a size APIMart "
    "accepts. The original is kept.",
}


def _mb(size: object) -> str:
    return f"{float(size or 0) / MB:.1f} MB"


def _px(report: MediaReport, facts: dict) -> str:
    return f"{facts.get('width', report.width)}×{facts.get('height', report.height)} px"


def _too_large(report: MediaReport, facts: dict) -> str:
    width, height = facts.get("width", report.width), facts.get("height", report.height)
    side, value = ("wide", width) if width >= height else ("high", height)
    return f"{value} px {side}, the limit is {facts.get('max', IMAGE.max_side)}"


def _too_small(report: MediaReport, facts: dict) -> str:
    return f"{_px(report, facts)}: each side needs at least {facts.get('min', IMAGE.min_side)} px"


def _aspect(report: MediaReport, facts: dict) -> str:
    width, height = facts.get("width", report.width), facts.get("height", report.height)
    shape = "too wide" if width > height else "too tall"
    low = facts.get("min", IMAGE.min_aspect)
    high = facts.get("max", IMAGE.max_aspect)
    return f"{shape} ({width}×{height}): width ÷ height must be between {low:g} and {high:g}"


def _format(report: MediaReport, facts: dict) -> str:
    detected = facts.get("detected") or report.format
    if not detected:
        return "this is not a picture or video"
    return f"{str(detected).upper()} files are not accepted"


def _faces(report: MediaReport, facts: dict) -> str:
    count = facts.get("count", report.faces)
    if not count:
        return "no face found (APIMart wants the person's face, clearly)"
    return f"{count} faces found: one person per {'clip' if report.kind.value == 'Video' else 'photo'}"


def _file_size(report: MediaReport, facts: dict) -> str:
    limit = facts.get("max") or (VIDEO.max_bytes if report.kind.value == "Video" else IMAGE.max_bytes)
    return f"{_mb(facts.get('size', report.size))}, the limit is {_mb(limit)}"


def _duration(report: MediaReport, facts: dict) -> str:
    seconds = float(facts.get("seconds", report.seconds))
    low, high = facts.get("min", VIDEO.min_seconds), facts.get("max", VIDEO.max_seconds)
    return f"{seconds:.1f} s long: clips must be {low:g}-{high:g} s"


def _fps(report: MediaReport, facts: dict) -> str:
    fps = float(facts.get("fps", report.fps))
    low, high = facts.get("min", VIDEO.min_fps), facts.get("max", VIDEO.max_fps)
    return f"{fps:g} frames a second: {low:g}-{high:g} needed"


def _pixels_low(report: MediaReport, facts: dict) -> str:
    low = facts.get("min", VIDEO.min_pixels)
    return f"{_px(report, facts)}: too few pixels (at least {low:,} in all, e.g. 640×640)"


def _pixels_high(report: MediaReport, facts: dict) -> str:
    return f"{_px(report, facts)}: more pixels than APIMart may accept"


def _codec(report: MediaReport, facts: dict) -> str:
    codec = facts.get("codec") or report.codec or "this"
    return f"{str(codec).upper()} video: APIMart may not read it (H.264 is safe)"


def _container(report: MediaReport, facts: dict) -> str:
    found = facts.get("container") or facts.get("detected") or report.format
    return f"a {str(found).upper() or 'different'} container: APIMart takes MP4 or MOV"


_PHRASES: dict[str, Callable[[MediaReport, dict], str]] = {
    "empty": lambda r, f: "the file is empty",
    "format": _format,
    "unreadable": lambda r, f: "the file is damaged or cut short: it cannot be read",
    "too_many_pixels": lambda r, f: "the picture has too many pixels to open safely",
    "file_size": _file_size,
    "too_small": _too_small,
    "too_large": _too_large,
    "aspect": _aspect,
    "orientation": lambda r, f: "stored turned (a camera's rotation tag APIMart may ignore)",
    "heic": lambda r, f: "a HEIC photo: many programs cannot show it",
    "faces": _faces,
    "duration": _duration,
    "fps": _fps,
    "pixels_low": _pixels_low,
    "pixels_high": _pixels_high,
    "codec": _codec,
    "container": _container,
}


def finding_phrase(finding: Finding, report: MediaReport) -> str:
    """One finding in words (an unknown code as itself, never hidden)."""
    phrase = _PHRASES.get(finding.code)
    if phrase is None:
        return finding.code.replace("_", " ")
    try:
        return phrase(report, finding.facts)
    except (TypeError, ValueError):  # facts of another shape than expected: still say what it is
        return finding.code.replace("_", " ")


def _phrases(report: MediaReport, severity: Severity) -> str:
    return "; ".join(finding_phrase(f, report) for f in report.findings if f.severity is severity)


def verdict(report: MediaReport) -> FileVerdict:
    """The check column's words for a file, and whether it keeps the send waiting."""
    if report.refused:
        return FileVerdict(f"🚫 Can't be sent: {_phrases(report, Severity.REFUSED)}", True)
    if not report.passes:
        labels = " or ".join(FIX_LABELS[f] for f in report.fixes)
        hint = f" ({labels}, below)" if labels else ""
        return FileVerdict(f"🔧 Needs a fix: {_phrases(report, Severity.FIXABLE)}{hint}", True)
    if warned := _phrases(report, Severity.WARNING):
        return FileVerdict(f"⚠️ Ready, but: {warned}", False)
    return FileVerdict("✅ Ready", False)


def link_verdict(report: MediaReport) -> FileVerdict:
    """The same check for a link whose file the probe could read: what would fail keeps the send waiting
    too, but the fix is the operator's (the file is not ours to change)."""
    if report.passes:
        return verdict(report)
    found = _phrases(report, Severity.REFUSED) or _phrases(report, Severity.FIXABLE)
    return FileVerdict(
        f"🚫 APIMart would refuse this file: {found}. Download it and add it under From this computer "
        "(fixes are offered there), or remove the row",
        True,
    )


def refusal(report: MediaReport) -> str:
    """Why a file cannot be sent, for the list of refused files."""
    return _phrases(report, Severity.REFUSED) or "it cannot be read"
