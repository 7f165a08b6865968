"""Real media files written for the tests (no fixtures on disk): video clips made with PyAV from scikit-image's
offline photos (astronaut: one face; coffee: none), and the photos the image tests need. Only writers here;
what a file should be judged as is the tests' business."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

# Our codec names -> the PyAV encoder that writes them (all inside PyAV's wheel).
VIDEO_ENCODERS = {"h264": "libx264", "hevc": "libx265", "mpeg4": "mpeg4"}


def fitted(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """`picture` scaled to fit a width x height grey canvas, centred (RGB uint8)."""
    image = Image.fromarray(picture)
    scale = min(width / image.width, height / image.height)
    image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    canvas = Image.new("RGB", (width, height), (60, 60, 60))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    return np.asarray(canvas)


def write_video(
    path: Path,
    seconds: float,
    fps: float,
    width: int,
    height: int,
    codec: str = "h264",
    face: bool = True,
    *,
    motion: bool = False,
    rotation: int = 0,
    audio: bool = False,
    pair: bool = False,
    faststart: bool = False,
) -> Path:
    """A clip of the astronaut (face=True) or of a coffee cup, the container chosen by the suffix (.mp4,
    .mov). The same picture each frame unless `motion` (a slow pan, so frames really differ: slower to
    write); width and height are as displayed: with `rotation` (counter-clockwise degrees, a multiple of 90)
    the pixels are stored turned the other way and the stream carries that display rotation, as a phone's
    clip does; `audio` adds a tone track (AAC); `pair` shows two astronauts side by side (two faces);
    `faststart` puts the index (moov) first, as a clip prepared for streaming has it."""
    picture = data.astronaut() if face else data.coffee()
    if pair:
        picture = np.hstack([picture, picture])
    base = fitted(picture, width, height)
    turns = -(rotation // 90)  # the stored pixels: turned back by the rotation the player applies
    rate = Fraction(fps).limit_denominator(1001)
    frames = round(seconds * fps)
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as out:
        options = {"preset": "ultrafast"} if codec == "h264" else {}
        if codec == "hevc":
            options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        stream = out.add_stream(VIDEO_ENCODERS[codec], rate=rate, options=options)
        stored_height, stored_width = np.rot90(base, turns).shape[:2]
        stream.width, stream.height, stream.pix_fmt = stored_width, stored_height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        sound = _tone_stream(out) if audio else None
        still = _frame(base, turns)
        for index in range(frames):
            frame = still
            if motion:
                frame = _frame(np.roll(base, index * 4, axis=1), turns)
            frame.pts = index
            frame.time_base = 1 / rate
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            _write_tone(out, sound, seconds)
    return path


def _frame(pixels: np.ndarray, turns: int) -> av.VideoFrame:
    stored = np.ascontiguousarray(np.rot90(pixels, turns))
    return av.VideoFrame.from_ndarray(stored, format="rgb24").reformat(format="yuv420p")


def _tone_stream(out: av.container.OutputContainer) -> av.audio.stream.AudioStream:
    return out.add_stream("aac", rate=44_100, layout="mono")


def _write_tone(
    out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, seconds: float
) -> None:
    rate, chunk = 44_100, 1024
    total = round(seconds * rate)
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        t = (np.arange(start, start + count) / rate).astype(np.float32)
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def write_audio_only(path: Path, seconds: float) -> Path:
    """An .mp4 (.m4a inside) holding only a tone: an ISO media file with no picture at all."""
    with av.open(str(path), "w", format="mp4") as out:
        _write_tone(out, _tone_stream(out), seconds)
    return path


def truncated_copy(source: Path, target: Path, keep: float = 0.5) -> Path:
    """The first `keep` share of `source`'s bytes: a download or upload cut short."""
    payload = source.read_bytes()
    target.write_bytes(payload[: int(len(payload) * keep)])
    return target


# --- Photos (helper A's image makers) -------------------------------------------------------------------

