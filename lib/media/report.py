"""What the media check found in one file, as data: facts read from the content, findings (each a code, a
severity and its facts; phrases are made in lib/ui), and the fixes that would make it pass. No prose here.

Finding codes: any file: empty, format, unreadable, file_size, aspect, faces; pictures: too_many_pixels,
too_small, too_large, orientation, heic; videos: duration, fps, pixels_low, pixels_high, codec, container."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    IMAGE = "Image"  # the API's asset_type values
    VIDEO = "Video"
    UNKNOWN = ""


class Severity(str, Enum):
    REFUSED = "refused"  # cannot be sent (and cannot be fixed: not a picture, truncated, a bomb ...)
    FIXABLE = "fixable"  # would fail upstream as it is; a fix in `fixes` makes it pass
    WARNING = "warning"  # may fail (no face, two faces, pixels above the uncertain bound): sendable


class Fix(str, Enum):
    TO_JPEG = "to_jpeg"  # HEIC/WebP/BMP/TIFF/GIF -> JPEG
    ROTATE = "rotate"  # apply the EXIF orientation to the pixels
    DOWNSCALE = "downscale"  # longest side <= 6000 and size under 30 MB
    PAD_ASPECT = "pad_aspect"  # pad into 0.4-2.5 (nothing cut)
    CROP_ASPECT = "crop_aspect"  # crop into 0.4-2.5, the face kept in frame
    TRANSCODE = (
        "transcode"  # video: H.264 MP4, fps capped at 30, scaled into the pixel range, trimmed to 15 s
    )


@dataclass(frozen=True)
class Finding:
    code: str  # e.g. "too_small", "aspect", "too_large", "format", "faces", "duration", "fps", "pixels"
    severity: Severity
    facts: dict = field(default_factory=dict)  # numbers for the phrase: {"width": 200, "min": 300} ...
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True)
class MediaReport:
    kind: Kind
    format: str  # by content: "jpeg", "png", "heic", "mp4", "mov" ... ("" when unreadable)
    size: int  # bytes
    width: int = 0  # as displayed (after EXIF orientation)
    height: int = 0
    seconds: float = 0.0  # videos
    fps: float = 0.0
    codec: str = ""  # videos: "h264", "hevc" ...
    faces: int | None = None  # None: not looked for (unreadable); videos: the most seen in a sampled frame
    face_frame: bytes | None = None  # a JPEG of the frame where faces were not one (shown beside the warning)
    findings: tuple[Finding, ...] = ()

    @property
    def refused(self) -> bool:
        return any(f.severity is Severity.REFUSED for f in self.findings)

    @property
    def passes(self) -> bool:
        """Sendable as it is: nothing refused and nothing that needs a fix (warnings allowed)."""
        return not any(f.severity in (Severity.REFUSED, Severity.FIXABLE) for f in self.findings)

    @property
    def fixes(self) -> tuple[Fix, ...]:
        """The fixes on offer, once each, in the order of the findings."""
        seen: dict[Fix, None] = {}
        for finding in self.findings:
            for fix in finding.fixes:
                seen.setdefault(fix)
        return tuple(seen)

    def to_dict(self) -> dict:
        """JSON-ready, for the store (face_frame is kept apart, as bytes)."""
        return {
            "kind": self.kind.value,
            "format": self.format,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "seconds": self.seconds,
            "fps": self.fps,
            "codec": self.codec,
            "faces": self.faces,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity.value,
                    "facts": f.facts,
                    "fixes": [x.value for x in f.fixes],
                }
                for f in self.findings
            ],
        }

    @classmethod
    def from_dict(cls, data: dict, face_frame: bytes | None = None) -> MediaReport:
        return cls(
            kind=Kind(data.get("kind", "")),
            format=data.get("format", ""),
            size=int(data.get("size", 0)),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
            seconds=float(data.get("seconds", 0.0)),
            fps=float(data.get("fps", 0.0)),
            codec=data.get("codec", ""),
            faces=data.get("faces"),
            face_frame=face_frame,
            findings=tuple(
                Finding(
                    f["code"],
                    Severity(f["severity"]),
                    dict(f.get("facts", {})),
                    tuple(Fix(x) for x in f.get("fixes", ())),
                )
                for f in data.get("findings", ())
            ),
        )
