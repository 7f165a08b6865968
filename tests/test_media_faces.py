"""The face detector on real photos (scikit-image's, offline): one person, two, three, none, and the same
person on a wide or tall canvas, turned by a camera, or photographed large."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from skimage import data

from lib.media import faces
from lib.media.inspect import inspect
from tests.helpers import media_files


def count(picture: np.ndarray) -> int:
    return len(faces.find_faces(picture))


def test_one_face_two_faces_none():
    assert count(media_files.astronaut()) == 1
    assert count(media_files.two_astronauts()) == 2
    assert count(media_files.coffee()) == 0


def test_more_people_are_counted():
    pair = media_files.two_astronauts()
    assert count(np.hstack([pair, media_files.astronaut()])) == 3
    assert count(np.vstack([pair, pair])) == 4


def test_the_box_is_on_the_face_in_the_arrays_pixels():
    # The astronaut's face is in the upper middle of her portrait; doubled in size, the box doubles.
    ((x, y, w, h),) = faces.find_faces(media_files.astronaut())
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 200 and 60 < w < 140
    big = np.kron(media_files.astronaut(), np.ones((2, 2, 1), dtype=np.uint8))
    ((bx, by, bw, bh),) = faces.find_faces(big)
    assert abs(bx - 2 * x) < 24 and abs(bw - 2 * w) < 24


@pytest.mark.parametrize("canvas", [(1800, 600), (500, 1600), (3000, 3000)])
def test_a_face_on_a_wide_tall_or_large_canvas_is_found(canvas):
    assert count(media_files.fitted(media_files.astronaut(), *canvas)) == 1


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket", "coins", "text", "moon", "horse", "page"])
def test_no_face_where_there_is_nobody(name):
    picture = getattr(data, name)()
    if picture.dtype != np.uint8:
        picture = (picture * 255).astype(np.uint8)
    assert count(picture) == 0


def test_many_different_faces_and_no_false_ones():
    # scikit-image's LFW subset: 100 tight 25 x 25 crops of different people's faces, then 100 crops of
    # anything else, each enlarged onto a plain portrait canvas as a person fills a photo.
    crops = data.lfw_subset()
    assert crops.shape == (200, 25, 25)

    def portrait(crop: np.ndarray) -> np.ndarray:
        face = Image.fromarray((crop * 255).astype(np.uint8)).resize((120, 120), Image.Resampling.BICUBIC)
        canvas = Image.new("L", (300, 375), 128)
        canvas.paste(face, (90, 90))
        return np.asarray(canvas)

    found = [count(portrait(crop)) for crop in crops[:100]]
    false = [count(portrait(crop)) for crop in crops[100:]]
    assert sum(n == 1 for n in found) >= 90  # 98 when chosen
    assert sum(n > 0 for n in false) <= 2  # 0 when chosen


def test_grey_and_rgba_arrays():
    rgb = media_files.astronaut()
    grey = (rgb.mean(axis=2)).astype(np.uint8)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert count(grey) == 1 and count(rgba) == 1
    assert faces.find_faces(np.zeros((10, 10, 3), np.uint8)) == []


def test_a_face_turned_by_the_camera_is_found_after_the_exif_rotation(tmp_path):
    # Stored on its side (as a phone held upright stores it): upright only once the EXIF tag is applied.
    path = media_files.write_photo(tmp_path / "turned.jpg", canvas=(600, 800), orientation=6)
    with Image.open(path) as opened:
        stored = np.asarray(opened.convert("RGB"))
    assert stored.shape[:2] == (600, 800)  # as stored: landscape, the face lying down
    assert count(stored) == 0
    report = inspect(path)
    assert (report.width, report.height, report.faces) == (600, 800, 1)


def test_the_cascade_loads_once_and_the_search_is_quick():
    faces._cascade()
    assert faces._cascade() is faces._cascade()
    picture = media_files.fitted(media_files.astronaut(), 4000, 3000)
    started = time.perf_counter()
    assert count(picture) == 1
    # A 12 MP array shrunk to 120k pixels first: well under a second even on a busy machine.
    assert time.perf_counter() - started < 1.0
