"""Counting frontal faces in a picture with OpenCV's Haar cascade (offline, inside the opencv-python-headless
wheel). It only finds boxes; deciding what a count means is the caller's job."""

from __future__ import annotations

import functools
import threading

import cv2
import numpy as np

# alt2 rather than "default": "default" finds a third face in two astronauts side by side. The settings
# below were chosen on scikit-image's photos: astronaut 1, side by side 2 and 3, a 2 x 2 grid 4, on a wide
# or tall canvas 1, and none in 21 photos without people (coffee, coins, cat, rocket, text ...). Histogram
# equalisation was tried and dropped: a large plain background skews it and the face is lost.
CASCADE = "haarcascade_frontalface_alt2.xml"
# Faces are searched on a copy of at most this many pixels (400 x 300 for a 4:3 photo; ~25 ms). A budget
# of pixels rather than of the longest side, so a very wide picture keeps faces big enough to be found.
WORK_PIXELS = 120_000
MIN_NEIGHBORS = 4  # 5 misses faces in the 2 x 2 grid; 3 finds one in the coins photo
SCALE_FACTOR = 1.1  # 1.15-1.2 are faster but lose faces in the grid or find one among coins
MIN_FACE_FRACTION = 0.1  # of the shorter side: smaller boxes are background texture, not the subject

Box = tuple[int, int, int, int]


@functools.cache
def _cascade() -> tuple[cv2.CascadeClassifier, threading.Lock]:
    """The cascade, loaded once, and the lock its searches take turns with: one classifier searched from
    several threads at once (intake, capture uploads, the sandbox's reviews) miscounts, raises or crashes."""
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)
    if classifier.empty():
        raise RuntimeError(f"OpenCV's face cascade {CASCADE} could not be loaded")
    return classifier, threading.Lock()


def work_scale(width: int, height: int) -> float:
    """How much a width x height picture is shrunk before the search (1.0: not at all)."""
    return min(1.0, (WORK_PIXELS / max(1, width * height)) ** 0.5)


def find_faces(rgb: np.ndarray) -> list[Box]:
    """Boxes (x, y, w, h) of frontal faces in an RGB (or grey) array, in that array's pixels."""
    if rgb.ndim == 3:
        grey = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
    else:
        grey = np.ascontiguousarray(rgb)
    height, width = grey.shape[:2]
    if min(height, width) < 24:
        return []
    scale = work_scale(width, height)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    smallest = max(20, int(min(grey.shape[:2]) * MIN_FACE_FRACTION))
    classifier, searching = _cascade()
    with searching:
        found = classifier.detectMultiScale(
            grey, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(smallest, smallest)
        )
    boxes = [tuple(int(round(v / scale)) for v in box) for box in found]
    return sorted(boxes, key=lambda b: (b[0], b[1]))  # type: ignore[return-value]
