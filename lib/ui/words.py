"""The words an operator reads for what the app stores as codes: asset and video statuses, counts. Codes
stay codes in the store, exports and tests; pages put them through here before showing them. Plain
data and string helpers only; nothing here renders.

The words are English msgids (marked with N_): `count`, `assets`, `asset_status` and `video_status` give the
English; a converted page passes its translator to `assets_in`, `asset_status_in`, `video_status_in`, whose
plurals come from the catalog."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.i18n import N_, Translator
from lib.i18n import translator as _translator
from lib.store.codes import AssetStatus, VideoStatus

PENDING, USABLE, FAILED = AssetStatus.PENDING, AssetStatus.USABLE, AssetStatus.FAILED
SENDING, UNKNOWN = AssetStatus.SENDING, AssetStatus.UNKNOWN
# What a request whose answer was lost reads as (a video's "unknown", a send that may have gone out).
UNKNOWN_OUTCOME = N_("may have been sent: decide on Start")
MAY_HAVE_BEEN_SENT = N_("may have been sent")

# An asset's review status (lib.ledger), as the person in front of the screen says it.
ASSET_STATUS = {
    PENDING: N_("being checked"),
    USABLE: N_("approved"),
    FAILED: N_("not approved"),
    UNKNOWN: MAY_HAVE_BEEN_SENT,
    SENDING: MAY_HAVE_BEEN_SENT,  # read back after a restart, a write-ahead row means the same thing
}

# A video's status: upstream's task statuses plus the app's own (lib.store.codes.VideoStatus).
VIDEO_STATUS = {
    VideoStatus.SUBMITTING: N_("being sent"),
    VideoStatus.SUBMITTED: N_("waiting to start"),
    VideoStatus.PENDING: N_("waiting to start"),
    VideoStatus.PROCESSING: N_("being made"),
    VideoStatus.COMPLETED: N_("ready"),
    VideoStatus.FAILED: N_("failed"),
    VideoStatus.CANCELLED: N_("cancelled"),
    VideoStatus.NOT_SENT: N_("not sent"),
    VideoStatus.DISMISSED: N_("not sent again"),
    VideoStatus.UNKNOWN: UNKNOWN_OUTCOME,  # also lib.library.video_status's reading of a lost answer
}

# The Library's filter and the review's counts, by status code.
ASSET_FILTER = {"all": N_("all"), USABLE: N_("approved"), FAILED: N_("not approved"), PENDING: N_("being checked")}


def _blank(code: object) -> bool:
    return code is None or (isinstance(code, float) and math.isnan(code)) or str(code).strip() == ""


def asset_status(code: object) -> str:
    """"approved", "not approved", "being checked", "may have been sent"; "" for no status; an unknown code
    as itself (never hidden)."""
    if _blank(code):
        return ""
    return ASSET_STATUS.get(str(code), str(code))


def video_status(code: object) -> str:
    """"ready", "being made", "failed", …; "" for no status; an unknown code as itself."""
    if _blank(code):
        return ""
    return VIDEO_STATUS.get(str(code), str(code))


def count(n: int, singular: str, plural: str | None = None) -> str:
    """"1 asset", "3 assets", "no assets": never "asset(s)"."""
    many = plural or f"{singular}s"
    if n == 0:
        return f"no {many}"
    return f"{n} {singular if n == 1 else many}"


def assets(n: int, asset_type: str = "") -> str:
    """Assets as the operator calls them: "1 photo", "3 clips", "2 photos or clips" (type unknown)."""
    kind = str(asset_type or "").lower()
    if kind.startswith("image"):
        return count(n, "photo")
    if kind.startswith("video"):
        return count(n, "clip")
    return count(n, "photo or clip", "photos or clips")


REVIEW_KINDS = {"Image": ("photo", "photos"), "Video": ("clip", "clips")}


@dataclass(frozen=True)
class Kind:
    """What the review page calls one and several of a list's assets: photo(s), clip(s), or both mixed."""

    one: str
    many: str
    none: str = ""  # "no photos or clips" where "many" says "photos and clips"

    def count(self, n: int) -> str:
        """"1 clip", "0 clips": a count as the review page says it (never "no clips")."""
        return f"{n} {self.one if n == 1 else self.many}"

    def no(self) -> str:
        """"No clips", "No photos or clips": none of them, as a sentence starts."""
        return f"No {self.none or self.many}"


def review_kind(asset_type: str) -> Kind:
    """By the review's one type; "" (photos and clips sent together) names both."""
    return Kind(*REVIEW_KINDS.get(asset_type, ("photo or clip", "photos and clips", "photos or clips")))


# ------------------------------------------------------------------ the same words through a translator

ENGLISH = _translator("en")


def sentence(text: str) -> str:
    """`text` starting with a capital letter (a no-op for Chinese), the rest untouched."""
    return text[:1].upper() + text[1:]


def assets_in(_: Translator, n: int, asset_type: str = "") -> str:
    """`assets` in `_`'s language: "1 photo", "3 clips", "no photos or clips" / "1 张照片", "3 段视频"."""
    kind = str(asset_type or "").lower()
    if kind.startswith("image"):
        return _.ngettext("{n} photo", "{n} photos", n).format(n=n) if n else _("no photos")
    if kind.startswith("video"):
        return _.ngettext("{n} clip", "{n} clips", n).format(n=n) if n else _("no clips")
    return _.ngettext("{n} photo or clip", "{n} photos or clips", n).format(n=n) if n else _("no photos or clips")


def asset_status_in(_: Translator, code: object) -> str:
    """`asset_status` in `_`'s language; an unknown code as itself."""
    word = asset_status(code)
    return _(word) if str(code) in ASSET_STATUS else word


def video_status_in(_: Translator, code: object) -> str:
    """`video_status` in `_`'s language; an unknown code as itself."""
    word = video_status(code)
    return _(word) if str(code) in VIDEO_STATUS else word


# A review's assets by its one type: (one, many, none), msgids. In English these read as `Kind`'s words.
REVIEW_KIND_WORDS = {
    "Image": (N_("photo"), N_("photos"), N_("photos")),
    "Video": (N_("clip"), N_("clips"), N_("clips")),
    "": (N_("photo or clip"), N_("photos and clips"), N_("photos or clips")),
}


@dataclass(frozen=True)
class KindIn:
    """`Kind` in a translator's language (the review page's words for its assets); counts from the catalog."""

    _: Translator
    asset_type: str  # "Image", "Video", or "" (photos and clips sent together)

    @property
    def one(self) -> str:
        return self._(REVIEW_KIND_WORDS[self.asset_type][0])

    @property
    def many(self) -> str:
        return self._(REVIEW_KIND_WORDS[self.asset_type][1])

    @property
    def none(self) -> str:
        return self._(REVIEW_KIND_WORDS[self.asset_type][2])

    def count(self, n: int) -> str:
        """"1 clip", "0 clips" / "1 段视频": a count as the review page says it (never "no clips")."""
        _ = self._
        if self.asset_type == "Image":
            return _.ngettext("{n} photo", "{n} photos", n).format(n=n)
        if self.asset_type == "Video":
            return _.ngettext("{n} clip", "{n} clips", n).format(n=n)
        return _.npgettext("review", "{n} photo or clip", "{n} photos and clips", n).format(n=n)

    def no(self) -> str:
        """"No clips", "No photos or clips": none of them, as a sentence starts."""
        return self._("No {assets}").format(assets=self.none)


def review_kind_in(_: Translator, asset_type: str) -> KindIn:
    """`review_kind` in `_`'s language."""
    return KindIn(_, asset_type if asset_type in REVIEW_KIND_WORDS else "")
