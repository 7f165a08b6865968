"""Optional reachability probe for asset URLs: a HEAD request per URL, checked against the upstream
size and type limits, then, when the headers pass, the file itself read (bounded by its type's size limit
and a time limit) and given the same media check as an uploaded file (lib.media.inspect: its findings and
a thumbnail, kept as facts on the result; the file is deleted at once). It never talks to APIMart and never
stores what it reads. Every request goes through lib.netguard, so a URL (or a redirect) can never make this
server reach a private address.

A result has a severity. BLOCK: the server gave a definite answer that APIMart's download would fail on
(404 and other 4xx, a type that is neither image nor video or not the row's, a file over the size limit,
an address the app refuses); the page holds the row back until the operator ticks "send anyway". WARN:
this server could not tell (no answer, refused connection, a name that does not resolve here, a 5xx or a
429 that may pass): APIMart's servers may well reach it, so it never blocks. The facts (status, type,
size, and the media report) are kept apart from the verdict, so a row whose type changes is judged again
without a new probe. The verdict is about reaching the file; what the media check found is the caller's to
judge (the same words as an uploaded file's), except a file that proves larger than its type's limit while
it is read."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import urllib3

from lib.assets import MAX_BYTES, type_from_content_type
from lib.i18n import N_, Said
from lib.media.report import MediaReport
from lib.netguard import BlockedAddressError, Resolver, UnresolvedHostError, guarded_request

BLOCK, WARN = "block", "warning"
_OCTET_STREAMS = ("application/octet-stream", "binary/octet-stream")
# A HEAD these answer may be about HEAD itself (not allowed, or a presigned GET link whose signature covers
# the method): ask for the first byte's headers with GET instead.
_RETRY_WITH_GET = (403, 405, 501)
READ_TIMEOUT = 20.0  # seconds to read one file for the media check
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ProbeResult:
    url: str
    status: int | None
    content_type: str | None
    size: int | None
    problem: str | None
    severity: str | None = None  # BLOCK or WARN when there is a problem
    size_at_least: bool = False  # `size` is what was read before reading stopped: the file is larger
    media: MediaReport | None = field(default=None, repr=False)  # the file's media check, when it was read
    thumbnail: bytes | None = field(default=None, repr=False)  # a JPEG, when read and not refused

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def blocks(self) -> bool:
        """A definite answer that the asset will fail: held back unless the operator sends it anyway."""
        return self.problem is not None and self.severity == BLOCK

    @property
    def warns(self) -> bool:
        """The probe could not tell: said next to the row, never holding it back."""
        return self.problem is not None and self.severity != BLOCK

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def detected_type(self) -> str | None:
        """Image or Video by the server's Content-Type, or None."""
        return type_from_content_type(self.content_type)

    def judged(self, asset_type: str | None) -> ProbeResult:
        """The same facts judged for `asset_type` (None: whatever the server says it is). A result without
        an answer (no connection, refused address) stays as it is."""
        if self.status is None:
            return self
        problem, severity = _verdict(
            self.status, self.content_type, self.size, asset_type, self.size_at_least
        )
        return replace(self, problem=problem, severity=severity)


def _verdict(
    status: int, content_type: str | None, size: int | None, asset_type: str | None, at_least: bool = False
) -> tuple[str | None, str | None]:
    # Said (lib.i18n): English as it reads, and a page can say it in the operator's language.
    if status == 429 or status >= 500:
        return (
            Said(
                N_("the URL's server answered HTTP {status} (busy or failing): it may work when APIMart downloads it"),
                status=status,
            ),
            WARN,
        )
    if status >= 400:
        return Said(N_("the URL answered HTTP {status}: APIMart will not be able to download it"), status=status), BLOCK
    if status >= 300:
        return Said(N_("the URL answered HTTP {status} without a usable redirect"), status=status), BLOCK
    kind = asset_type or type_from_content_type(content_type)
    if content_type and content_type not in _OCTET_STREAMS:
        if kind is None:
            return Said(N_("the server says this is {type}, not a photo or a video"), type=content_type), BLOCK
        if type_from_content_type(content_type) != kind:
            if kind == "Image":
                return Said(N_("the server says this is {type}, not an image"), type=content_type), BLOCK
            return Said(N_("the server says this is {type}, not a video"), type=content_type), BLOCK
    if kind and size is not None and size > MAX_BYTES[kind]:
        limit = MAX_BYTES[kind] // 1048576
        if at_least:
            if kind == "Image":
                return Said(N_("file is more than {limit} MB; images must be under {limit} MB"), limit=limit), BLOCK
            return Said(N_("file is more than {limit} MB; videos must be under {limit} MB"), limit=limit), BLOCK
        size_mb = f"{size / 1048576:.1f}"
        if kind == "Image":
            return Said(N_("file is {size} MB; images must be under {limit} MB"), size=size_mb, limit=limit), BLOCK
        return Said(N_("file is {size} MB; videos must be under {limit} MB"), size=size_mb, limit=limit), BLOCK
    return None, None


