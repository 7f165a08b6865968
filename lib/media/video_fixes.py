"""The one-click fix for a video clip, with PyAV: a new H.264 MP4 (yuv420p, moov first) trimmed to 15 s, fps
capped at 30 by dropping frames evenly, scaled into upstream's pixel range with the display rotation applied,
audio re-encoded as AAC. It writes one new file in out_dir and never touches the original."""

from __future__ import annotations

import math
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

from lib.media import limits
from lib.media.report import Fix, MediaReport
from lib.media.videos import READ_ERRORS, Probe, UnreadableVideoError, probe_video

MAX_FPS = 30  # the cap: inside upstream's 24-60, and half the frames of a 60 fps phone clip to send
ENCODER = "libx264"
# veryfast: a 15 s clip converts in seconds on a laptop; crf 20 keeps the face sharp; the rate cap keeps 15 s
# under upstream's 50 MB whatever the picture (16 Mbit/s x 15 s = 30 MB).
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20", "maxrate": "16M", "bufsize": "32M"}
AUDIO_BIT_RATE = 128_000
DAMAGED_PACKETS = 50  # packets that fail to decode before the clip is given up as broken
FIX_SECONDS = 180.0  # wall clock: a conversion running longer than this is given up (a file built to stall)


class VideoFixError(ValueError):
    """The clip could not be converted (unreadable, no frames, too slow); no output is left behind. A
    ValueError, as every "this file cannot be fixed" is (lib.media.fixes)."""


def fix_video(
    path: Path, fix: Fix, report: MediaReport, out_dir: Path, limit: limits.VideoLimits = limits.VIDEO
) -> Path:
    """A new .mp4 in out_dir made from the clip at path by the fix (only Fix.TRANSCODE applies to videos)."""
    if fix is not Fix.TRANSCODE:
        raise ValueError(f"{fix.value} is not a fix for a video")
    if report.refused:
        raise ValueError("a refused clip has no fix")
    try:
        probe = probe_video(path)
    except UnreadableVideoError as error:
        raise VideoFixError(f"unreadable: {error.reason}") from error
    handle, name = tempfile.mkstemp(prefix=f"{path.stem[:40]}-", suffix=".mp4", dir=out_dir)
    os.close(handle)
    target = Path(name)
    try:
        _transcode(path, target, probe, limit)
    except BaseException:
        target.unlink(missing_ok=True)  # never a half-written clip
        raise
    return target


def fit_pixels(width: int, height: int, low: int, high: int) -> tuple[int, int]:
    """Even width and height keeping the aspect, scaled so width x height lies within low..high."""
    pixels = width * height
    scale = 1.0
    if pixels > high:
        scale = math.sqrt(high / pixels)
    elif pixels < low:
        scale = math.sqrt(low / pixels)
    for rounding in (_floor_even, _ceil_even):
        candidate = rounding(width * scale), rounding(height * scale)
        if low <= candidate[0] * candidate[1] <= high:
            return candidate
    return _floor_even(width * scale), _floor_even(height * scale)  # a sliver no rounding fits: the nearest


def _floor_even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _ceil_even(value: float) -> int:
    return max(2, math.ceil(value / 2) * 2)


def _transcode(source: Path, target: Path, probe: Probe, limit: limits.VideoLimits) -> None:
    deadline = time.monotonic() + FIX_SECONDS
    width, height = fit_pixels(probe.width, probe.height, limit.min_pixels, limit.max_pixels)
    seconds = min(probe.seconds, limit.max_seconds) if probe.seconds > 0 else limit.max_seconds
    try:
        with (
            av.open(str(source), metadata_errors="ignore") as inp,
            av.open(str(target), "w", format="mp4", options={"movflags": "faststart"}) as out,
        ):
            video_in = inp.streams.video[0]
            video_in.thread_type = "AUTO"
            audio_in = inp.streams.audio[0] if inp.streams.audio else None
            video = _VideoTrack(video_in, out, probe, width, height, seconds)
            audio = _AudioTrack(audio_in, out, seconds) if audio_in is not None else None
            damaged = 0
            streams = [video_in] + ([audio_in] if audio_in is not None else [])
            for packet in inp.demux(streams):
                if time.monotonic() > deadline:
                    raise VideoFixError(f"gave up after {FIX_SECONDS:.0f} s")
                track = video if packet.stream is video_in else audio
                if track is None or track.done:
                    if video.done and (audio is None or audio.done):
                        break  # the rest of a long clip is never read
                    continue
                try:
                    decoded = packet.decode()
                except av.FFmpegError:
                    damaged += 1  # a damaged packet: skipped as a player would, up to a point
                    if damaged > DAMAGED_PACKETS:
                        raise VideoFixError("too many damaged packets") from None
                    continue
                for frame in decoded:
                    track.add(frame)
            video.finish()
            if audio is not None:
                audio.finish()
            if video.written == 0:
                raise VideoFixError("no frame could be decoded")
    except (VideoFixError, UnreadableVideoError):
        raise
    except READ_ERRORS as error:
        raise VideoFixError(f"conversion failed: {error}") from error


