"""The media check for one video file, read with PyAV (ffmpeg inside its wheel): container, codec, duration,
fps, pixels as displayed, and faces in a few frames reached by seeking; and its poster frame. It decodes a
handful of frames, never the whole clip, and changes no file."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from lib.media import faces, limits
from lib.media.pixels import face_frame
from lib.media.report import Finding, Fix, Kind, MediaReport, Severity

SAMPLES = 4  # frames looked at for faces, spread over the clip (at the nearest keyframes: one decode each)
# Where no keyframe is near, the decoder starts at the keyframe before the wanted moment; a clip with rare
# keyframes would make it decode seconds of frames to get there, so it stops after this many and takes the
# frame it reached.
FRAMES_PER_SEEK = 30
CHECK_SECONDS = 8.0  # wall clock for the sampling: what is found by then is what is judged
POSTER_SECONDS = 1.0  # the poster is the frame at about 1 s (the first frame is often black or a fade)
# Sampled frames are converted to at most this many pixels (640 x 480): faces are searched and shown at this
# size. A budget of pixels rather than of the longest side keeps faces big enough in a very wide frame.
SAMPLE_PIXELS = 307_200
H264 = "h264"
# Failures of a file that is not a readable video: ffmpeg's errors, and what PyAV raises for odd values.
READ_ERRORS = (av.FFmpegError, ValueError, OverflowError, ZeroDivisionError, OSError, EOFError)


class UnreadableVideoError(ValueError):
    """No video frame can be read from the file (not a video, truncated, no video stream)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    """What the container says about the clip, with its displayed size from the first decoded frame."""

    format: str
    codec: str
    width: int  # as displayed (a phone's portrait clip is stored landscape with a display rotation)
    height: int
    seconds: float
    fps: float
    rotation: int  # counter-clockwise degrees to apply to the stored pixels for display


def inspect_video(path: Path, size: int, fmt: str, limit: limits.VideoLimits = limits.VIDEO) -> MediaReport:
    """Everything the check finds in the clip at path (size in bytes, fmt as sniffed: "mp4" or "mov")."""
    return check_video(path, size, fmt, limit)[0]


def check_video(
    path: Path,
    size: int,
    fmt: str,
    limit: limits.VideoLimits = limits.VIDEO,
    *,
    poster_side: int | None = None,
) -> tuple[MediaReport, Image.Image | None]:
    """The report and, when poster_side is given and the clip is not refused, its poster (at most that long),
    read in one opening of the file."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = _video_stream(container)
            keyframes = _keyframes(stream, size)
            first = _first_frame(container, stream)
            probe = _probe(container, stream, fmt, first)
            frames = _sample(container, stream, probe.seconds, keyframes, first)
            cover = None
            if poster_side:
                cover = _poster(container, stream, probe.seconds, keyframes, first, poster_side)
    except UnreadableVideoError as error:
        return _refused(size, fmt, {"reason": error.reason}), None
    except READ_ERRORS:
        return _refused(size, fmt, {"reason": "undecodable"}), None
    found = [faces.find_faces(np.asarray(frame)) for frame in frames]
    most = max(len(boxes) for boxes in found)
    boxed = None
    if most != limits.FACES_PER_ASSET:
        # The frame where most were seen (several faces), else the middle sample (no face anywhere).
        shown = next(i for i, boxes in enumerate(found) if len(boxes) == most) if most else len(frames) // 2
        boxed = face_frame(frames[shown], found[shown])
    report = MediaReport(
        kind=Kind.VIDEO,
        format=probe.format,
        size=size,
        width=probe.width,
        height=probe.height,
        seconds=round(probe.seconds, 3),
        fps=round(probe.fps, 3),
        codec=probe.codec,
        faces=most,
        face_frame=boxed,
        findings=tuple(_findings(probe, size, most, len(frames), limit)),
    )
    return report, (None if report.refused else cover)


def probe_video(path: Path) -> Probe:
    """What the clip at path is (displayed size, rotation, duration, fps, codec); UnreadableVideoError."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = _video_stream(container)
            return _probe(container, stream, "", _first_frame(container, stream))
    except UnreadableVideoError:
        raise
    except READ_ERRORS as error:
        raise UnreadableVideoError("undecodable") from error


