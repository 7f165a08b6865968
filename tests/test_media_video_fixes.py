"""The video conversion on real clips: each output is a new H.264 MP4 that the check itself then passes
(trimmed, fps capped, pixels in range, turned upright, sound kept), and the original is left as it was."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import av
import pytest

from lib.media import limits
from lib.media.report import Fix, Severity
from lib.media.video_fixes import fit_pixels, fix_video
from lib.media.videos import inspect_video
from tests.helpers.media_files import truncated_copy, write_video


def check(path: Path):
    return inspect_video(path, path.stat().st_size, "mp4")


def converted(clip: Path, out_dir: Path) -> Path:
    out_dir.mkdir(exist_ok=True)
    return fix_video(clip, Fix.TRANSCODE, check(clip), out_dir)


def streams(path: Path) -> dict[str, tuple[str, int]]:
    with av.open(str(path)) as container:
        return {s.type: (s.codec_context.name, s.frames) for s in container.streams}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_120_fps_1440p_clip_becomes_30_fps_within_the_pixel_range(tmp_path):
    clip = write_video(tmp_path / "fast.mp4", 3, 120, 2560, 1440)
    before = digest(clip)
    started = time.monotonic()
    output = converted(clip, tmp_path / "out")
    assert time.monotonic() - started < 30
    report = check(output)
    assert report.findings == () and report.passes
    assert report.fps == pytest.approx(30.0)
    assert report.seconds == pytest.approx(3.0, abs=0.05)
    assert limits.VIDEO.min_pixels <= report.width * report.height <= limits.VIDEO.max_pixels
    assert report.width % 2 == 0 and report.height % 2 == 0
    assert report.width / report.height == pytest.approx(16 / 9, rel=0.01)
    assert streams(output) == {"video": ("h264", 90)}  # one frame of every four, evenly
    assert digest(clip) == before
    assert list((tmp_path / "out").iterdir()) == [output] and output.suffix == ".mp4"


def test_the_output_is_yuv420p_with_its_index_first(tmp_path):
    output = converted(
        write_video(tmp_path / "camera.mov", 3, 30, 1280, 720, codec="mpeg4"), tmp_path / "out"
    )
    head = output.read_bytes()[:4096]
    assert head[4:8] == b"ftyp" and b"moov" in head  # faststart: playable while it downloads
    with av.open(str(output)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
    report = check(output)
    assert report.codec == "h264" and report.findings == ()


def test_a_twenty_second_clip_is_trimmed_to_fifteen_with_its_sound(tmp_path):
    clip = write_video(tmp_path / "long.mp4", 20, 30, 854, 480, audio=True)
    assert {f.code for f in check(clip).findings} == {"duration"}
    output = converted(clip, tmp_path / "out")
    report = check(output)
    assert report.findings == ()
    assert report.seconds == pytest.approx(15.0, abs=0.01) and report.seconds <= 15.0
    assert (report.width, report.height) == (854, 480)  # already in range: not scaled
    kinds = streams(output)
    assert kinds["video"] == ("h264", 450) and kinds["audio"][0] == "aac"


def test_a_phones_rotated_clip_comes_out_upright_without_a_rotation_flag(tmp_path):
    clip = write_video(tmp_path / "phone.mp4", 2.5, 30, 1080, 1920, rotation=-90)
    output = converted(clip, tmp_path / "out")
    report = check(output)
    assert report.height > report.width and report.faces == 1 and report.findings == ()
    with av.open(str(output)) as container:
        frame = next(container.decode(video=0))
        assert (frame.rotation or 0) == 0 and (frame.width, frame.height) == (report.width, report.height)


def test_an_hevc_clip_converts_to_h264(tmp_path):
    output = converted(write_video(tmp_path / "hevc.mov", 2.5, 30, 1280, 720, codec="hevc"), tmp_path / "out")
    assert check(output).codec == "h264"


def test_only_the_conversion_applies_to_a_video(tmp_path):
    clip = write_video(tmp_path / "good.mp4", 2.5, 30, 1280, 720)
    with pytest.raises(ValueError):
        fix_video(clip, Fix.TO_JPEG, check(clip), tmp_path)


def test_a_refused_clip_is_not_converted_and_leaves_nothing(tmp_path):
    whole = write_video(tmp_path / "whole.mp4", 3, 30, 1280, 720)
    cut = truncated_copy(whole, tmp_path / "cut.mp4")
    report = check(cut)
    assert report.findings[0].severity is Severity.REFUSED
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(ValueError):
        fix_video(cut, Fix.TRANSCODE, report, out_dir)
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (3840, 2160),
        (2560, 1440),
        (1920, 1080),
        (1080, 1920),
        (1440, 1440),
        (1000, 400),
        (641, 641),
        (854, 480),
    ],
)
def test_fit_pixels_gives_even_sides_in_range_keeping_the_aspect(width, height):
    low, high = limits.VIDEO.min_pixels, limits.VIDEO.max_pixels
    fitted_width, fitted_height = fit_pixels(width, height, low, high)
    assert fitted_width % 2 == 0 and fitted_height % 2 == 0
    assert low <= fitted_width * fitted_height <= high
    assert fitted_width / fitted_height == pytest.approx(width / height, rel=0.01)


def test_fit_pixels_keeps_a_size_already_in_range():
    assert fit_pixels(1280, 720, limits.VIDEO.min_pixels, limits.VIDEO.max_pixels) == (1280, 720)
