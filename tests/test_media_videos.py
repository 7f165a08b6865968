"""The video check on real clips written with PyAV in the test: what passes, what is refused, what is
fixable, the face warning with its frame, the displayed size of a phone's rotated clip, a cut-short file
refused quickly, and the poster frame."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from lib.media import limits
from lib.media.inspect import inspect
from lib.media.report import Fix, Kind, Severity
from lib.media.videos import UnreadableVideoError, check_video, inspect_video, poster
from tests.helpers.media_files import truncated_copy, write_audio_only, write_video


def check(path: Path, fmt: str = "mp4", limit: limits.VideoLimits = limits.VIDEO):
    return inspect_video(path, path.stat().st_size, fmt, limit)


def codes(report) -> dict[str, Severity]:
    return {finding.code: finding.severity for finding in report.findings}


def finding(report, code: str):
    return next(f for f in report.findings if f.code == code)


@pytest.fixture(scope="module")
def good_clip(tmp_path_factory) -> Path:
    """5 s of 720p at 30 fps, H.264 in MP4, one face: what upstream takes as it is."""
    return write_video(tmp_path_factory.mktemp("clips") / "good.mp4", 5, 30, 1280, 720)


def test_a_good_clip_passes_with_its_facts(good_clip):
    report = check(good_clip)
    assert report.kind is Kind.VIDEO
    assert report.findings == ()
    assert report.passes
    assert (report.format, report.codec) == ("mp4", "h264")
    assert (report.width, report.height) == (1280, 720)
    assert report.seconds == pytest.approx(5.0, abs=0.05)
    assert report.fps == pytest.approx(30.0)
    assert report.faces == 1
    assert report.face_frame is None


def test_inspect_reads_the_clip_by_content_not_by_name(good_clip, tmp_path):
    disguised = tmp_path / "holiday.jpg"
    disguised.write_bytes(good_clip.read_bytes())
    report = inspect(disguised)
    assert report.kind is Kind.VIDEO and report.format == "mp4" and report.passes


def test_a_one_second_clip_is_refused(tmp_path):
    report = check(write_video(tmp_path / "short.mp4", 1, 30, 1280, 720))
    assert report.refused
    assert finding(report, "duration").facts == {"seconds": pytest.approx(1.0, abs=0.05), "min": 2.0}
    assert finding(report, "duration").fixes == ()


def test_a_twenty_second_clip_is_fixable_by_the_conversion(tmp_path):
    report = check(write_video(tmp_path / "long.mp4", 20, 30, 854, 480))
    assert codes(report) == {"duration": Severity.FIXABLE}
    assert finding(report, "duration").facts == {"seconds": pytest.approx(20.0, abs=0.05), "max": 15.0}
    assert report.fixes == (Fix.TRANSCODE,)
    assert not report.passes and not report.refused


def test_120_fps_at_1080p_is_fixable_with_a_pixel_warning(tmp_path):
    report = check(write_video(tmp_path / "fast.mp4", 2.2, 120, 1920, 1080))
    assert codes(report) == {"fps": Severity.FIXABLE, "pixels_high": Severity.WARNING}
    assert finding(report, "fps").facts == {"fps": 120.0, "max": 60.0}
    assert finding(report, "pixels_high").facts == {
        "width": 1920,
        "height": 1080,
        "pixels": 2_073_600,
        "max": 927_408,
    }
    assert report.fixes == (Fix.TRANSCODE,)


def test_a_slow_clip_is_refused(tmp_path):
    report = check(write_video(tmp_path / "slow.mp4", 3, 15, 1280, 720))
    assert codes(report) == {"fps": Severity.REFUSED}
    assert finding(report, "fps").facts == {"fps": 15.0, "min": 24.0}


def test_an_mpeg4_coded_mov_is_sendable_with_the_conversion_offered(tmp_path):
    clip = write_video(tmp_path / "camera.mov", 3, 30, 1280, 720, codec="mpeg4")
    report = inspect(clip)
    assert report.format == "mov" and report.codec == "mpeg4"
    assert codes(report) == {"codec": Severity.WARNING}
    assert finding(report, "codec").fixes == (Fix.TRANSCODE,)
    assert report.passes


def test_a_320x240_clip_is_refused_for_too_few_pixels(tmp_path):
    report = check(write_video(tmp_path / "tiny.mp4", 3, 30, 320, 240))
    assert codes(report)["pixels_low"] is Severity.REFUSED
    assert finding(report, "pixels_low").facts == {
        "width": 320,
        "height": 240,
        "pixels": 76_800,
        "min": 409_600,
    }
    assert finding(report, "pixels_low").fixes == ()


def test_a_banner_shaped_clip_is_refused_for_its_aspect(tmp_path):
    report = check(write_video(tmp_path / "banner.mp4", 3, 30, 1600, 400))
    assert codes(report)["aspect"] is Severity.REFUSED and report.refused
    assert finding(report, "aspect").facts == {"aspect": 4.0, "min": 0.4, "max": 2.5}


def test_a_file_over_the_size_limit_is_fixable(good_clip):
    small_limit = limits.VideoLimits(max_bytes=good_clip.stat().st_size - 1)
    report = check(good_clip, limit=small_limit)
    assert codes(report) == {"file_size": Severity.FIXABLE}
    assert finding(report, "file_size").facts == {
        "size": good_clip.stat().st_size,
        "max": small_limit.max_bytes,
    }


def test_a_clip_without_a_face_warns_and_shows_the_frame(tmp_path):
    report = check(write_video(tmp_path / "coffee.mp4", 3, 30, 1280, 720, face=False))
    assert codes(report) == {"faces": Severity.WARNING}
    assert finding(report, "faces").facts == {"count": 0, "frames": 4}
    assert report.faces == 0 and report.passes
    shown = Image.open(io.BytesIO(report.face_frame))
    assert shown.format == "JPEG" and max(shown.size) <= 480


def test_two_people_in_the_clip_warn_with_the_frame(tmp_path):
    report = check(write_video(tmp_path / "pair.mp4", 3, 30, 1280, 720, pair=True))
    assert report.faces == 2
    assert finding(report, "faces").facts["count"] == 2
    assert Image.open(io.BytesIO(report.face_frame)).format == "JPEG"


def test_a_phones_portrait_clip_is_measured_as_displayed(tmp_path):
    clip = write_video(tmp_path / "phone.mp4", 3, 30, 720, 1280, rotation=-90)
    report = check(clip)
    assert (report.width, report.height) == (720, 1280)
    assert report.faces == 1  # found only when the frames are turned upright first
    assert report.findings == ()
    assert poster(clip).size == (720, 1280)


@pytest.mark.parametrize("faststart", [False, True], ids=["index-at-end", "index-first"])
def test_a_truncated_clip_is_refused_quickly(tmp_path, faststart):
    whole = write_video(tmp_path / "whole.mp4", 5, 30, 1280, 720, motion=True, faststart=faststart)
    cut = truncated_copy(whole, tmp_path / "cut.mp4", keep=0.6)
    started = time.monotonic()
    report = check(cut)
    assert time.monotonic() - started < 3
    assert report.refused
    assert codes(report) == {"unreadable": Severity.REFUSED}
    assert finding(report, "unreadable").facts["reason"] in ({"truncated"} if faststart else {"undecodable"})


def test_garbage_behind_a_video_header_is_refused(tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 40)
    report = inspect(fake)
    assert report.kind is Kind.VIDEO and report.refused
    assert codes(report) == {"unreadable": Severity.REFUSED}
    with pytest.raises(UnreadableVideoError):
        poster(fake)


def test_an_iso_file_with_sound_only_is_refused(tmp_path):
    report = check(write_audio_only(tmp_path / "voice.mp4", 3))
    assert finding(report, "unreadable").facts == {"reason": "no_video"}


def test_the_poster_is_the_frame_near_one_second_and_can_be_small(good_clip):
    full = poster(good_clip)
    assert full.mode == "RGB" and full.size == (1280, 720)
    assert poster(good_clip, 320).size == (320, 180)


def test_check_video_gives_the_poster_only_for_a_clip_that_is_not_refused(good_clip, tmp_path):
    report, cover = check_video(good_clip, good_clip.stat().st_size, "mp4", poster_side=320)
    assert report.passes and cover is not None and max(cover.size) == 320
    short = write_video(tmp_path / "short.mp4", 1, 30, 1280, 720)
    report, cover = check_video(short, short.stat().st_size, "mp4", poster_side=320)
    assert report.refused and cover is None
