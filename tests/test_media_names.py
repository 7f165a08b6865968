"""Display names from uploaded file names: the stem, no markup, no control characters, at most 64
characters, never empty."""

from __future__ import annotations

import pytest

from lib.media.names import MAX_CHARS, safe_name


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("IMG_0001.JPG", "IMG_0001"),
        ("Anna front.heic", "Anna front"),
        ("张三 自拍.heic", "张三 自拍"),
        ("résumé photo.jpeg", "résumé photo"),
        ("archive.tar.gz", "archive.tar"),
        ("<script>alert(1)</script>.jpg", "alert(1)"),
        ("<b>Anna</b> front.jpg", "Anna front"),
        ('x"onmouseover="alert(1).png', "xonmouseover=alert(1)"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\face.heic", "face"),
        ("a\x00b\u202ec\u200b.png", "abc"),  # NUL, a right-to-left override, a zero-width space
        ("tab\there\nnewline.jpg", "tab here newline"),
    ],
)
def test_names(filename, name):
    assert safe_name(filename) == name


@pytest.mark.parametrize("filename", ["", "   .png", "<img src=x onerror=alert(1)>", "\x00\x01.jpg", "..."])
def test_never_empty(filename):
    assert safe_name(filename) == "photo"
    assert safe_name(filename, "clip") == "clip"


def test_at_most_64_characters():
    name = safe_name("x" * 100 + ".jpg")
    assert name == "x" * MAX_CHARS and MAX_CHARS == 64
    assert len(safe_name("字" * 200 + ".heic")) == 64
