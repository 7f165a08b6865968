"""What a file is, from its first bytes (magic numbers), never from its name or a declared type. It reads no
file itself: the caller passes the head (64 bytes is enough)."""

from __future__ import annotations

from lib.media.report import Kind

HEAD_BYTES = 64

# ISO-BMFF "ftyp" brands (bytes 8-12, then the compatible brands).
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1"}  # the generic HEIF image brands (AVIF files list them too)
_AVIF_BRANDS = {b"avif", b"avis"}  # not among upstream's formats
_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
               b"M4VH", b"M4VP", b"dash", b"mmp4", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"f4v ", b"XAVC",
               b"MSNV", b"NDAS"}  # fmt: skip
_MOV_BRAND = b"qt  "
# QuickTime files may open with another atom than ftyp (older cameras, some editors).
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> tuple[Kind, str]:
    """(Kind.IMAGE, "jpeg"|"png"|"webp"|"bmp"|"tiff"|"gif"|"heic"|"heif"), (Kind.VIDEO, "mp4"|"mov"), or
    (Kind.UNKNOWN, "") for anything else, a program renamed .jpg included."""
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.IMAGE, "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.IMAGE, "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.IMAGE, "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Kind.IMAGE, "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Kind.IMAGE, "tiff"
    if head[:2] == b"BM" and len(head) >= 18 and head[6:10] == b"\x00\x00\x00\x00":  # reserved bytes are 0
        return Kind.IMAGE, "bmp"
    return _iso_bmff(head)


def _iso_bmff(head: bytes) -> tuple[Kind, str]:
    if len(head) < 12 or head[4:8] != b"ftyp":
        if len(head) >= 8 and head[4:8] in _MOV_ATOMS:
            return Kind.VIDEO, "mov"
        return Kind.UNKNOWN, ""
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(len(head), box_size) if box_size >= 16 else len(head)
    brands = {major, *(head[i : i + 4] for i in range(16, end - 3, 4))}
    if brands & _HEIC_BRANDS:
        return Kind.IMAGE, "heic"
    if brands & _AVIF_BRANDS:
        return Kind.UNKNOWN, ""
    if major == _MOV_BRAND:
        return Kind.VIDEO, "mov"
    if major in _MP4_BRANDS:
        return Kind.VIDEO, "mp4"
    if brands & _HEIF_BRANDS:
        return Kind.IMAGE, "heif"
    if _MOV_BRAND in brands:
        return Kind.VIDEO, "mov"
    if brands & _MP4_BRANDS:
        return Kind.VIDEO, "mp4"
    return Kind.UNKNOWN, ""
