"""The media check of one file on disk: what it is by its first bytes, then the picture or video check.
It never trusts the file's name or declared type, and changes nothing."""

from __future__ import annotations

from pathlib import Path

from lib.media.images import THUMBNAIL_SIDE, check_image
from lib.media.pixels import jpeg_bytes
from lib.media.report import Finding, Kind, MediaReport, Severity
from lib.media.sniff import HEAD_BYTES, sniff


def inspect(path: Path) -> MediaReport:
    """The report for the file at path: REFUSED "empty" for 0 bytes, REFUSED "format" for content that is
    neither a picture nor a video upstream takes, else the image or video check."""
    return inspect_with_thumbnail(path, with_thumbnail=False)[0]


def inspect_with_thumbnail(path: Path, *, with_thumbnail: bool = True) -> tuple[MediaReport, bytes | None]:
    """The report and the thumbnail (None when refused). A picture is decoded once for both: the intake
    should call this rather than inspect() then thumbnails.thumbnail(), which decode it twice."""
    size = path.stat().st_size
    if size == 0:
        empty = Finding("empty", Severity.REFUSED)
        return MediaReport(kind=Kind.UNKNOWN, format="", size=0, findings=(empty,)), None
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    kind, fmt = sniff(head)
    if kind is Kind.IMAGE:
        report, preview = check_image(path, size, fmt)
        return report, (preview if with_thumbnail else None)
    if kind is Kind.VIDEO:
        from lib.media import videos  # PyAV loads only when a video comes

        # One opening of the clip for the check and its poster.
        report, poster = videos.check_video(
            path, size, fmt, poster_side=THUMBNAIL_SIDE if with_thumbnail else None
        )
        return report, (jpeg_bytes(poster, THUMBNAIL_SIDE) if poster is not None else None)
    unknown = Finding("format", Severity.REFUSED, {"detected": ""})
    return MediaReport(kind=Kind.UNKNOWN, format="", size=size, findings=(unknown,)), None
