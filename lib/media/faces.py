"""Counting frontal faces in a picture with OpenCV's Haar cascade (offline, inside the opencv-python-headless
wheel). It only finds boxes; deciding what a count means is the caller's job."""

from __future__ import annotations

import functools

import cv2
import numpy as np

# alt2 rather than "default": on the reference photos (skimage astronaut, two side by side, coffee) it gives
# 1 / 2 / 0 (and 4 for a 2 x 2 grid) across minNeighbors 4-8, where "default" finds a third face in the
# pair at low settings.
CASCADE = "haarcascade_frontalface_alt2.xml"
WORK_SIDE = 400  # faces are searched on a copy at most this long on its longest side (speed: ~15 ms)
MIN_NEIGHBORS = 5
SCALE_FACTOR = 1.2  # 1.1 finds the same faces in the reference photos at twice the time
MIN_FACE_FRACTION = 0.1  # of the shorter side: smaller boxes are background texture, not the subject

Box = tuple[int, int, int, int]


@functools.cache
def _cascade() -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)
    if classifier.empty():
        raise RuntimeError(f"OpenCV's face cascade {CASCADE} could not be loaded")
    return classifier


def find_faces(rgb: np.ndarray) -> list[Box]:
    """Boxes (x, y, w, h) of frontal faces in an RGB (or grey) array, in that array's pixels."""
    if rgb.ndim == 3:
        grey = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
    else:
        grey = np.ascontiguousarray(rgb)
    height, width = grey.shape[:2]
    if min(height, width) < 24:
        return []
    scale = min(1.0, WORK_SIDE / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(grey)
    smallest = max(20, int(min(grey.shape[:2]) * MIN_FACE_FRACTION))
    found = _cascade().detectMultiScale(
        grey, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(smallest, smallest)
    )
    boxes = [tuple(int(round(v / scale)) for v in box) for box in found]
    return sorted(boxes, key=lambda b: (b[0], b[1]))  # type: ignore[return-value]
