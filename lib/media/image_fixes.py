"""The one-click fixes for pictures: each reads the original, writes a NEW upright JPEG (quality 92, EXIF
dropped once applied) in out_dir and returns its path. The original file is never touched."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageStat

from lib.media import faces, limits
from lib.media.pixels import read_picture, rgb
from lib.media.report import Fix, MediaReport

QUALITY = 92
IMAGE_FIXES = frozenset({Fix.TO_JPEG, Fix.ROTATE, Fix.DOWNSCALE, Fix.PAD_ASPECT, Fix.CROP_ASPECT})


def fix_image(
    path: Path, fix: Fix, report: MediaReport, out_dir: Path, limit: limits.ImageLimits = limits.IMAGE
) -> Path:
    """The fixed copy of the picture at path. Every fix also applies the EXIF orientation and keeps the
    longest side within the limit (re-encoding is the moment to do both); raises pixels.Unreadable when the
    file cannot be read and ValueError for a fix that is not a picture's or a file that was refused."""
    if fix not in IMAGE_FIXES:
        raise ValueError(f"{fix.value} is not a picture fix")
    if report.refused:
        raise ValueError("a refused file has no fix")
    # Reading at most max_side long: no fix needs more (padding only grows the shorter side).
    picture = read_picture(path, report.format, max_side=limit.max_side)
    image = picture.image
    if fix is Fix.PAD_ASPECT:
        image = pad_to_aspect(image, limit)
    elif fix is Fix.CROP_ASPECT:
        image = crop_to_aspect(image, limit)
    return _write_jpeg(image, out_dir, f"{path.stem[:40]}-{fix.value}-", limit.max_bytes)


def pad_to_aspect(image: Image.Image, limit: limits.ImageLimits = limits.IMAGE) -> Image.Image:
    """The picture centred on a canvas of its own edge colour, widened or heightened to the nearest allowed
    aspect; nothing is cut."""
    width, height = image.size
    if width / height < limit.min_aspect:
        size = (_ceil(height * limit.min_aspect), height)
    elif width / height > limit.max_aspect:
        size = (width, _ceil(width / limit.max_aspect))
    else:
        return image
    canvas = Image.new("RGB", size, _edge_colour(image))
    canvas.paste(image, ((size[0] - width) // 2, (size[1] - height) // 2))
    return canvas


def crop_to_aspect(image: Image.Image, limit: limits.ImageLimits = limits.IMAGE) -> Image.Image:
    """The picture cut to the nearest allowed aspect around the largest face found (the centre when none)."""
    width, height = image.size
    face = _largest_face(image)
    centre_x, centre_y = (face[0] + face[2] / 2, face[1] + face[3] / 2) if face else (width / 2, height / 2)
    if width / height > limit.max_aspect:
        keep = int(height * limit.max_aspect)
        left = _clamp(round(centre_x - keep / 2), 0, width - keep)
        return image.crop((left, 0, left + keep, height))
    if width / height < limit.min_aspect:
        keep = int(width / limit.min_aspect)
        # A face sits a little above the middle of a portrait: room for the shoulders below.
        top = _clamp(round(centre_y - keep * 0.4), 0, height - keep)
        return image.crop((0, top, width, top + keep))
    return image


def _largest_face(image: Image.Image) -> faces.Box | None:
    scale = faces.work_scale(*image.size)
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    boxes = faces.find_faces(np.asarray(small))
    if not boxes:
        return None
    scale = image.width / small.width
    x, y, w, h = max(boxes, key=lambda box: box[2] * box[3])
    return round(x * scale), round(y * scale), round(w * scale), round(h * scale)


def _edge_colour(image: Image.Image) -> tuple[int, int, int]:
    """The mean colour of the outermost pixel rows and columns: padding that reads as background."""
    width, height = image.size
    strips = [
        (0, 0, width, 1),
        (0, height - 1, width, height),
        (0, 0, 1, height),
        (width - 1, 0, width, height),
    ]
    means = [ImageStat.Stat(image.crop(box)).mean for box in strips]
    return tuple(round(sum(m[channel] for m in means) / len(means)) for channel in range(3))  # type: ignore[return-value]


def _write_jpeg(image: Image.Image, out_dir: Path, prefix: str, max_bytes: int) -> Path:
    image = rgb(image)
    icc = image.info.get("icc_profile")  # colours stay as shot (phones write Display P3)
    payload = _encode(image, QUALITY, icc)
    while len(payload) >= max_bytes:  # a noisy 6000 x 6000 can exceed 30 MB even as JPEG: shrink until not
        image = image.resize(
            (max(1, image.width * 4 // 5), max(1, image.height * 4 // 5)), Image.Resampling.LANCZOS
        )
        payload = _encode(image, QUALITY, icc)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out_dir, prefix=prefix, suffix=".jpg")
    with os.fdopen(fd, "wb") as out:
        out.write(payload)
    return Path(name)


def _encode(image: Image.Image, quality: int, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    image.save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


def _ceil(value: float) -> int:
    return int(-(-value // 1))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))
