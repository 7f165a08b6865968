"""Reading a picture file safely and cheaply: the decoder locked to the sniffed format, a pixel budget checked
before any pixel is decoded (decompression bombs), JPEGs decoded at a reduced scale when less is needed,
EXIF orientation applied, RGB out; and JPEG bytes from a picture. It judges nothing against upstream limits."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageOps

# A 6000 x 6000 picture (upstream's largest) plus margin; decoded whole, such a picture is ~200 MB of RGB.
MAX_PIXELS = 64_000_000
# JPEGs decode at 1/2 to 1/8 scale (Image.draft), so a 108 MP phone photo costs what a 7-27 MP one does.
# Pillow's own guard (2 x Image.MAX_IMAGE_PIXELS, ~179 MP) still refuses anything beyond at open.
MAX_JPEG_PIXELS = 160_000_000
ORIENTATION_TAG = 0x0112
UPRIGHT = 1
_SWAPS_SIDES = {5, 6, 7, 8}  # orientations that turn the picture a quarter
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "tiff": "TIFF", "gif": "GIF",
                "heic": "HEIF", "heif": "HEIF"}  # fmt: skip


class Unreadable(Exception):
    """The file cannot be read as the picture it claims to be; code is "unreadable" or "too_many_pixels"."""

    def __init__(self, code: str, facts: dict | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.facts = facts or {}


@dataclass(frozen=True)
class Picture:
    image: Image.Image  # RGB, upright, no longer than the max_side asked for
    width: int  # the whole picture as displayed (after EXIF orientation)
    height: int
    orientation: int  # the EXIF orientation of the file (1 = upright)
    stored_width: int  # the pixels as stored in the file
    stored_height: int


@functools.cache
def register_heif() -> None:
    """pillow-heif's opener, registered with Pillow once per process."""
    pillow_heif.register_heif_opener()


def read_picture(path: Path, fmt: str, max_side: int | None = None, max_pixels: int | None = None) -> Picture:
    """The picture decoded (at a reduced scale when max_side or max_pixels allows), or Unreadable."""
    pil_format = _PIL_FORMATS.get(fmt)
    if pil_format is None:
        raise Unreadable("unreadable", {"format": fmt})
    register_heif()
    try:
        with Image.open(path, formats=[pil_format]) as opened:
            stored_width, stored_height = opened.size
            budget = MAX_JPEG_PIXELS if pil_format == "JPEG" else MAX_PIXELS
            if stored_width * stored_height > budget:
                facts = {"width": stored_width, "height": stored_height, "max": budget}
                raise Unreadable("too_many_pixels", {**facts, "pixels": stored_width * stored_height})
            orientation = _orientation(opened)
            if max_pixels:
                fitted = max(1, int(max(opened.size) * (max_pixels / (stored_width * stored_height)) ** 0.5))
                max_side = min(max_side, fitted) if max_side else fitted
            if max_side and pil_format == "JPEG":
                long_side = max(opened.size)
                want = (
                    max(1, opened.size[0] * max_side // long_side),
                    max(1, opened.size[1] * max_side // long_side),
                )
                opened.draft("RGB", want)
            opened.load()
            image = rgb(ImageOps.exif_transpose(opened) if orientation != UPRIGHT else opened)
    except Unreadable:
        raise
    except Image.DecompressionBombError as bomb:
        # Pillow's own guard fired at open, before the size could be read here: its message has the count.
        counted = re.search(r"\((\d+) pixels\)", str(bomb))
        facts = {"pixels": int(counted.group(1))} if counted else {}
        raise Unreadable("too_many_pixels", {**facts, "max": MAX_PIXELS}) from bomb
    except Exception as error:  # noqa: BLE001 - hostile bytes reach plugin code that may raise anything
        raise Unreadable("unreadable", {"format": fmt}) from error
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    width, height = (
        (stored_height, stored_width) if orientation in _SWAPS_SIDES else (stored_width, stored_height)
    )
    return Picture(image, width, height, orientation, stored_width, stored_height)


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ORIENTATION_TAG, UPRIGHT))
    except Exception:  # noqa: BLE001 - a broken EXIF block is read as upright, not as a broken picture
        return UPRIGHT
    return value if 1 <= value <= 8 else UPRIGHT


def rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent parts become white (what a viewer shows on a light page)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        return _eight_bit(image).convert("RGB")
    return image.convert("RGB")


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit and float grey as 8-bit grey: Pillow's own conversion clips at 255 (a white picture)."""
    values = np.asarray(image, dtype=np.float64)
    top = values.max(initial=0.0)
    if top > 255:
        values = values * (255 / (65535 if top <= 65535 else top))
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")


def jpeg_bytes(image: Image.Image, max_side: int, quality: int = 85) -> bytes:
    """A JPEG of the picture no longer than max_side (no EXIF carried over)."""
    small = rgb(image)
    if max(small.size) > max_side:
        small = small.copy()
        small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


FACE_FRAME_SIDE = 480  # the picture shown beside a face warning, at most


def face_frame(image: Image.Image, boxes) -> bytes:
    """The picture or frame small, each face found boxed, so the operator sees what the detector saw."""
    framed = image.copy()
    draw = ImageDraw.Draw(framed)
    line = max(2, max(framed.size) // 160)
    for x, y, w, h in boxes:
        draw.rectangle((x, y, x + w, y + h), outline=(255, 140, 0), width=line)
    return jpeg_bytes(framed, FACE_FRAME_SIDE)
