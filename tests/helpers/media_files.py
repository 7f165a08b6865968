"""Real media files written for the tests (no fixtures on disk): video clips made with PyAV from scikit-image's
offline photos (astronaut: one face; coffee: none), and the photos the image tests need. Only writers here;
what a file should be judged as is the tests' business."""

from __future__ import annotations

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