ORIENTATION_TAG = 0x0112
# Pillow's save format for each of our format names (HEIF comes from pillow-heif's opener).
PIL_SAVE = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "bmp": "BMP",
    "tiff": "TIFF",
    "gif": "GIF",
    "heic": "HEIF",
}


def astronaut() -> np.ndarray:
    """One person, facing the camera (512 x 512)."""
    return data.astronaut()


def two_astronauts() -> np.ndarray:
    """Two people side by side (1024 x 512): two faces."""
    return np.hstack([data.astronaut(), data.astronaut()])


def coffee() -> np.ndarray:
    """A cup of coffee (600 x 400): no face."""
    return data.coffee()


def write_photo(
    path: Path,
    picture: np.ndarray | None = None,
    *,
    fmt: str = "jpeg",
    size: tuple[int, int] | None = None,
    canvas: tuple[int, int] | None = None,
    orientation: int = 1,
    quality: int = 90,
    noise: int = 0,
) -> Path:
    """`picture` (the astronaut by default) written as `fmt`: scaled to `size` (width, height), or fitted
    into a grey `canvas` of that size; `orientation` stores the pixels turned as a camera does and tags the
    EXIF orientation that turns them back (6: the camera held upright, 3: upside down, 8: the other way);
    `noise` adds grain of that amplitude, so a big JPEG weighs what a camera's does."""
    pixels = astronaut() if picture is None else picture
    if canvas is not None:
        pixels = fitted(pixels, *canvas)
    image = Image.fromarray(pixels)
    if size is not None:
        image = image.resize(size, Image.Resampling.BILINEAR)
    if noise:
        grain = np.random.default_rng(13).integers(
            -noise, noise + 1, (image.height, image.width, 3), dtype=np.int16
        )
        image = Image.fromarray(np.clip(np.asarray(image, dtype=np.int16) + grain, 0, 255).astype(np.uint8))
    options: dict = {}
    if orientation != 1:
        image = image.transpose(_STORED_AS[orientation])
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = orientation
        options["exif"] = exif.tobytes()
    if fmt in ("jpeg", "webp", "heic"):
        options["quality"] = quality
    if fmt == "heic":
        import pillow_heif  # registers the HEIF writer with Pillow

        pillow_heif.register_heif_opener()
    if fmt == "gif":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE)
    image.save(path, PIL_SAVE[fmt], **options)
    return path


# How a camera stores an upright scene for each EXIF orientation (the inverse of what a viewer applies).
_STORED_AS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def program_named_jpg(path: Path) -> Path:
    """A shell script saved under a picture's name."""
    path.write_bytes(b"#!/bin/sh\necho 'not a photo'\nrm -rf \"$HOME/nothing-here\"\n" + b"\x00" * 64)
    return path


def write_served_set(folder: Path) -> Path:
    """The files a test's file server offers, in `folder`: good.jpg (one face, 512 px), small.jpg (the same at
    200x200), two.jpg (two people side by side), script.jpg (a program under a photo's name), short.mp4 (a
    1 s clip), clip.mp4 (3 s, one face)."""
    write_photo(folder / "good.jpg")
    write_photo(folder / "small.jpg", size=(200, 200))
    write_photo(folder / "two.jpg", two_astronauts())
    program_named_jpg(folder / "script.jpg")
    write_video(folder / "short.mp4", 1.0, 30, 720, 720)
    write_video(folder / "clip.mp4", 3.0, 30, 720, 720)
    return folder


def elf_named_jpg(path: Path) -> Path:
    """The first bytes of a Linux program (an ELF header) under a picture's name."""
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 4)
    return path


def bomb_png(path: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A decompression bomb: a PNG declaring width x height pixels of one colour, ~100 KB on disk. Written by
    hand (1-bit grey rows through zlib) since Pillow would need the whole picture in memory to save it."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte "none", then the row's bits
    packer = zlib.compressobj(9)
    chunks = [packer.compress(row) for _ in range(height)]
    idat = b"".join(chunks) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale, no interlace
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    return path


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
