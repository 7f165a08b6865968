"""The media check for one picture file: its format, size, pixels, aspect, EXIF orientation and faces, as a
MediaReport of findings (codes and facts; the words are made in lib/ui). It changes no file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lib.media import faces, limits
from lib.media.pixels import UPRIGHT, Picture, Unreadable, face_frame, jpeg_bytes, read_picture
from lib.media.report import Finding, Fix, Kind, MediaReport, Severity

THUMBNAIL_SIDE = 320  # the previews in the tables (lib.media.thumbnails makes the same size)
# Formats upstream takes but many viewers (and some browsers) cannot show: sendable, with a JPEG offered.
HARD_TO_VIEW = frozenset({"heic", "heif"})


def check_image(
    path: Path, size: int, fmt: str, limit: limits.ImageLimits = limits.IMAGE
) -> tuple[MediaReport, bytes | None]:
    """The report and the thumbnail from one decode (None when refused): a second decode for the thumbnail
    would cost a 12 MP JPEG as much again as the whole check."""
    if fmt not in limit.formats:
        return _refused(size, fmt, Finding("format", Severity.REFUSED, {"detected": fmt})), None
    try:
        picture = read_picture(path, fmt, max_pixels=faces.WORK_PIXELS)
    except Unreadable as unreadable:
        return _refused(size, fmt, Finding(unreadable.code, Severity.REFUSED, unreadable.facts)), None
    boxes = faces.find_faces(np.asarray(picture.image))
    findings = _findings(picture, size, fmt, len(boxes), limit)
    boxed = face_frame(picture.image, boxes) if len(boxes) != limits.FACES_PER_ASSET else None
    report = MediaReport(
        kind=Kind.IMAGE,
        format=fmt,
        size=size,
        width=picture.width,
        height=picture.height,
        faces=len(boxes),
        face_frame=boxed,
        findings=tuple(findings),
    )
    return report, (None if report.refused else jpeg_bytes(picture.image, THUMBNAIL_SIDE))


def _findings(
    picture: Picture, size: int, fmt: str, face_count: int, limit: limits.ImageLimits
) -> list[Finding]:
    found: list[Finding] = []
    width, height = picture.width, picture.height
    if min(width, height) < limit.min_side:
        # Upscaling would only invent pixels: upstream would judge a blurred face, so nothing is offered.
        found.append(
            Finding("too_small", Severity.REFUSED, {"width": width, "height": height, "min": limit.min_side})
        )
    if max(width, height) > limit.max_side:
        found.append(
            Finding(
                "too_large",
                Severity.FIXABLE,
                {"width": width, "height": height, "max": limit.max_side},
                (Fix.DOWNSCALE,),
            )
        )
    if size >= limit.max_bytes:
        found.append(
            Finding("file_size", Severity.FIXABLE, {"size": size, "max": limit.max_bytes}, (Fix.DOWNSCALE,))
        )
    aspect = width / height
    if not limit.min_aspect <= aspect <= limit.max_aspect:
        found.append(
            Finding(
                "aspect",
                Severity.FIXABLE,
                {"aspect": round(aspect, 3), "min": limit.min_aspect, "max": limit.max_aspect},
                (Fix.PAD_ASPECT, Fix.CROP_ASPECT),
            )
        )
    if picture.orientation != UPRIGHT:
        # Upstream may read the stored pixels and ignore the EXIF tag: the person would lie on their side.
        found.append(
            Finding("orientation", Severity.FIXABLE, {"orientation": picture.orientation}, (Fix.ROTATE,))
        )
    if fmt in HARD_TO_VIEW:
        found.append(Finding("heic", Severity.WARNING, {"format": fmt}, (Fix.TO_JPEG,)))
    if face_count != limits.FACES_PER_ASSET:
        found.append(Finding("faces", Severity.WARNING, {"count": face_count}))
    return found


def _refused(size: int, fmt: str, finding: Finding) -> MediaReport:
    return MediaReport(kind=Kind.IMAGE, format=fmt, size=size, findings=(finding,))
