"""The words an operator reads for the media check's findings (codes and facts from lib.media.report) and the
fix buttons' labels. Plain strings only; nothing here renders or reads the session. Every function takes the
operator's translator `_` (English by default); FIX_LABELS and FIX_HELP are English msgids, translated where
shown."""

from __future__ import annotations

from collections.abc import Callable

from lib.i18n import N_, Translator, translator
from lib.media.limits import IMAGE, MB, VIDEO
from lib.media.report import Finding, Fix, MediaReport, Severity
from lib.submission_view import FileVerdict

ENGLISH = translator("en")

# One label per fix, the button's words: what will happen to the file (the original is kept).
FIX_LABELS = {
    Fix.TO_JPEG: N_("Convert to JPEG"),
    Fix.ROTATE: N_("Rotate upright"),
    Fix.DOWNSCALE: N_("Make smaller"),
    Fix.PAD_ASPECT: N_("Pad to fit"),
    Fix.CROP_ASPECT: N_("Crop to fit"),
    Fix.TRANSCODE: N_("Convert the clip"),
}
FIX_HELP = {
    Fix.TO_JPEG: N_("Makes a JPEG copy of the photo; the original is kept."),
    Fix.ROTATE: N_("Turns the pixels the way the camera meant them; the original is kept."),
    Fix.DOWNSCALE: N_("Makes a smaller copy within APIMart's limits; the original is kept."),
    Fix.PAD_ASPECT: N_("Adds plain borders so the shape fits; nothing is cut. The original is kept."),
    Fix.CROP_ASPECT: N_("Cuts the edges so the shape fits, keeping the face in frame. The original is kept."),
    Fix.TRANSCODE: N_(
        "Makes an H.264 MP4 copy: at most 30 frames a second, at most 15 s, a size APIMart accepts. The original "
        "is kept."
    ),
}


def _mb(size: object) -> str:
    return f"{float(size or 0) / MB:.1f} MB"


def _px(report: MediaReport, facts: dict) -> str:
    return f"{facts.get('width', report.width)}×{facts.get('height', report.height)} px"


def _too_large(report: MediaReport, facts: dict, _: Translator) -> str:
    width, height = facts.get("width", report.width), facts.get("height", report.height)
    limit = facts.get("max", IMAGE.max_side)
    if width >= height:
        return _("{value} px wide, the limit is {limit}").format(value=width, limit=limit)
    return _("{value} px high, the limit is {limit}").format(value=height, limit=limit)


def _too_small(report: MediaReport, facts: dict, _: Translator) -> str:
    return _("{size}: each side needs at least {min} px").format(
        size=_px(report, facts), min=facts.get("min", IMAGE.min_side)
    )


def _aspect(report: MediaReport, facts: dict, _: Translator) -> str:
    width, height = facts.get("width", report.width), facts.get("height", report.height)
    low = facts.get("min", IMAGE.min_aspect)
    high = facts.get("max", IMAGE.max_aspect)
    message = (
        _("too wide ({width}×{height}): width ÷ height must be between {low} and {high}")
        if width > height
        else _("too tall ({width}×{height}): width ÷ height must be between {low} and {high}")
    )
    return message.format(width=width, height=height, low=f"{low:g}", high=f"{high:g}")


def _format(report: MediaReport, facts: dict, _: Translator) -> str:
    detected = facts.get("detected") or report.format
    if not detected:
        return _("this is not a picture or video")
    return _("{format} files are not accepted").format(format=str(detected).upper())


def _faces(report: MediaReport, facts: dict, _: Translator) -> str:
    count = facts.get("count", report.faces)
    if not count:
        return _("no face found (APIMart wants the person's face, clearly)")
    if report.kind.value == "Video":
        return _("{n} faces found: one person per clip").format(n=count)
    return _("{n} faces found: one person per photo").format(n=count)


def _file_size(report: MediaReport, facts: dict, _: Translator) -> str:
    limit = facts.get("max") or (VIDEO.max_bytes if report.kind.value == "Video" else IMAGE.max_bytes)
    return _("{size}, the limit is {limit}").format(size=_mb(facts.get("size", report.size)), limit=_mb(limit))


def _duration(report: MediaReport, facts: dict, _: Translator) -> str:
    seconds = float(facts.get("seconds", report.seconds))
    low, high = facts.get("min", VIDEO.min_seconds), facts.get("max", VIDEO.max_seconds)
    return _("{seconds} s long: clips must be {low}-{high} s").format(
        seconds=f"{seconds:.1f}", low=f"{low:g}", high=f"{high:g}"
    )


