"""Video generation requests checked before anything is sent: the contract's limits, mutually exclusive
reference fields, model/resolution combinations, and the "image N" prompt helper. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MODELS = (
    "doubao-seedance-2.0-face",
    "doubao-seedance-2.0-fast-face",
    "doubao-seedance-2.0",
    "doubao-seedance-2.0-fast",
)
FACE_MODELS = MODELS[:2]
SIZES = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive")
RESOLUTIONS = ("480p", "720p", "1080p")
ROLES = ("reference_image", "first_frame", "last_frame")
MAX_PROMPT = 4000
MAX_IMAGES, MAX_VIDEOS, MAX_AUDIOS = 9, 3, 3
MIN_DURATION, MAX_DURATION = 4, 15


@dataclass(frozen=True)
class PickedImage:
    url: str
    role: str = "reference_image"
    name: str = ""


def resolutions_for(model: str) -> tuple[str, ...]:
    # 1080p exists only for the non-fast models.
    return RESOLUTIONS[:2] if "-fast" in model else RESOLUTIONS


def problems(
    *,
    prompt: str,
    model: str,
    duration: int,
    size: str,
    resolution: str,
    images: Sequence[PickedImage],
    video_urls: Sequence[str] = (),
    audio_urls: Sequence[str] = (),
    seed: int | None = None,
) -> list[str]:
    """Every reason the request would be refused, in words an operator can act on (empty: send it)."""
    found = []
    if not prompt.strip():
        found.append("Write a prompt: it says what the video shows.")
    if len(prompt) > MAX_PROMPT:
        found.append(f"The prompt is {len(prompt)} characters; at most {MAX_PROMPT}.")
    if model not in MODELS:
        found.append(f"Unknown model {model!r}.")
    if not MIN_DURATION <= duration <= MAX_DURATION:
        found.append(f"Duration must be {MIN_DURATION}-{MAX_DURATION} seconds.")
    if size not in SIZES:
        found.append(f"Size must be one of {', '.join(SIZES)}.")
    if resolution not in resolutions_for(model):
        found.append(
            f"{resolution} is not available with {model}: choose {' or '.join(resolutions_for(model))}, or a non-fast model."
        )
    if len(images) > MAX_IMAGES:
        found.append(f"{len(images)} images picked; at most {MAX_IMAGES}.")
    roles = [i.role for i in images]
    for role in ("first_frame", "last_frame"):
        if roles.count(role) > 1:
            found.append(f"Only one image can be the {role.replace('_', ' ')}.")
    if any(r not in ROLES for r in roles):
        found.append("Each image role must be reference image, first frame or last frame.")
    if len(video_urls) > MAX_VIDEOS:
        found.append(f"At most {MAX_VIDEOS} reference videos.")
    if len(audio_urls) > MAX_AUDIOS:
        found.append(f"At most {MAX_AUDIOS} reference audio files.")
    for url in [*video_urls, *audio_urls]:
        if not (url.startswith(("http://", "https://", "asset://"))):
            found.append(f"{url[:60]} is not an http(s) or asset:// URL.")
    if not images and not video_urls:
        found.append("Pick at least one approved asset: the -face models need the person's asset.")
    if seed is not None and not (-1 <= seed <= 2**32 - 1):
        found.append("Seed must be between -1 and 4294967295.")
    return found


def uses_roles(images: Sequence[PickedImage]) -> bool:
    """`image_urls` and `image_with_roles` are mutually exclusive: roles go out only when one is not the
    default reference role."""
    return any(i.role != "reference_image" for i in images)


def image_reference_text(images: Sequence[PickedImage]) -> str:
    """Upstream prompts refer to pictures by position ("image 1"), not by id."""
    return ", ".join(f"image {n} ({i.name or 'asset'})" for n, i in enumerate(images, start=1))