def _judge(url: str, status: int, headers: Mapping[str, str], asset_type: str | None) -> ProbeResult:
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = (lowered.get("content-type") or "").split(";")[0].strip().lower() or None
    length = lowered.get("content-length")
    # A ranged GET answers 206 with the whole size after the slash of Content-Range.
    total = (lowered.get("content-range") or "").rpartition("/")[2]
    size = int(total) if total.isdigit() else int(length) if length and length.isdigit() else None
    return ProbeResult(url, status, content_type, size, None).judged(asset_type)


def probe_url(
    url: str,
    asset_type: str | None = None,
    *,
    timeout: float = 5.0,
    allow_private: Collection[str] = (),
    resolver: Resolver | None = None,
    read_file: bool = True,
    read_timeout: float = READ_TIMEOUT,
) -> ProbeResult:
    """HEAD the URL (a one-byte ranged GET when HEAD is refused), within `timeout` seconds in all, and judge
    the answer for `asset_type` (None: by the type the server gives). When that passes and `read_file`,
    the file is read (its type's size limit, `read_timeout` seconds) for the media check. `allow_private`:
    exact origins that may be private, for tests only (see netguard.guarded_request)."""
    guard = {"timeout": timeout, "allow_private": allow_private, "resolver": resolver}
    try:
        response = guarded_request(url, **guard)
        if response.status in _RETRY_WITH_GET:
            response = guarded_request(url, method="GET", headers={"Range": "bytes=0-0"}, **guard)
    except BlockedAddressError as refusal:
        if isinstance(refusal, UnresolvedHostError):
            return ProbeResult(
                url,
                None,
                None,
                None,
                Said(N_("{reason} from here: APIMart's servers may still find it"), reason=refusal.reason),
                WARN,
            )
        return ProbeResult(url, None, None, None, refusal.reason, BLOCK)
    except TimeoutError:
        return ProbeResult(
            url, None, None, None, Said(N_("no answer within {seconds} s: it may still work"), seconds=f"{timeout:g}"), WARN
        )
    except (ConnectionError, OSError):
        return ProbeResult(
            url, None, None, None, Said(N_("could not connect to this URL's server from here: it may still work")), WARN
        )
    result = _judge(url, response.status, response.headers, asset_type)
    if not read_file or not result.ok:
        return result
    return _read_and_check(result, asset_type, read_timeout, allow_private, resolver)


class _TooLarge(Exception):
    def __init__(self, read: int) -> None:
        super().__init__(f"more than {read} bytes")
        self.read = read


def _read_and_check(
    result: ProbeResult,
    asset_type: str | None,
    timeout: float,
    allow_private: Collection[str],
    resolver: Resolver | None,
) -> ProbeResult:
    """The result with the file's media check and thumbnail, when the file can be read whole within its
    type's size limit and `timeout` seconds (through netguard, every hop checked again); as it was when it
    cannot (the probe only says what it saw), or with the size it reached when it proves larger than the
    limit (then BLOCK)."""
    from lib.media.inspect import inspect_with_thumbnail  # OpenCV and PyAV load with the first file read

    kind = asset_type or result.detected_type
    limit = MAX_BYTES[kind] if kind in MAX_BYTES else max(MAX_BYTES.values())
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="avatar-desk-probe-") as folder:
        path = Path(folder) / "file"

        def read(response: urllib3.BaseHTTPResponse) -> None:
            if response.status != 200:
                return
            written = 0
            with path.open("wb") as out:
                for chunk in response.stream(_CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise _TooLarge(written)
                    if time.monotonic() > deadline:
                        raise TimeoutError("the file took too long to read")
                    out.write(chunk)

        try:
            answer = guarded_request(
                result.url,
                method="GET",
                timeout=timeout,
                allow_private=allow_private,
                resolver=resolver,
                body=read,
            )
        except _TooLarge as larger:
            # A fact like the others (judged again for another type): it is at least this large.
            return replace(result, size=larger.read, size_at_least=True).judged(asset_type)
        except (BlockedAddressError, TimeoutError, ConnectionError, OSError, urllib3.exceptions.HTTPError):
            return result
        if answer.status != 200 or not path.exists():
            return result
        report, thumbnail = inspect_with_thumbnail(path)
    return replace(result, media=report, thumbnail=thumbnail)


def probe_urls(
    urls: Sequence[str],
    asset_type: str | None | Sequence[str | None] = None,
    *,
    timeout: float = 5.0,
    workers: int = 8,
    allow_private: Collection[str] = (),
    resolver: Resolver | None = None,
    read_file: bool = True,
) -> list[ProbeResult]:
    """Probe several URLs in parallel (bounded), results in the input order. `asset_type`: one type for
    all, or one per URL (None where the server's answer is to tell)."""
    if not urls:
        return []
    types = (
        [asset_type] * len(urls) if asset_type is None or isinstance(asset_type, str) else list(asset_type)
    )
    if len(types) != len(urls):
        raise ValueError("one asset type per URL")
    with ThreadPoolExecutor(max_workers=min(workers, len(urls))) as pool:
        return list(
            pool.map(
                lambda u, t: probe_url(
                    u, t, timeout=timeout, allow_private=allow_private, resolver=resolver, read_file=read_file
                ),
                urls,
                types,
            )
        )
