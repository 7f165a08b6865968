"""What a file is, from its first bytes: real files written by Pillow, pillow-heif and PyAV, never a name."""

from __future__ import annotations

import pytest

from lib.media.inspect import inspect
from lib.media.report import Kind, Severity
from lib.media.sniff import HEAD_BYTES, sniff
from tests.helpers import media_files


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "bmp", "tiff", "gif", "heic"])
def test_each_picture_format_is_known_by_its_bytes(tmp_path, fmt):
    # Every file is named .bin: the name says nothing.
    path = media_files.write_photo(tmp_path / "photo.bin", fmt=fmt)
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == (Kind.IMAGE, fmt)


@pytest.mark.parametrize(("suffix", "fmt"), [(".mp4", "mp4"), (".mov", "mov")])
def test_clips_are_known_by_their_ftyp_brand(tmp_path, suffix, fmt):
    path = media_files.write_video(tmp_path / f"clip{suffix}", seconds=0.2, fps=24, width=64, height=64)
    renamed = path.rename(tmp_path / "clip.jpg")
    assert sniff(renamed.read_bytes()[:HEAD_BYTES]) == (Kind.VIDEO, fmt)


def test_the_heif_brands():
    def ftyp(major: bytes, *compatible: bytes) -> bytes:
        body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
        return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00" * 16

    assert sniff(ftyp(b"heic", b"mif1", b"heic")) == (Kind.IMAGE, "heic")
    assert sniff(ftyp(b"mif1", b"heic")) == (Kind.IMAGE, "heic")  # heic among the compatible brands
    assert sniff(ftyp(b"mif1", b"mif1")) == (Kind.IMAGE, "heif")
    assert sniff(ftyp(b"avif", b"mif1")) == (Kind.UNKNOWN, "")  # AVIF is not among upstream's formats
    assert sniff(ftyp(b"qt  ", b"qt  ")) == (Kind.VIDEO, "mov")
    assert sniff(ftyp(b"isom", b"iso2", b"avc1")) == (Kind.VIDEO, "mp4")
    assert sniff(ftyp(b"M4A ", b"M4A ")) == (Kind.UNKNOWN, "")  # audio only


def test_programs_text_and_nothing_are_unknown(tmp_path):
    script = media_files.program_named_jpg(tmp_path / "photo.jpg")
    elf = media_files.elf_named_jpg(tmp_path / "face.jpg")
    for head in (
        script.read_bytes(),
        elf.read_bytes(),
        b"",
        b"<html><body>",
        b"\xff\xd8",
        b"RIFF\0\0\0\0AVI ",
    ):
        assert sniff(head[:HEAD_BYTES]) == (Kind.UNKNOWN, "")


def test_a_program_named_jpg_is_refused_as_format(tmp_path):
    for path in (
        media_files.program_named_jpg(tmp_path / "a.jpg"),
        media_files.elf_named_jpg(tmp_path / "b.jpg"),
    ):
        report = inspect(path)
        assert report.refused and report.kind is Kind.UNKNOWN
        assert [(f.code, f.severity, f.facts) for f in report.findings] == [
            ("format", Severity.REFUSED, {"detected": ""})
        ]


def test_an_empty_file_is_refused_as_empty(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    report = inspect(path)
    assert [(f.code, f.severity) for f in report.findings] == [("empty", Severity.REFUSED)]
    assert (report.size, report.kind, report.faces) == (0, Kind.UNKNOWN, None)


def test_a_jpeg_named_png_is_still_a_jpeg(tmp_path):
    report = inspect(media_files.write_photo(tmp_path / "x.png", fmt="jpeg"))
    assert (report.kind, report.format, report.passes) == (Kind.IMAGE, "jpeg", True)
