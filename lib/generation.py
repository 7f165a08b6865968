"""Video generation requests checked before anything is sent: the contract's limits (9 images, 3 videos,
3 audios, 12 references, 15 s of video), mutually exclusive reference fields, model/resolution combinations;
the references an operator can pick (approved assets by kind), labelled as prompts name them ("image 1",
"video 1", "audio 1"); and the page's choices kept across page changes. Pure: no Streamlit, no HTTP. The
operator's sentences (`problems`, `unknown_lengths`) take a translator `_` (English by default); the
references' labels stay as Seedance's prompts name them, in every language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from lib.apimart import ImageWithRole, VideoRequest
from lib.i18n import N_, Translator, translator
from lib.ledger import USABLE, AssetLedger, ReviewTask

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
MAX_REFERENCES = 12  # images, videos and audios together
MAX_VIDEO_SECONDS = 15  # the video references' lengths added up
IMAGE, VIDEO, AUDIO = "image", "video", "audio"
KIND_OF_ASSET_TYPE = {"Image": IMAGE, "Video": VIDEO, "Audio": AUDIO}
LIMITS = {IMAGE: MAX_IMAGES, VIDEO: MAX_VIDEOS, AUDIO: MAX_AUDIOS}
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
    # How long each of video_urls lasts, in the same order, when known (None or missing: not known).
    video_seconds: Sequence[float | None] = ()

    def references(self) -> list[tuple[str, str]]:
        """(label, url) of every reference, labelled by kind and position as the prompt names them."""
        return (
            [(f"{IMAGE} {n}", i.url) for n, i in enumerate(self.images, start=1)]
            + [(f"{VIDEO} {n}", u) for n, u in enumerate(self.video_urls, start=1)]
            + [(f"{AUDIO} {n}", u) for n, u in enumerate(self.audio_urls, start=1)]
        )


ENGLISH = translator("en")
# How the page names an image's role (ROLES are the API's values).
ROLE_NAMES = {
    "reference_image": N_("reference image"),
    "first_frame": N_("first frame"),
    "last_frame": N_("last frame"),
}


def _remove(count: int, limit: int, _: Translator) -> str:
    extra = count - limit
    return _("remove {n}").format(n=extra) if extra > 1 else _("remove one")


EMPTY_PROMPT = N_("Write a prompt: it says what the video shows.")


def problems(spec: GenerationSpec, _: Translator = ENGLISH) -> list[str]:
    """Every reason the request would be refused, in words an operator can act on (empty: send it)."""
    return _setting_problems(spec, _) + _reference_problems(spec, _) + _role_and_url_problems(spec, _)


def _setting_problems(spec: GenerationSpec, _: Translator) -> list[str]:
    """The prompt, model, duration, size, resolution and seed."""
    found = []
    if not spec.prompt.strip():
        found.append(_(EMPTY_PROMPT))
    if len(spec.prompt) > MAX_PROMPT:
        found.append(
            _("The prompt is {length} characters; at most {limit}.").format(length=len(spec.prompt), limit=MAX_PROMPT)
        )
    if spec.model not in MODELS:
        found.append(_("Unknown model {model}.").format(model=repr(spec.model)))
    if not MIN_DURATION <= spec.duration <= MAX_DURATION:
        found.append(_("Duration must be {low}-{high} seconds.").format(low=MIN_DURATION, high=MAX_DURATION))
    if spec.size not in SIZES:
        found.append(_("Size must be one of {sizes}.").format(sizes=", ".join(SIZES)))
    if spec.resolution not in resolutions_for(spec.model):
        allowed = _(" or ").join(resolutions_for(spec.model))
        found.append(
            _("{resolution} is not available with {model}: choose {allowed}, or a non-fast model.").format(
                resolution=spec.resolution, model=spec.model, allowed=allowed
            )
        )
    if spec.seed is not None and not (-1 <= spec.seed <= 2**32 - 1):
        found.append(_("Seed must be between -1 and 4294967295."))
    return found


def _reference_problems(spec: GenerationSpec, _: Translator) -> list[str]:
    """How many images, videos and audio files, together and each, and the videos' total length."""
    found = []
    images, videos, audios = len(spec.images), len(spec.video_urls), len(spec.audio_urls)
    if images > MAX_IMAGES:
        found.append(
            _("{n} images picked; a video can use at most {limit}: {remove}.").format(
                n=images, limit=MAX_IMAGES, remove=_remove(images, MAX_IMAGES, _)
            )
        )
    if videos > MAX_VIDEOS:
        found.append(
            _("{n} videos picked; a video can use at most {limit}: {remove}.").format(
                n=videos, limit=MAX_VIDEOS, remove=_remove(videos, MAX_VIDEOS, _)
            )
        )
    if audios > MAX_AUDIOS:
        found.append(
            _("{n} audio files given; a video can use at most {limit}: {remove}.").format(
                n=audios, limit=MAX_AUDIOS, remove=_remove(audios, MAX_AUDIOS, _)
            )
        )
    total = images + videos + audios
    if total > MAX_REFERENCES:
        found.append(
            _(
                "{total} references in all ({images} images, {videos} videos, {audios} audio); "
                "a video can use at most {limit} together: {remove}."
            ).format(
                total=total,
                images=images,
                videos=videos,
                audios=audios,
                limit=MAX_REFERENCES,
                remove=_remove(total, MAX_REFERENCES, _),
            )
        )
    known = [s for s in spec.video_seconds[:videos] if s is not None]
    if sum(known) > MAX_VIDEO_SECONDS:
        found.append(
            _("The videos picked last {seconds} s together; at most {limit} s: pick fewer or shorter videos.").format(
                seconds=f"{sum(known):g}", limit=MAX_VIDEO_SECONDS
            )
        )
    if audios and not images and not videos:
        found.append(_("Audio needs at least one image or video next to it: pick the person's asset too."))
    return found