def poster(path: Path, max_side: int | None = None) -> Image.Image:
    """The clip's poster: the frame at about 1 s (the first frame for a shorter clip), upright, RGB,
    optionally no longer than max_side; UnreadableVideoError."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = _video_stream(container)
            keyframes = _keyframes(stream, path.stat().st_size)
            first = _first_frame(container, stream)
            return _poster(container, stream, _seconds(container, stream), keyframes, first, max_side)
    except UnreadableVideoError:
        raise
    except READ_ERRORS as error:
        raise UnreadableVideoError("undecodable") from error


def upright_image(
    frame: av.VideoFrame, max_side: int | None = None, max_pixels: int | None = None
) -> Image.Image:
    """The frame as an RGB picture the way a player shows it (display rotation applied), optionally scaled
    down to at most max_side long or max_pixels in all."""
    width, height = frame.width, frame.height
    scale = 1.0
    if max_side:
        scale = min(scale, max_side / max(width, height))
    if max_pixels:
        scale = min(scale, (max_pixels / (width * height)) ** 0.5)
    if scale < 1.0:
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
    pixels = frame.to_ndarray(width=width, height=height, format="rgb24")
    turns = _quarter_turns(frame.rotation)
    if turns:
        pixels = np.rot90(pixels, k=turns)
    return Image.fromarray(np.ascontiguousarray(pixels))


def _findings(
    probe: Probe, size: int, face_count: int, sampled: int, limit: limits.VideoLimits
) -> list[Finding]:
    found: list[Finding] = []
    transcode = (Fix.TRANSCODE,)
    if probe.format not in limit.containers:
        found.append(Finding("container", Severity.FIXABLE, {"container": probe.format}, transcode))
    if probe.codec != H264:
        # mp4/mov may carry HEVC, ProRes, MPEG-4 ...: upstream names only the container, and H.264 is the one
        # every player and pipeline reads, so anything else is sendable with the conversion offered.
        found.append(Finding("codec", Severity.WARNING, {"codec": probe.codec}, transcode))
    if probe.seconds < limit.min_seconds:
        # Nothing can add the missing seconds (looping the clip would not be the person talking).
        found.append(
            Finding(
                "duration", Severity.REFUSED, {"seconds": round(probe.seconds, 2), "min": limit.min_seconds}
            )
        )
    elif probe.seconds > limit.max_seconds:
        found.append(
            Finding(
                "duration",
                Severity.FIXABLE,
                {"seconds": round(probe.seconds, 2), "max": limit.max_seconds},
                transcode,
            )
        )
    if probe.fps < limit.min_fps:
        found.append(Finding("fps", Severity.REFUSED, {"fps": round(probe.fps, 2), "min": limit.min_fps}))
    elif probe.fps > limit.max_fps:
        found.append(
            Finding("fps", Severity.FIXABLE, {"fps": round(probe.fps, 2), "max": limit.max_fps}, transcode)
        )
    if size > limit.max_bytes:
        found.append(
            Finding("file_size", Severity.FIXABLE, {"size": size, "max": limit.max_bytes}, transcode)
        )
    aspect = probe.width / probe.height
    if not limit.min_aspect <= aspect <= limit.max_aspect:
        # Padding a clip into shape is possible but would send bars around the person: refused, not fixed.
        found.append(
            Finding(
                "aspect",
                Severity.REFUSED,
                {"aspect": round(aspect, 3), "min": limit.min_aspect, "max": limit.max_aspect},
            )
        )
    pixels = probe.width * probe.height
    dimensions = {"width": probe.width, "height": probe.height, "pixels": pixels}
    if pixels < limit.min_pixels:
        # Upscaling would only invent pixels: upstream would judge a blurred face, so nothing is offered.
        found.append(Finding("pixels_low", Severity.REFUSED, {**dimensions, "min": limit.min_pixels}))
    elif pixels > limit.max_pixels:
        # The sources disagree on the upper bound (limits.VideoLimits): a warning, with the fix that fits it.
        found.append(
            Finding("pixels_high", Severity.WARNING, {**dimensions, "max": limit.max_pixels}, transcode)
        )
    if face_count != limits.FACES_PER_ASSET:
        found.append(Finding("faces", Severity.WARNING, {"count": face_count, "frames": sampled}))
    return found


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise UnreadableVideoError("no_video")
    return container.streams.video[0]


def _keyframes(stream: av.video.stream.VideoStream, size: int) -> list[int]:
    """The keyframes' timestamps from the container's index (none for a format without one): a seek to
    one of them decodes a single frame. Also catches a file cut short (an upload that stopped) whose index
    still names every frame: the index points past the end of the file. Nothing is decoded."""
    entries = stream.index_entries
    keyframes, end = [], 0
    for entry in entries if entries is not None else ():
        end = max(end, entry.pos + entry.size)
        if entry.is_keyframe:
            keyframes.append(entry.timestamp)
    if end > size:
        raise UnreadableVideoError("truncated")
    return sorted(keyframes)


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> av.VideoFrame:
    frame = next(iter(container.decode(stream)), None)
    if frame is None:
        raise UnreadableVideoError("no_frames")
    return frame


def _seconds(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def _probe(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    fmt: str,
    first: av.VideoFrame,
) -> Probe:
    seconds = _seconds(container, stream)
    rate = stream.average_rate
    fps = float(rate) if rate else 0.0
    if not fps and stream.frames and seconds:
        fps = stream.frames / seconds
    rotation = first.rotation or 0
    width, height = first.width, first.height
    if _quarter_turns(rotation) % 2:
        width, height = height, width
    return Probe(
        format=fmt or _container_name(container),
        codec=stream.codec_context.name,
        width=width,
        height=height,
        seconds=seconds,
        fps=fps,
        rotation=rotation,
    )


def _container_name(container: av.container.InputContainer) -> str:
    """mp4 or mov for ISO media (by the major brand, as sniffing does), else ffmpeg's first name."""
    name = container.format.name
    if "mp4" in name.split(","):
        return "mov" if container.metadata.get("major_brand", "").strip() == "qt" else "mp4"
    return name.split(",")[0]


