"""Video generation requests checked before anything is sent: the contract's limits, mutually exclusive
reference fields, model/resolution combinations, and the "image N" prompt helper. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lib.apimart import ImageWithRole, VideoRequest

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


@dataclass(frozen=True)
class GenerationSpec:
    """What the operator chose on the page; checked by `problems`, sent as `to_request`."""

    prompt: str
    model: str = MODELS[0]
    duration: int = 5
    size: str = "16:9"
    resolution: str = "720p"
    images: Sequence[PickedImage] = ()
    video_urls: Sequence[str] = ()
    audio_urls: Sequence[str] = ()
    seed: int | None = None
    generate_audio: bool = True


def problems(spec: GenerationSpec) -> list[str]:
    """Every reason the request would be refused, in words an operator can act on (empty: send it)."""
    found = []
    if not spec.prompt.strip():
        found.append("Write a prompt: it says what the video shows.")
    if len(spec.prompt) > MAX_PROMPT:
        found.append(f"The prompt is {len(spec.prompt)} characters; at most {MAX_PROMPT}.")
    if spec.model not in MODELS:
        found.append(f"Unknown model {spec.model!r}.")
    if not MIN_DURATION <= spec.duration <= MAX_DURATION:
        found.append(f"Duration must be {MIN_DURATION}-{MAX_DURATION} seconds.")
    if spec.size not in SIZES:
        found.append(f"Size must be one of {', '.join(SIZES)}.")
    if spec.resolution not in resolutions_for(spec.model):
        allowed = " or ".join(resolutions_for(spec.model))
        found.append(
            f"{spec.resolution} is not available with {spec.model}: choose {allowed}, or a non-fast model."
        )
    if len(spec.images) > MAX_IMAGES:
        found.append(f"{len(spec.images)} images picked; at most {MAX_IMAGES}.")
    roles = [i.role for i in spec.images]
    for role in ("first_frame", "last_frame"):
        if roles.count(role) > 1:
            found.append(f"Only one image can be the {role.replace('_', ' ')}.")
    if any(r not in ROLES for r in roles):
        found.append("Each image role must be reference image, first frame or last frame.")
    if len(spec.video_urls) > MAX_VIDEOS:
        found.append(f"At most {MAX_VIDEOS} reference videos.")
    if len(spec.audio_urls) > MAX_AUDIOS:
        found.append(f"At most {MAX_AUDIOS} reference audio files.")
    for url in [*spec.video_urls, *spec.audio_urls]:
        if not url.startswith(("http://", "https://", "asset://")):
            found.append(f"{url[:60]} is not an http(s) or asset:// URL.")
    if not spec.images and not spec.video_urls:
        found.append("Pick at least one approved asset: the -face models need the person's asset.")
    if spec.seed is not None and not (-1 <= spec.seed <= 2**32 - 1):
        found.append("Seed must be between -1 and 4294967295.")
    return found


def to_request(spec: GenerationSpec) -> VideoRequest:
    # image_urls and image_with_roles are mutually exclusive: roles go out only when one is needed.
    with_roles = uses_roles(spec.images)
    return VideoRequest(
        prompt=spec.prompt,
        model=spec.model,
        duration=spec.duration,
        size=spec.size,
        resolution=spec.resolution,
        seed=spec.seed,
        generate_audio=spec.generate_audio,
        image_urls=() if with_roles else tuple(i.url for i in spec.images),
        image_with_roles=tuple(ImageWithRole(i.url, i.role) for i in spec.images) if with_roles else (),
        video_urls=tuple(spec.video_urls),
        audio_urls=tuple(spec.audio_urls),
    )


def uses_roles(images: Sequence[PickedImage]) -> bool:
    """Roles are needed only when an image is not a plain reference image."""
    return any(i.role != "reference_image" for i in images)


def image_reference_text(images: Sequence[PickedImage]) -> str:
    """Upstream prompts refer to pictures by position ("image 1"), not by id."""
    return ", ".join(f"image {n} ({i.name or 'asset'})" for n, i in enumerate(images, start=1))