def _role_and_url_problems(spec: GenerationSpec, _: Translator) -> list[str]:
    """The images' roles, the reference URLs, and the person's asset the -face models need."""
    found = []
    roles = [i.role for i in spec.images]
    for role in ("first_frame", "last_frame"):
        if roles.count(role) > 1:
            found.append(_("Only one image can be the {role}.").format(role=_(ROLE_NAMES[role])))
    if any(r not in ROLES for r in roles):
        found.append(_("Each image role must be reference image, first frame or last frame."))
    for url in [*spec.video_urls, *spec.audio_urls]:
        if not url.startswith(("http://", "https://", "asset://")):
            found.append(_("{url} is not an http(s) or asset:// URL.").format(url=url[:60]))
    if not spec.images and not spec.video_urls:
        found.append(_("Pick at least one approved asset: the -face models need the person's asset."))
    return found


def unknown_lengths(spec: GenerationSpec, _: Translator = ENGLISH) -> str:
    """What the page says when a video's length is not known (so the 15 s total cannot be checked here);
    "" when every length is known or there is no video."""
    if len(spec.video_urls) < 2:
        return ""  # an approved clip is 2-15 s (upstream's asset limit), so one alone always fits
    seconds = list(spec.video_seconds) + [None] * len(spec.video_urls)
    unknown = [f"{VIDEO} {n}" for n in range(1, len(spec.video_urls) + 1) if seconds[n - 1] is None]
    if not unknown:
        return ""
    which = (
        unknown[0]
        if len(unknown) == 1
        else _("{first} and {last}").format(first=_(", ").join(unknown[:-1]), last=unknown[-1])
    )
    return _.ngettext(
        "The length of {which} is not known here, so the {limit} s limit for all videos together cannot be "
        "checked before sending: make sure they add up to no more.",
        "The lengths of {which} are not known here, so the {limit} s limit for all videos together cannot be "
        "checked before sending: make sure they add up to no more.",
        len(unknown),
    ).format(which=which, limit=MAX_VIDEO_SECONDS)


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


def reference_text(spec: GenerationSpec) -> str:
    """ "image 1, image 2, video 1": what the prompt calls the references, in the order sent."""
    return ", ".join(label for label, _ in spec.references())


# --- what the operator can pick, and what they picked ---------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """An approved asset a video can be made from."""

    url: str  # asset://…
    kind: str  # IMAGE, VIDEO or AUDIO
    name: str = ""
    person: str = ""  # the person's label, else their group id
    group_id: str = ""
    seconds: float | None = None  # a video's length, when something said it

    @property
    def title(self) -> str:
        return " · ".join(part for part in (self.person, self.name) if part) or self.url


