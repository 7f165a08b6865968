"""Optional reachability probe for asset URLs: a HEAD request per URL, checked against the upstream
size and type limits. It only reads headers; it never downloads a file and never talks to APIMart."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from lib.assets import MAX_BYTES

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


def _judge(url: str, response: requests.Response, asset_type: str) -> ProbeResult:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower() or None
    length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    problem = None
    if response.status_code >= 400:
        problem = f"the URL answered HTTP {response.status_code}: APIMart will not be able to download it"
    elif (
        content_type
        and not content_type.startswith(_EXPECTED_PREFIX[asset_type])
        and content_type
        not in (
            "application/octet-stream",
            "binary/octet-stream",
        )
    ):
        problem = f"the server says this is {content_type}, not a {asset_type.lower()}"
    elif size is not None and size > MAX_BYTES[asset_type]:
        problem = f"file is {size / 1048576:.1f} MB; {asset_type.lower()}s must be under {MAX_BYTES[asset_type] // 1048576} MB"
    return ProbeResult(url, response.status_code, content_type, size, problem)


def probe_url(
    url: str, asset_type: str, *, session: requests.Session | None = None, timeout: float = 5.0
) -> ProbeResult:
    http = session or requests
    try:
        response = http.head(url, allow_redirects=True, timeout=timeout)
        if response.status_code in (405, 501):
            # Some servers refuse HEAD: ask for the first byte instead of the whole file.
            response = http.get(url, headers={"Range": "bytes=0-0"}, stream=True, timeout=timeout)
            response.close()
    except requests.Timeout:
        return ProbeResult(url, None, None, None, f"no answer within {timeout:g} s")
    except requests.RequestException:
        return ProbeResult(url, None, None, None, "could not connect to this URL's server")
    return _judge(url, response, asset_type)


def probe_urls(
    urls: Sequence[str], asset_type: str, *, timeout: float = 5.0, workers: int = 8
) -> list[ProbeResult]:
    """Probe several URLs in parallel (bounded), results in the input order."""
    if not urls:
        return []
    with requests.Session() as session, ThreadPoolExecutor(max_workers=min(workers, len(urls))) as pool:
        return list(pool.map(lambda u: probe_url(u, asset_type, session=session, timeout=timeout), urls))