class _VideoTrack:
    """Frames in, an H.264 track out: kept when they fall in a new 1/30 s slot (capping fps), scaled, rotated."""

    def __init__(
        self,
        source: av.video.stream.VideoStream,
        out: av.container.OutputContainer,
        probe: Probe,
        width: int,
        height: int,
        seconds: float,
    ) -> None:
        self.out = out
        self.seconds = seconds
        self.capped = probe.fps > MAX_FPS
        if self.capped:
            rate, self.time_base = Fraction(MAX_FPS), Fraction(1, MAX_FPS)
        else:
            rate = source.average_rate or source.guessed_rate or Fraction(MAX_FPS)
            self.time_base = source.time_base
        self.stream = out.add_stream(ENCODER, rate=rate, options=ENCODER_OPTIONS)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.codec_context.time_base = self.time_base
        self.stream.codec_context.gop_size = max(
            1, round(2 * float(rate))
        )  # a keyframe every 2 s: quick seeks
        self.graph = _scale_graph(source, width, height, probe.rotation)
        self.start: Fraction | None = None
        self.last_slot = -1
        self.written = 0
        self.done = False

    def add(self, frame: av.VideoFrame) -> None:
        if frame.pts is None or frame.time_base is None:
            return
        moment = Fraction(frame.pts) * frame.time_base
        if self.start is None:
            self.start = moment
        offset = moment - self.start
        if offset >= Fraction(self.seconds).limit_denominator(1000):
            self.done = True
            return
        if self.capped:
            slot = math.floor(offset * MAX_FPS)
            if slot <= self.last_slot:
                return  # this slot has its frame: the evenly spaced drop that caps fps
            self.last_slot = slot
            pts = slot
        else:
            pts = round(offset / self.time_base)
        self.graph.push(frame)
        for shaped in _pull_all(self.graph):
            shaped.pts, shaped.time_base = pts, self.time_base
            self.out.mux(self.stream.encode(shaped))
            self.written += 1

    def finish(self) -> None:
        self.out.mux(self.stream.encode())


class _AudioTrack:
    """Audio in, an AAC track out, cut at exactly the video's length (a longer tail would make the file
    longer than the 15 s it is trimmed to)."""

    def __init__(
        self, source: av.audio.stream.AudioStream, out: av.container.OutputContainer, seconds: float
    ):
        self.out = out
        rate = source.rate or 48_000
        layout = "mono" if (source.channels or 2) == 1 else "stereo"
        self.stream = out.add_stream("aac", rate=rate, layout=layout)
        self.stream.bit_rate = AUDIO_BIT_RATE
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self.rate = rate
        self.allowed = int(seconds * rate)
        self.samples = 0
        self.done = False

    def add(self, frame: av.AudioFrame) -> None:
        for chunk in self.resampler.resample(frame):
            room = self.allowed - self.samples
            if room <= 0:
                self.done = True
                return
            if chunk.samples > room:
                chunk = _first_samples(chunk, room)
            chunk.pts, chunk.time_base = self.samples, Fraction(1, self.rate)
            self.samples += chunk.samples
            self.out.mux(self.stream.encode(chunk))

    def finish(self) -> None:
        self.out.mux(self.stream.encode())


def _first_samples(frame: av.AudioFrame, count: int) -> av.AudioFrame:
    planes = frame.to_ndarray()[:, :count]
    cut = av.AudioFrame.from_ndarray(planes.copy(), format=frame.format.name, layout=frame.layout.name)
    cut.sample_rate = frame.sample_rate
    return cut


def _scale_graph(
    source: av.video.stream.VideoStream, width: int, height: int, rotation: int
) -> av.filter.Graph:
    """scale (to the stored orientation), then turn as the player would, then yuv420p for the encoder."""
    turns = round(rotation / 90) % 4
    stored = (height, width) if turns % 2 else (width, height)
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=source), graph.add("scale", f"{stored[0]}:{stored[1]}")]
    if turns == 1:
        nodes.append(graph.add("transpose", "cclock"))
    elif turns == 3:
        nodes.append(graph.add("transpose", "clock"))
    elif turns == 2:
        nodes += [graph.add("hflip"), graph.add("vflip")]
    nodes += [graph.add("format", "yuv420p"), graph.add("buffersink")]
    graph.link_nodes(*nodes).configure()
    return graph


def _pull_all(graph: av.filter.Graph) -> list[av.VideoFrame]:
    frames = []
    while True:
        try:
            frames.append(graph.pull())
        except (av.BlockingIOError, av.EOFError):
            return frames