def references(
    saved: Iterable[Mapping], ledger: AssetLedger | None = None, person_label: str = ""
) -> dict[str, Reference]:
    """Approved assets by asset:// URL: every person's from the registry (`Registry.usable_assets` rows, whose
    review task says Image or Video), then those of the current review (`ledger`) the registry lacks. A
    video's length is taken from the review's answer when it gives one; otherwise it stays unknown."""
    found: dict[str, Reference] = {}
    for row in saved:
        url = row.get("asset_url")
        if not url:
            continue
        found[url] = Reference(
            url,
            KIND_OF_ASSET_TYPE.get(row.get("asset_type") or "", VIDEO),
            row.get("name") or "",
            row.get("label") or row.get("group_id") or "",
            row.get("group_id") or "",
        )
    if ledger is not None:
        for asset in ledger.by_status(USABLE):
            url = asset.current.asset_url
            if not url:
                continue
            # The type its request carried, where the attempt keeps one; else the ledger's.
            asset_type = getattr(asset.current, "asset_type", "") or ledger.asset_type
            known = found.get(url) or Reference(
                url,
                KIND_OF_ASSET_TYPE.get(asset_type, VIDEO),
                asset.name,
                person_label or ledger.group_id,
                ledger.group_id,
            )
            seconds = _seconds(ledger.tasks.get(asset.current.task_id), url)
            found[url] = known if seconds is None else replace(known, seconds=seconds)
    return found


def _seconds(task: ReviewTask | None, asset_url: str) -> float | None:
    result = ((task.raw if task else None) or {}).get("result") or {}
    for key in ("usable_assets", "assets"):
        items = result.get(key) if isinstance(result, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and item.get("asset_url") == asset_url:
                value = item.get("duration")
                if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                    return float(value)
    return None


def default_picks(refs: Mapping[str, Reference], group_id: str, picks: Sequence[str] = ()) -> list[str]:
    """What the Generate page starts with: `picks` when given (the Review page's "Generate a video with
    these" button), else the current person's approved assets, as many as one request may carry."""
    if picks:
        return [url for url in dict.fromkeys(picks) if url in refs]
    chosen: list[str] = []
    counts = dict.fromkeys(LIMITS, 0)
    for url, ref in refs.items():
        if ref.group_id != group_id or counts[ref.kind] >= LIMITS[ref.kind] or len(chosen) >= MAX_REFERENCES:
            continue
        chosen.append(url)
        counts[ref.kind] += 1
    return chosen


def split_urls(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class GenerateChoices:
    """The Generate page's choices, kept on the session's Workflow: Streamlit wipes a widget's value when
    the operator opens another page; these come back as the widgets' values on return."""

    assets: list[str] | None = None  # asset:// URLs picked, in order; None: never picked nor preselected
    # False until the operator picks by hand: the page may preselect again (new approvals, another person).
    picked_by_operator: bool = False
    handed_over: list[str] = field(default_factory=list)  # the Review page's last picks, once applied
    roles: dict[str, str] = field(default_factory=dict)  # image asset URL -> role
    prompt: str = ""
    video_urls: str = ""  # as typed, one per line
    audio_urls: str = ""
    model: str = MODELS[0]
    duration: int = 5
    size: str = SIZES[0]
    resolution: str = "720p"
    fixed_seed: bool = False
    seed: int = 42
    generate_audio: bool = True

    def spec(self, refs: Mapping[str, Reference]) -> GenerationSpec:
        """The request these choices make: picked assets by kind (in the order picked), then typed URLs."""
        picked = [refs[url] for url in self.assets or [] if url in refs]
        by_kind = {kind: [r for r in picked if r.kind == kind] for kind in LIMITS}
        videos = by_kind[VIDEO]
        return GenerationSpec(
            prompt=self.prompt,
            model=self.model,
            duration=self.duration,
            size=self.size,
            resolution=self.resolution,
            images=tuple(PickedImage(r.url, self.roles.get(r.url, ROLES[0]), r.name) for r in by_kind[IMAGE]),
            video_urls=tuple([r.url for r in videos] + split_urls(self.video_urls)),
            audio_urls=tuple([r.url for r in by_kind[AUDIO]] + split_urls(self.audio_urls)),
            video_seconds=tuple(r.seconds for r in videos),
            seed=self.seed if self.fixed_seed else None,
            generate_audio=self.generate_audio,
        )
