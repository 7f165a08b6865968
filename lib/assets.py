"""Asset lists: parse what the operator pastes or uploads, check every row before anything is sent,
and split the list into API-sized batches. Pure: no HTTP, no Streamlit."""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar
from urllib.parse import unquote, urlsplit

# At most 20 assets per request (documented for the sibling private-avatar endpoint, assumed here).
MAX_ASSETS_PER_REQUEST = 20
MAX_NAME_LENGTH = 64
ASSET_TYPES = ("Video", "Image")

EXTENSIONS = {
    "Image": frozenset({"jpeg", "jpg", "png", "webp", "bmp", "tiff", "tif", "gif", "heic", "heif"}),
    "Video": frozenset({"mp4", "mov"}),
}
# Upstream size limits, used by the optional reachability probe.
MAX_BYTES = {"Image": 30 * 1024 * 1024, "Video": 50 * 1024 * 1024}

T = TypeVar("T")


@dataclass(frozen=True)
class AssetRow:
    """One asset as the operator typed it; `name` may be empty (it is then derived from the URL)."""

    url: str
    name: str = ""


@dataclass(frozen=True)
class RowCheck:
    """The pre-flight verdict on one row: the name that will be sent, and every problem found."""

    index: int
    url: str
    name: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


def _looks_like_url(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text.strip()))


def _row_from_fields(fields: Sequence[str]) -> AssetRow | None:
    fields = [f.strip() for f in fields if f is not None]
    fields = [f for f in fields if f]
    if not fields:
        return None
    if len(fields) == 1:
        return AssetRow(url=fields[0])
    # "name, url" is the documented form; accept "url, name" too, since people paste both.
    first, rest = fields[0], ",".join(fields[1:]).strip()
    if _looks_like_url(first) and not _looks_like_url(rest):
        return AssetRow(url=first, name=rest)
    return AssetRow(url=rest, name=first)


def parse_pasted(text: str) -> list[AssetRow]:
    """One asset per line: `url`, or `name, url` (a tab works as well as a comma). Blank lines and
    lines starting with # are skipped."""
    rows: list[AssetRow] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if _looks_like_url(line) and "," not in line and "\t" not in line:
            rows.append(AssetRow(url=line))
            continue
        sep = "\t" if "\t" in line else ","
        row = _row_from_fields(line.split(sep, 1))
        if row:
            rows.append(row)
    return rows


def parse_csv(data: bytes | str) -> list[AssetRow]:
    """A CSV with a header naming `url` (or `source_url`/`link`) and optionally `name`; a CSV with no
    such header is read like a pasted list."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text))
    records = [r for r in reader if any(cell.strip() for cell in r)]
    if not records:
        return []
    header = [h.strip().lower() for h in records[0]]
    url_col = next((header.index(h) for h in ("url", "source_url", "link", "asset_url") if h in header), None)
    if url_col is None:
        return [row for r in records if (row := _row_from_fields(r))]
    name_col = header.index("name") if "name" in header else None
    rows = []
    for r in records[1:]:
        url = r[url_col].strip() if url_col < len(r) else ""
        name = r[name_col].strip() if name_col is not None and name_col < len(r) else ""
        if url or name:
            rows.append(AssetRow(url=url, name=name))
    return rows


def name_from_url(url: str) -> str:
    """A readable default name: the file name without its extension, trimmed to the API's limit."""
    path = unquote(urlsplit(url.strip()).path)
    stem = PurePosixPath(path).stem or urlsplit(url.strip()).hostname or "asset"
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "asset"
    return stem[:MAX_NAME_LENGTH]


def url_extension(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url.strip()).path)).suffix.lower().lstrip(".")


def _url_problem(url: str) -> str | None:
    if not url:
        return "URL is empty"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        return f"URL must start with http:// or https:// (found {shown})"
    if not host:
        return "URL has no host name"
    if " " in url:
        return "URL contains spaces: encode them as %20"
    if host == "localhost" or host.endswith(".local"):
        return "URL is not public: APIMart's servers cannot download from this computer"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.is_private or ip.is_loopback or ip.is_link_local:
        return "URL is not public: APIMart's servers cannot download from a private address"
    return None


def _extension_problem(url: str, asset_type: str) -> str | None:
    ext = url_extension(url)
    allowed = EXTENSIONS[asset_type]
    if not ext or ext in allowed:
        # No extension (e.g. a signed CDN link) cannot be judged here; the probe can check its type.
        return None
    other = next((t for t, exts in EXTENSIONS.items() if ext in exts), None)
    if other:
        return f".{ext} is a {other.lower()} file, but the asset type is {asset_type}"
    return f".{ext} is not a supported {asset_type.lower()} format ({', '.join(sorted(allowed))})"


def _normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def check_rows(rows: Sequence[AssetRow], asset_type: str) -> list[RowCheck]:
    """Check every row: URL form, extension against the type, duplicates, name length. Empty names are
    filled from the URL so the operator sees exactly what will be sent."""
    if asset_type not in EXTENSIONS:
        raise ValueError(f"asset type must be one of {ASSET_TYPES}")
    seen_urls: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    checks = []
    for index, row in enumerate(rows):
        url = (row.url or "").strip()
        name = (row.name or "").strip() or (name_from_url(url) if url else "")
        problems = []
        if url_problem := _url_problem(url):
            problems.append(url_problem)
        elif ext_problem := _extension_problem(url, asset_type):
            problems.append(ext_problem)
        if url:
            key = _normalised(url)
            if key in seen_urls:
                problems.append(f"duplicate of row {seen_urls[key] + 1}")
            else:
                seen_urls[key] = index
        if len(name) > MAX_NAME_LENGTH:
            problems.append(f"name is {len(name)} characters; at most {MAX_NAME_LENGTH}")
        elif name:
            if name in seen_names:
                problems.append(f"same name as row {seen_names[name] + 1}: names must tell assets apart")
            else:
                seen_names[name] = index
        checks.append(RowCheck(index=index, url=url, name=name, problems=tuple(problems)))
    return checks


def batched(items: Iterable[T], size: int = MAX_ASSETS_PER_REQUEST) -> list[list[T]]:
    """Split into consecutive batches of at most `size`, keeping order."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def request_count(n_assets: int) -> int:
    return -(-n_assets // MAX_ASSETS_PER_REQUEST) if n_assets > 0 else 0