def _fps(report: MediaReport, facts: dict, _: Translator) -> str:
    fps = float(facts.get("fps", report.fps))
    low, high = facts.get("min", VIDEO.min_fps), facts.get("max", VIDEO.max_fps)
    return _("{fps} frames a second: {low}-{high} needed").format(fps=f"{fps:g}", low=f"{low:g}", high=f"{high:g}")


def _pixels_low(report: MediaReport, facts: dict, _: Translator) -> str:
    low = facts.get("min", VIDEO.min_pixels)
    return _("{size}: too few pixels (at least {min} in all, e.g. 640×640)").format(
        size=_px(report, facts), min=f"{low:,}"
    )


def _pixels_high(report: MediaReport, facts: dict, _: Translator) -> str:
    return _("{size}: more pixels than APIMart may accept").format(size=_px(report, facts))


def _codec(report: MediaReport, facts: dict, _: Translator) -> str:
    codec = facts.get("codec") or report.codec or "this"
    return _("{codec} video: APIMart may not read it (H.264 is safe)").format(codec=str(codec).upper())


def _container(report: MediaReport, facts: dict, _: Translator) -> str:
    found = facts.get("container") or facts.get("detected") or report.format
    return _("a {container} container: APIMart takes MP4 or MOV").format(
        container=str(found).upper() or _("different")
    )


_PHRASES: dict[str, Callable[[MediaReport, dict, Translator], str]] = {
    "empty": lambda r, f, _: _("the file is empty"),
    "format": _format,
    "unreadable": lambda r, f, _: _("the file is damaged or cut short: it cannot be read"),
    "too_many_pixels": lambda r, f, _: _("the picture has too many pixels to open safely"),
    "file_size": _file_size,
    "too_small": _too_small,
    "too_large": _too_large,
    "aspect": _aspect,
    "orientation": lambda r, f, _: _("stored turned (a camera's rotation tag APIMart may ignore)"),
    "heic": lambda r, f, _: _("a HEIC photo: many programs cannot show it"),
    "faces": _faces,
    "duration": _duration,
    "fps": _fps,
    "pixels_low": _pixels_low,
    "pixels_high": _pixels_high,
    "codec": _codec,
    "container": _container,
}


def finding_phrase(finding: Finding, report: MediaReport, _: Translator = ENGLISH) -> str:
    """One finding in words (an unknown code as itself, never hidden)."""
    phrase = _PHRASES.get(finding.code)
    if phrase is None:
        return finding.code.replace("_", " ")
    try:
        return phrase(report, finding.facts, _)
    except (TypeError, ValueError):  # facts of another shape than expected: still say what it is
        return finding.code.replace("_", " ")


def _phrases(report: MediaReport, severity: Severity, _: Translator) -> str:
    return _("; ").join(finding_phrase(f, report, _) for f in report.findings if f.severity is severity)


def verdict(report: MediaReport, _: Translator = ENGLISH) -> FileVerdict:
    """The check column's words for a file, and whether it keeps the send waiting."""
    if report.refused:
        return FileVerdict(_("🚫 Can't be sent: {reasons}").format(reasons=_phrases(report, Severity.REFUSED, _)), True)
    if not report.passes:
        labels = _(" or ").join(_(FIX_LABELS[f]) for f in report.fixes)
        reasons = _phrases(report, Severity.FIXABLE, _)
        if labels:
            text = _("🔧 Needs a fix: {reasons} ({fixes}, below)").format(reasons=reasons, fixes=labels)
        else:
            text = _("🔧 Needs a fix: {reasons}").format(reasons=reasons)
        return FileVerdict(text, True)
    if warned := _phrases(report, Severity.WARNING, _):
        return FileVerdict(_("⚠️ Ready, but: {warnings}").format(warnings=warned), False)
    return FileVerdict(_("✅ Ready"), False)


def link_verdict(report: MediaReport, _: Translator = ENGLISH) -> FileVerdict:
    """The same check for a link whose file the probe could read: what would fail keeps the send waiting
    too, but the fix is the operator's (the file is not ours to change)."""
    if report.passes:
        return verdict(report, _)
    found = _phrases(report, Severity.REFUSED, _) or _phrases(report, Severity.FIXABLE, _)
    return FileVerdict(
        _(
            "🚫 APIMart would refuse this file: {reasons}. Download it and add it under From this computer "
            "(fixes are offered there), or remove the row"
        ).format(reasons=found),
        True,
    )


def refusal(report: MediaReport, _: Translator = ENGLISH) -> str:
    """Why a file cannot be sent, for the list of refused files."""
    return _phrases(report, Severity.REFUSED, _) or _("it cannot be read")
