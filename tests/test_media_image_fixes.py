"""The one-click picture fixes on real files: each writes a new upright JPEG that passes the check, keeps the
face in frame, and leaves the original byte for byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from lib.media import faces, pixels
from lib.media.fixes import apply_fix
from lib.media.image_fixes import crop_to_aspect, fix_image, pad_to_aspect
from lib.media.inspect import inspect
from lib.media.report import Finding, Fix, Kind, MediaReport, Severity
from tests.helpers import media_files


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fixed(path: Path, fix: Fix, out_dir: Path) -> tuple[Path, MediaReport]:
    """Apply the fix the check offers; the original must be unchanged and the copy a new file in out_dir."""
    report = inspect(path)
    assert fix in report.fixes
    before = digest(path)
    result = apply_fix(path, fix, report, out_dir)
    assert digest(path) == before
    assert result.parent == out_dir and result.suffix == ".jpg" and result != path
    with Image.open(result) as image:
        assert image.format == "JPEG"
        assert image.getexif().get(pixels.ORIENTATION_TAG, 1) == 1
    return result, inspect(result)


@pytest.mark.parametrize("fmt", ["heic", "webp", "bmp", "tiff", "gif", "png"])
def test_to_jpeg(tmp_path, fmt):
    path = media_files.write_photo(tmp_path / f"face.{fmt}", fmt=fmt, size=(600, 800))
    report = inspect(path)
    result = apply_fix(path, Fix.TO_JPEG, report, tmp_path / "fixed")
    again = inspect(result)
    assert (again.format, again.width, again.height, again.faces, again.findings) == ("jpeg", 600, 800, 1, ())


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_rotate_stores_the_pixels_upright(tmp_path, orientation):
    path = media_files.write_photo(tmp_path / "phone.jpg", canvas=(600, 800), orientation=orientation)
    result, again = fixed(path, Fix.ROTATE, tmp_path / "fixed")
    with Image.open(result) as image:
        assert image.size == (600, 800)  # stored upright, not only displayed so
    assert again.findings == () and again.faces == 1


def test_downscale_a_picture_too_large(tmp_path):
    path = media_files.write_photo(tmp_path / "huge.jpg", canvas=(6100, 4000), quality=70)
    _, again = fixed(path, Fix.DOWNSCALE, tmp_path / "fixed")
    assert (again.width, again.height) == (6000, 3934) and again.findings == () and again.faces == 1


def test_downscale_a_file_too_heavy(tmp_path):
    path = media_files.write_photo(tmp_path / "heavy.bmp", fmt="bmp", canvas=(3300, 3300))
    result, again = fixed(path, Fix.DOWNSCALE, tmp_path / "fixed")
    assert result.stat().st_size < 30 * 1024 * 1024 and again.findings == ()
    assert (again.width, again.height) == (3300, 3300)  # small enough as a JPEG: no pixel lost


@pytest.mark.parametrize(("canvas", "padded"), [((1800, 600), (1800, 720)), ((400, 1100), (440, 1100))])
def test_pad_to_the_nearest_allowed_aspect(tmp_path, canvas, padded):
    path = media_files.write_photo(tmp_path / "odd.png", fmt="png", canvas=canvas)
    _, again = fixed(path, Fix.PAD_ASPECT, tmp_path / "fixed")
    assert (again.width, again.height) == padded and again.findings == () and again.faces == 1


def test_crop_keeps_the_face_at_the_edge_in_frame(tmp_path):
    # The person stands at the left end of a 4:1 banner: a centred crop to 2.5:1 would cut her out.
    banner = Image.new("RGB", (2400, 600), (90, 120, 90))
    banner.paste(Image.fromarray(media_files.astronaut()).resize((600, 600)), (0, 0))
    path = tmp_path / "banner.png"
    banner.save(path)
    centred = banner.crop((450, 0, 1950, 600))
    assert faces.find_faces(np.asarray(centred)) == []
    _, again = fixed(path, Fix.CROP_ASPECT, tmp_path / "fixed")
    assert (again.width, again.height) == (1500, 600) and again.findings == () and again.faces == 1


def test_crop_a_tall_picture_keeps_the_face_near_the_bottom(tmp_path):
    path = media_files.write_photo(tmp_path / "tall.png", fmt="png", canvas=(500, 500))
    tall = Image.new("RGB", (500, 1600), (200, 200, 200))
    with Image.open(path) as face:
        tall.paste(face, (0, 1100))
    tall.save(path)
    _, again = fixed(path, Fix.CROP_ASPECT, tmp_path / "fixed")
    assert (again.width, again.height) == (500, 1250) and again.findings == () and again.faces == 1


def test_pad_and_crop_leave_allowed_pictures_alone():
    image = Image.new("RGB", (1000, 800))
    assert pad_to_aspect(image) is image and crop_to_aspect(image) is image


def test_every_fix_of_a_camera_turned_photo_is_upright(tmp_path):
    # A phone's photo that is also too wide: the pad fix applies the rotation on the way.
    path = media_files.write_photo(tmp_path / "pano.jpg", canvas=(1800, 600), orientation=6)
    report = inspect(path)
    assert {f.code for f in report.findings} == {"aspect", "orientation"}
    _, again = fixed(path, Fix.PAD_ASPECT, tmp_path / "fixed")
    assert (again.width, again.height) == (1800, 720) and again.findings == () and again.faces == 1


def test_each_fix_is_a_new_file(tmp_path):
    path = media_files.write_photo(tmp_path / "face.webp", fmt="webp", size=(600, 800))
    report = inspect(path)
    first = apply_fix(path, Fix.TO_JPEG, report, tmp_path)
    second = apply_fix(path, Fix.TO_JPEG, report, tmp_path)
    assert first != second and first.exists() and second.exists() and path.exists()


def test_the_colour_profile_is_kept(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "profiled.png"
    Image.fromarray(media_files.astronaut()).resize((600, 800)).save(path, icc_profile=srgb)
    result = apply_fix(path, Fix.TO_JPEG, inspect(path), tmp_path / "fixed")
    with Image.open(result) as image:
        assert image.info.get("icc_profile") == srgb


def test_what_cannot_be_fixed(tmp_path):
    small = media_files.write_photo(tmp_path / "small.jpg", size=(200, 200))
    with pytest.raises(ValueError):
        apply_fix(small, Fix.DOWNSCALE, inspect(small), tmp_path / "fixed")  # refused: nothing to fix
    face = media_files.write_photo(tmp_path / "face.jpg")
    with pytest.raises(ValueError):
        fix_image(face, Fix.TRANSCODE, inspect(face), tmp_path / "fixed")  # a video's fix
    script = media_files.program_named_jpg(tmp_path / "script.jpg")
    with pytest.raises(ValueError):
        apply_fix(script, Fix.TO_JPEG, inspect(script), tmp_path / "fixed")
    # A report that claims a picture the file no longer holds: unreadable, not a crash or a half file.
    lying = MediaReport(Kind.IMAGE, "jpeg", 10, findings=(Finding("aspect", Severity.FIXABLE),))
    with pytest.raises(pixels.Unreadable):
        apply_fix(script, Fix.PAD_ASPECT, lying, tmp_path / "fixed")
    assert not (tmp_path / "fixed").exists() or list((tmp_path / "fixed").iterdir()) == []