def _poster(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    seconds: float,
    keyframes: list[int],
    first: av.VideoFrame,
    max_side: int | None,
) -> Image.Image:
    frame = first
    if seconds > POSTER_SECONDS * 1.5:
        place = _ticks_near(stream, POSTER_SECONDS, keyframes, slack=POSTER_SECONDS / 2)
        frame = _frame_at(container, stream, place, time.monotonic() + CHECK_SECONDS) or first
    return upright_image(frame, max_side)


def _sample(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    seconds: float,
    keyframes: list[int],
    first: av.VideoFrame,
) -> list[Image.Image]:
    """Up to SAMPLES upright frames (at most SAMPLE_PIXELS each) spread over the clip, found by seeking."""
    if seconds <= 0:
        return [upright_image(first, max_pixels=SAMPLE_PIXELS)]
    deadline = time.monotonic() + CHECK_SECONDS
    frames = []
    for index in range(SAMPLES):
        if time.monotonic() > deadline:
            break
        wanted = seconds * (index + 0.5) / SAMPLES
        place = _ticks_near(stream, wanted, keyframes, slack=seconds / SAMPLES / 2)
        frame = _frame_at(container, stream, place, deadline)
        if frame is not None:
            frames.append(upright_image(frame, max_pixels=SAMPLE_PIXELS))
    return frames or [upright_image(first, max_pixels=SAMPLE_PIXELS)]


def _ticks_near(
    stream: av.video.stream.VideoStream, seconds: float, keyframes: list[int], slack: float
) -> tuple[int, bool]:
    """Where to look for the frame at `seconds` (in the stream's time base), and whether it is a keyframe:
    the nearest keyframe when one is within `slack` seconds (a single frame to decode), else that moment."""
    time_base = stream.time_base or Fraction(1, av.time_base)
    wanted = (stream.start_time or 0) + math.floor(Fraction(seconds) / time_base)
    if keyframes:
        nearest = min(keyframes, key=lambda ticks: abs(ticks - wanted))
        if abs(nearest - wanted) * time_base <= slack:
            return nearest, True
    return wanted, False


def _frame_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    place: tuple[int, bool],
    deadline: float,
) -> av.VideoFrame | None:
    """The first frame at or after the place (or the last reached within FRAMES_PER_SEEK after the keyframe
    the seek lands on); None when nothing decodes there."""
    ticks, on_keyframe = place
    try:
        # The index holds decoding times, a little before a keyframe's display time: a forward seek to one
        # lands on that keyframe, where a backward seek would land on the keyframe before it.
        container.seek(ticks, stream=stream, backward=not on_keyframe)
    except av.FFmpegError:
        return None
    reached = None
    for count, frame in enumerate(container.decode(stream)):
        reached = frame
        if frame.pts is None or frame.pts >= ticks or count >= FRAMES_PER_SEEK:
            break
        if time.monotonic() > deadline:
            break
    return reached


def _quarter_turns(rotation: float | None) -> int:
    """Counter-clockwise quarter turns for a display rotation in degrees (0-3)."""
    return round((rotation or 0) / 90) % 4


def _refused(size: int, fmt: str, facts: dict) -> MediaReport:
    return MediaReport(
        kind=Kind.VIDEO, format=fmt, size=size, findings=(Finding("unreadable", Severity.REFUSED, facts),)
    )
