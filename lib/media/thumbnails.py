"""Small JPEG previews of media files (longest side 320, upright) for the tables and pages; a poster frame for
videos. It judges nothing: a refused file gets no thumbnail."""

from __future__ import annotations

from pathlib import Path

from lib.media.images import THUMBNAIL_SIDE
from lib.media.pixels import jpeg_bytes, read_picture
from lib.media.report import Kind, MediaReport
from lib.media.sniff import HEAD_BYTES, sniff

__all__ = ["THUMBNAIL_SIDE", "image_thumbnail", "jpeg_bytes", "thumbnail"]


def image_thumbnail(path: Path, fmt: str | None = None) -> bytes:
    """The picture at path as a small upright JPEG (fmt as sniffed; sniffed here when not given); raises
    pixels.Unreadable."""
    if fmt is None:
        with path.open("rb") as file:
            fmt = sniff(file.read(HEAD_BYTES))[1]
    picture = read_picture(path, fmt, max_side=THUMBNAIL_SIDE)
    return jpeg_bytes(picture.image, THUMBNAIL_SIDE)


def thumbnail(path: Path, report: MediaReport) -> bytes | None:
    """The preview of a checked file, or None when the check refused it (nothing to show)."""
    if report.refused:
        return None
    if report.kind is Kind.IMAGE:
        return image_thumbnail(path, report.format)
    if report.kind is Kind.VIDEO:
        from lib.media.videos import poster  # PyAV loads only when a video comes

        return jpeg_bytes(poster(path), THUMBNAIL_SIDE)
    return None
