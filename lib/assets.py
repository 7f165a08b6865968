"""Asset lists: parse what the operator pastes or uploads, check every row before anything is sent,
and split the list into API-sized batches. Pure: no HTTP, no Streamlit."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from lib import netguard
from lib.apimart.models import BATCH_SIZE
from lib.i18n import N_, Said, said_of
from lib.media import limits

# At most this many assets per request (lib/apimart/models.BATCH_SIZE, the one definition).
MAX_ASSETS_PER_REQUEST = BATCH_SIZE
MAX_NAME_LENGTH = 64
# Long enough for signed CDN/OSS links with a security token; beyond it a URL is a paste gone wrong.
MAX_URL_LENGTH = 4096
ASSET_TYPES = ("Video", "Image")

EXTENSIONS = {
    "Image": frozenset({"jpeg", "jpg", "png", "webp", "bmp", "tiff", "tif", "gif", "heic", "heif"}),
    "Video": frozenset({"mp4", "mov"}),
}
# Upstream size limits (the one table: lib.media.limits), used by the optional reachability probe.
MAX_BYTES = {"Image": limits.IMAGE.max_bytes, "Video": limits.VIDEO.max_bytes}
# Where a row's type came from (RowCheck.type_from).
TYPE_CHOSEN = "chosen"  # the operator picked it in the row
TYPE_FROM_EXTENSION = "extension"
TYPE_FROM_SERVER = "server"  # the probe's Content-Type
TYPE_DEFAULT = "default"  # the page's "type for rows we cannot detect"
TYPE_GIVEN = "given"  # a caller checked every row against one type
CHOOSE_TYPE = Said(N_("choose Image or Video in the Type column: the URL does not say which it is"))

T = TypeVar("T")


@dataclass(frozen=True)
class AssetRow:
    """One asset as the operator typed it; `name` may be empty (it is then derived from the URL), and so
    may `asset_type` (Auto: detected from the URL's extension, else from the server's Content-Type)."""

    url: str
    name: str = ""
    asset_type: str = ""  # "Image" or "Video" when the operator chose it for this row


@dataclass(frozen=True)
class RowCheck:
    """The pre-flight verdict on one row: the name that will be sent, and every problem found."""

    index: int
    url: str
    name: str
    problems: tuple[str, ...] = ()
    # The type the row is checked against and will be sent as ("" when nobody can tell yet), and where it
    # came from: TYPE_CHOSEN, TYPE_FROM_EXTENSION, TYPE_FROM_SERVER, TYPE_DEFAULT or TYPE_GIVEN.
    asset_type: str = ""
    type_from: str = ""
    url_ok: bool = True  # the URL itself is fine (the probe may ask its server)

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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CSV_DELIMITERS = ",;\t|"
_URL_HEADERS = ("url", "source_url", "source url", "link", "asset_url")


def _looks_like_gb18030(data: bytes) -> bool:
    """GBK/GB18030 (Excel's CSV on a Chinese Windows) writes each character as 2 or 4 bytes, so every run
    of non-ASCII bytes has an even length; Latin-1/cp1252 text has lone accented bytes ("café,")."""
    runs = re.findall(rb"[\x80-\xff]+", data)
    if not runs or any(len(run) % 2 for run in runs):
        return False
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any(
        "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" for ch in text
    )


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of an uploaded CSV and the encoding it was read with: a BOM first (UTF-8, UTF-16,
    UTF-32), then UTF-16 without BOM (every other byte zero), UTF-8, GB18030 when the bytes look like it,
    cp1252, and Latin-1 last (it reads any bytes)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), encoding
            except UnicodeDecodeError:
                break
    odd_zeros, even_zeros = data[1::2].count(0), data[0::2].count(0)
    if len(data) > 1 and max(odd_zeros, even_zeros) > len(data) // 4:
        encoding = "utf-16-le" if odd_zeros > even_zeros else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_gb18030(data):
        return data.decode("gb18030"), "gb18030"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The CSV's delimiter among , ; tab |: the one that splits a known header, else csv.Sniffer's guess
    on the first lines, else a comma."""
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    first = lines[0].lower()
    if first.strip().strip('"') in _URL_HEADERS:
        return ","  # a one-column file: its URLs may hold ; or | themselves
    for delimiter in _CSV_DELIMITERS:
        cells = [c.strip().strip('"') for c in first.split(delimiter)]
        if len(cells) > 1 and any(c in _URL_HEADERS for c in cells):
            return delimiter
    # A URL may hold ; or | itself, so a one-column list of URLs must not be split on them.
    if all(_looks_like_url(line) and "," not in line and "\t" not in line for line in lines):
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse_csv(data: bytes | str) -> list[AssetRow]:
    """A CSV with a header naming `url` (or `source_url`/`link`) and optionally `name`; a CSV with no
    such header is read like a pasted list. The encoding and the delimiter are detected."""
    text = decode_csv(data)[0] if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        records = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error:
        records = [[line] for line in text.splitlines() if line.strip()]
    if not records:
        return []
    header = [h.strip().strip("\ufeff").lower() for h in records[0]]
    url_col = next((header.index(h) for h in _URL_HEADERS if h in header), None)
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


def _path_of(url: str) -> str:
    try:
        return unquote(urlsplit(url.strip()).path)
    except ValueError:
        return ""


def name_from_url(url: str) -> str:
    """A readable default name: the file name without its extension, trimmed to the API's limit."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        host = None
    stem = PurePosixPath(_path_of(url)).stem or host or "asset"
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "asset"
    return stem[:MAX_NAME_LENGTH]


def url_extension(url: str) -> str:
    return PurePosixPath(_path_of(url)).suffix.lower().lstrip(".")


def type_from_extension(url: str) -> str | None:
    """Image or Video by the URL's file extension, or None (no extension, or one of neither kind)."""
    ext = url_extension(url)
    return next((t for t, exts in EXTENSIONS.items() if ext and ext in exts), None)


def type_from_content_type(content_type: str | None) -> str | None:
    """Image or Video by a server's Content-Type (image/..., video/...), or None."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return "Image" if kind.startswith("image/") else "Video" if kind.startswith("video/") else None


# Invisible characters a copy from a web page or a spreadsheet leaves at the edges of a cell.
_EDGE_JUNK = "\ufeff\u200b\u200c\u200d\u2060"


def _trim(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, text.strip().strip(_EDGE_JUNK)
    return text


def _percent_encode(text: str, safe: str) -> str:
    """Encode what may not travel raw (non-ASCII, quotes, brackets), keeping existing %XX escapes."""
    return quote(re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", text), safe=safe + "%")


# Problems are Said (lib.i18n): the English text, which a page can say in the operator's language.
_CONTROL = {
    "URL": N_("URL contains a control character ({char}): retype it"),
    "name": N_("name contains a control character ({char}): retype it"),
}
_INVISIBLE = {
    "URL": N_("URL contains an invisible character ({char}): retype it"),
    "name": N_("name contains an invisible character ({char}): retype it"),
}


def _character_problem(text: str, what: str) -> str | None:
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            return Said(_CONTROL[what], char=f"U+{ord(ch):04X}")
        if category in ("Zs", "Zl", "Zp") and what == "URL":
            return Said(N_("URL contains spaces: encode them as %20"))
        if category == "Cf" and ch != "\u200d":
            return Said(_INVISIBLE[what], char=f"U+{ord(ch):04X}")
    return None


def _split_url(url: str) -> tuple[str, str, int | None, str, str] | str:
    """(scheme, hostname, port, path, query) of an http(s) URL, or the reason it is not one."""
    head = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    scheme = head.group(1).lower() if head else ""
    if not head or ("." in scheme and not url[head.end() :].startswith("//")):
        return Said(N_("URL must start with http:// or https:// (found no scheme)"))
    if scheme not in ("http", "https"):
        return Said(N_("URL must start with http:// or https:// (found {scheme})"), scheme=scheme)
    if not url[head.end() :].startswith("//"):
        return Said(N_("URL must start with http:// or https:// (found {scheme}: without //)"), scheme=scheme)
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as error:
        message = str(error)
        if "Port" in message:
            return Said(N_("port must be a number from 1 to 65535"))
        if "IPv6" in message or "IPv4" in message:
            return Said(N_("the address in [brackets] is not a valid IPv6 address"))
        return Said(N_("host name contains characters that are not allowed"))
    if "@" in parts.netloc:
        return Said(N_("URL contains a user name or password (user:pass@): remove it; it would be sent and stored"))
    if port == 0:
        return Said(N_("port must be a number from 1 to 65535"))
    if not hostname:
        return Said(N_("URL has no host name"))
    return scheme, hostname, port, parts.path, parts.query


def normalise_url(url: str) -> tuple[str, str | None]:
    """The URL as it will be sent (scheme and host in lower case, international host names in IDNA,
    non-ASCII path characters percent-encoded, no fragment, no default port) and the reason it cannot be
    sent, or None. Every private, loopback, link-local or reserved host is refused, in any spelling.
    Offline: a public-looking name is resolved (and refused if private) only by the app's own fetches."""
    url = _trim(url or "")
    if not url:
        return url, Said(N_("URL is empty"))
    if len(url) > MAX_URL_LENGTH:
        return url, Said(
            N_("URL is {length} characters long; at most {limit}"), length=f"{len(url):,}", limit=f"{MAX_URL_LENGTH:,}"
        )
    if problem := _character_problem(url, "URL"):
        return url, problem
    split = _split_url(url)
    if isinstance(split, str):
        return url, split
    scheme, hostname, port, path, query = split
    try:
        host = netguard.normalise_host(hostname)
    except ValueError as error:
        return url, said_of(error)
    default_port = 443 if scheme == "https" else 80
    if problem := netguard.host_problem(host):
        return url, Said(N_("URL is not public: APIMart's servers cannot download from it ({problem})"), problem=problem)
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    sent = urlunsplit(
        (
            scheme,
            netloc,
            _percent_encode(path, "/:@!$&'()*+,;=-._~"),
            _percent_encode(query, "/?:@!$&'()*+,;=-._~"),
            "",
        )
    )
    if len(sent) > MAX_URL_LENGTH:
        return url, Said(
            N_("URL is {length} characters long once encoded; at most {limit}"),
            length=f"{len(sent):,}",
            limit=f"{MAX_URL_LENGTH:,}",
        )
    return sent, None


# A name that starts like a formula runs as one when an export is opened in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@")


def _name_problems(name: str) -> list[str]:
    if len(name) > MAX_NAME_LENGTH:
        return [Said(N_("name is {length} characters; at most {limit}"), length=len(name), limit=MAX_NAME_LENGTH)]
    if problem := _character_problem(name, "name"):
        return [problem]
    if name.startswith(_FORMULA_STARTS):
        return [
            Said(N_("name starts with {sign}: a spreadsheet would read it as a formula; remove the sign"), sign=name[0])
        ]
    if "<" in name or ">" in name:
        return [Said(N_("name contains < or >: use plain words"))]
    return []


def _extension_problem(url: str, asset_type: str) -> str | None:
    ext = url_extension(url)
    allowed = EXTENSIONS[asset_type]
    if not ext or ext in allowed:
        # No extension (e.g. a signed CDN link) cannot be judged here; the probe can check its type.
        return None
    other = next((t for t, exts in EXTENSIONS.items() if ext in exts), None)
    if other == "Image":
        return Said(N_(".{ext} is an image file, but the type is {type}"), ext=ext, type=asset_type)
    if other:
        return Said(N_(".{ext} is a video file, but the type is {type}"), ext=ext, type=asset_type)
    if asset_type == "Image":
        return Said(N_(".{ext} is not a supported image format ({allowed})"), ext=ext, allowed=", ".join(sorted(allowed)))
    return Said(N_(".{ext} is not a supported video format ({allowed})"), ext=ext, allowed=", ".join(sorted(allowed)))


def _unknown_type_problem(url: str) -> str:
    ext = url_extension(url)
    if not ext:
        return CHOOSE_TYPE
    return Said(
        N_(".{ext} is neither a photo nor a video format (photos: {photos}; videos: {videos})"),
        ext=ext,
        photos=", ".join(sorted(EXTENSIONS["Image"])),
        videos=", ".join(sorted(EXTENSIONS["Video"])),
    )


def _row_type(
    row: AssetRow, url: str, given: str | None, detected: Mapping[str, str], default: str | None
) -> tuple[str, str]:
    """The type a row is checked against and sent as, and where it came from; ("", "") when unknown."""
    if row.asset_type in EXTENSIONS:
        return row.asset_type, TYPE_CHOSEN
    if given:
        return given, TYPE_GIVEN
    if url and (by_extension := type_from_extension(url)):
        return by_extension, TYPE_FROM_EXTENSION
    if url and detected.get(url) in EXTENSIONS:
        return detected[url], TYPE_FROM_SERVER
    if default in EXTENSIONS:
        return default, TYPE_DEFAULT
    return "", ""


def check_rows(
    rows: Sequence[AssetRow],
    asset_type: str | None = None,
    *,
    detected: Mapping[str, str] | None = None,
    default_type: str | None = None,
    hosted: Collection[str] = (),
) -> list[RowCheck]:
    """Check every row: URL form and host, extension against the row's type, duplicates, name. The URL and
    the name are given back as they will be sent (normalised; an empty name filled from the URL), so the
    operator sees exactly that. Each row's type: the one chosen in the row, else `asset_type` when given
    (every row is then checked against it), else the URL's extension, else `detected[url]` (the probe's
    Content-Type, by the URL as sent), else `default_type`; a row with none is asked to choose.
    `hosted`: exact URLs of files the app hosts itself (made by lib.media.intake, never typed): kept as they
    are, since their host may be this app's own loopback address (whether APIMart can reach it is the
    live-mode guard's question, not a row's)."""
    for kind in (asset_type, default_type):
        if kind is not None and kind not in EXTENSIONS:
            raise ValueError(f"asset type must be one of {ASSET_TYPES}")
    detected = detected or {}
    seen_urls: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    checks = []
    for index, row in enumerate(rows):
        url, url_problem = (row.url, None) if row.url in hosted else normalise_url(row.url or "")
        name = unicodedata.normalize("NFC", _trim(row.name or "")) or (name_from_url(url) if url else "")
        row_type, type_from = _row_type(row, "" if url_problem else url, asset_type, detected, default_type)
        problems = []
        if url_problem:
            problems.append(url_problem)
        elif not row_type:
            problems.append(_unknown_type_problem(url))
        elif ext_problem := _extension_problem(url, row_type):
            problems.append(ext_problem)
        if url:
            if url in seen_urls:
                problems.append(Said(N_("duplicate of row {row}"), row=seen_urls[url] + 1))
            else:
                seen_urls[url] = index
        name_problems = _name_problems(name)
        problems.extend(name_problems)
        if name and not name_problems:
            key = name.casefold()
            if key in seen_names:
                problems.append(Said(N_("same name as row {row}: names must tell assets apart"), row=seen_names[key] + 1))
            else:
                seen_names[key] = index
        checks.append(
            RowCheck(
                index=index,
                url=url,
                name=name,
                problems=tuple(problems),
                asset_type=row_type,
                type_from=type_from,
                url_ok=bool(url) and not url_problem,
            )
        )
    return checks


def batches_by_type(
    items: Sequence[tuple[str, T]], size: int = MAX_ASSETS_PER_REQUEST
) -> list[tuple[str, list[T]]]:
    """(type, item) pairs as (type, batch) pairs: one type per request, types in the order they first
    appear, each split into batches of at most `size`, keeping order within a type."""
    by_type: dict[str, list[T]] = {}
    for kind, item in items:
        by_type.setdefault(kind, []).append(item)
    return [(kind, batch) for kind, group in by_type.items() for batch in batched(group, size)]


def batched(items: Iterable[T], size: int = MAX_ASSETS_PER_REQUEST) -> list[list[T]]:
    """Split into consecutive batches of at most `size`, keeping order."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def request_count(n_assets: int) -> int:
    return -(-n_assets // MAX_ASSETS_PER_REQUEST) if n_assets > 0 else 0


def requests_for(asset_types: Iterable[str]) -> int:
    """How many requests a list of assets goes out in: each type on its own, at most BATCH_SIZE per request."""
    counts: dict[str, int] = {}
    for kind in asset_types:
        counts[kind] = counts.get(kind, 0) + 1
    return sum(request_count(n) for n in counts.values())
