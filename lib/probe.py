"""Optional reachability probe for asset URLs: a HEAD request per URL, checked against the upstream
size and type limits. It only reads headers; it never downloads a file and never talks to APIMart. It
goes through lib.netguard, so a URL (or a redirect) can never make this server reach a private address."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lib.assets import MAX_BYTES
from lib.netguard import BlockedAddressError, Resolver, guarded_request

_EXPECTED_PREFIX = {"Image": "image/", "Video": "video/"}


@dataclass(frozen=True)
class ProbeResult:
    url: str
    status: int | None
    content_type: str | None
    size: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _judge(url: str, status: int, headers: Mapping[str, str], asset_type: str) -> ProbeResult:
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = (lowered.get("content-type") or "").split(";")[0].strip().lower() or None
    length = lowered.get("content-length")
    # A ranged GET answers 206 with the whole size after the slash of Content-Range.
    total = (lowered.get("content-range") or "").rpartition("/")[2]
    size = int(total) if total.isdigit() else int(length) if length and length.isdigit() else None
    problem = None
    if status >= 400:
        problem = f"the URL answered HTTP {status}: APIMart will not be able to download it"
    elif status >= 300:
        problem = f"the URL answered HTTP {status} without a usable redirect"
    elif (
        content_type
        and not content_type.startswith(_EXPECTED_PREFIX[asset_type])
        and content_type not in ("application/octet-stream", "binary/octet-stream")
    ):
        problem = f"the server says this is {content_type}, not a {asset_type.lower()}"
    elif size is not None and size > MAX_BYTES[asset_type]:
        problem = f"file is {size / 1048576:.1f} MB; {asset_type.lower()}s must be under {MAX_BYTES[asset_type] // 1048576} MB"
    return ProbeResult(url, status, content_type, size, problem)


def probe_url(
    url: str,
    asset_type: str,
    *,
    timeout: float = 5.0,
    allow_private: Collection[str] = (),
    resolver: Resolver | None = None,
) -> ProbeResult:
    """HEAD the URL (a one-byte ranged GET when HEAD is refused), within `timeout` seconds in all.
    `allow_private`: exact origins that may be private, for tests only (see netguard.guarded_request)."""
    guard = {"timeout": timeout, "allow_private": allow_private, "resolver": resolver}
    try:
        response = guarded_request(url, **guard)
        if response.status in (405, 501):
            # Some servers refuse HEAD: ask for the first byte's headers instead of the whole file.
            response = guarded_request(url, method="GET", headers={"Range": "bytes=0-0"}, **guard)
    except BlockedAddressError as refusal:
        return ProbeResult(url, None, None, None, refusal.reason)
    except TimeoutError:
        return ProbeResult(url, None, None, None, f"no answer within {timeout:g} s")
    except (ConnectionError, OSError):
        return ProbeResult(url, None, None, None, "could not connect to this URL's server")
    return _judge(url, response.status, response.headers, asset_type)


def probe_urls(
    urls: Sequence[str],
    asset_type: str,
    *,
    timeout: float = 5.0,
    workers: int = 8,
    allow_private: Collection[str] = (),
) -> list[ProbeResult]:
    """Probe several URLs in parallel (bounded), results in the input order."""
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(urls))) as pool:
        return list(
            pool.map(lambda u: probe_url(u, asset_type, timeout=timeout, allow_private=allow_private), urls)
        )
