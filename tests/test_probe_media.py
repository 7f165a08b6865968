"""URL rows get the media check of an uploaded file where the file can be read: the probe reads it through
netguard (every hop checked again, bounded by the type's size limit and a time limit) and keeps the report
and a thumbnail on its result. The file server is on loopback, reached under a public-looking name through
the probe's test-only hooks (a resolver, allow_private for that one origin), as tests/test_probe.py and
tests/test_submit_first_hour.py do; tests/test_ssrf.py proves that nothing else gets through."""

from __future__ import annotations

import asyncio
import io
import ipaddress
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from lib.media.report import Kind, Severity
from lib.probe import BLOCK, probe_url, probe_urls
from tests.helpers.media_files import write_served_set
from tests.helpers.serving import serve_asgi

LOOPBACK = [ipaddress.ip_address("127.0.0.1")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """good.jpg, small.jpg, two.jpg, script.jpg, short.mp4, clip.mp4 (tests/helpers/media_files.py)."""
    return write_served_set(tmp_path_factory.mktemp("served"))


def file_server(folder: Path, log: list[tuple[str, str]]) -> Starlette:
    """The folder's files (as image/jpeg or video/mp4 by suffix), and a few that misbehave; every request
    logged as (method, path)."""

    async def served(request: Request) -> Response:
        log.append((request.method, request.url.path))
        name = request.path_params["name"]
        media_type = "video/mp4" if name.endswith(".mp4") else "image/jpeg"
        if name == "liar.jpg":  # a small size in HEAD, far more bytes when read
            if request.method == "HEAD":
                return Response(headers={"Content-Type": media_type, "Content-Length": "1000"})
            chunk = b"\xff" * (1024 * 1024)
            return StreamingResponse((chunk for _ in range(31)), media_type=media_type)
        if name == "slow.jpg":  # answers HEAD, then drips the file
            if request.method == "HEAD":
                return Response(headers={"Content-Type": media_type, "Content-Length": "100000"})

            async def drip():
                while True:
                    yield b"\xff"
                    await asyncio.sleep(0.05)

            return StreamingResponse(drip(), media_type=media_type)
        if name == "sneaky.jpg" and request.method == "GET":  # HEAD is fine; the file itself is on loopback
            port = request.url.port
            return RedirectResponse(f"http://127.0.0.1:{port}/files/good.jpg", status_code=302)
        if name == "sneaky.jpg":
            return Response(headers={"Content-Type": media_type, "Content-Length": "1000"})
        return FileResponse(folder / name, media_type=media_type)

    return Starlette(routes=[Route("/files/{name}", served, methods=["GET", "HEAD"])])


@pytest.fixture
def server(folder):
    """(origin under a public-looking name, the request log)."""
    log: list[tuple[str, str]] = []
    with serve_asgi(file_server(folder, log)) as base:
        yield f"http://files.example.com:{urlsplit(base).port}", log


def probe(origin: str, name: str, asset_type: str | None = None, **kwargs):
    return probe_url(
        f"{origin}/files/{name}",
        asset_type,
        allow_private=[origin],
        resolver=lambda host, port: LOOPBACK,
        **kwargs,
    )


def codes(result, severity: Severity) -> list[str]:
    return [f.code for f in result.media.findings if f.severity is severity]


def test_a_good_photo_is_checked_and_gets_a_thumbnail(server):
    origin, log = server
    result = probe(origin, "good.jpg", "Image")
    assert result.ok and result.media is not None
    assert result.media.kind is Kind.IMAGE and result.media.passes and result.media.faces == 1
    assert (result.media.width, result.media.height) == (512, 512)
    thumbnail = Image.open(io.BytesIO(result.thumbnail))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 320
    assert log == [("HEAD", "/files/good.jpg"), ("GET", "/files/good.jpg")]


def test_the_file_gets_the_same_findings_as_an_upload(server):
    origin, _ = server
    small, two, script, short, clip = probe_urls(
        [f"{origin}/files/{n}" for n in ("small.jpg", "two.jpg", "script.jpg", "short.mp4", "clip.mp4")],
        [None, "Image", "Image", "Video", "Video"],
        allow_private=[origin],
        resolver=lambda host, port: LOOPBACK,
    )
    # Reaching the file went well: the verdict on the media is the caller's, from the report.
    assert all(r.ok for r in (small, two, script, short, clip))
    assert codes(small, Severity.REFUSED) == ["too_small"] and small.thumbnail is None
    assert codes(two, Severity.WARNING) == ["faces"] and two.media.faces == 2
    assert two.media.face_frame and two.thumbnail
    assert codes(script, Severity.REFUSED) == ["format"]
    assert codes(short, Severity.REFUSED) == ["duration"]
    assert clip.media.passes and clip.media.kind is Kind.VIDEO and clip.thumbnail


def test_a_file_larger_than_its_headers_said_is_held_back_and_reading_stops(server):
    origin, _ = server
    result = probe(origin, "liar.jpg", "Image")
    assert result.blocks and result.severity == BLOCK and result.media is None
    assert result.problem == "file is more than 30 MB; images must be under 30 MB"
    assert result.size_at_least and result.size > 30 * 1024 * 1024, "what was read before it stopped"


def test_a_slow_file_is_given_up_on_time(server):
    origin, _ = server
    started = time.monotonic()
    result = probe(origin, "slow.jpg", "Image", read_timeout=0.5)
    assert time.monotonic() - started < 3
    assert result.ok and result.media is None, "the probe says only what it saw"


def test_reading_the_file_is_checked_again_hop_by_hop(server):
    """A GET that redirects to loopback, or a name that answers a private address the second time, never
    reaches it: the file is not read, the result stays what the HEAD showed."""
    origin, log = server
    sneaky = probe(origin, "sneaky.jpg", "Image")
    assert sneaky.ok and sneaky.media is None
    assert ("GET", "/files/good.jpg") not in log
    answers: list[str] = []

    def rebinding(host, port):
        answers.append(host)
        return LOOPBACK if len(answers) == 1 else [ipaddress.ip_address("169.254.169.254")]

    log.clear()
    rebound = probe_url(f"{origin}/files/good.jpg", "Image", allow_private=[origin], resolver=rebinding)
    assert rebound.ok and rebound.media is None
    assert answers == ["files.example.com", "files.example.com"]
    assert log == [("HEAD", "/files/good.jpg")]


def test_reading_can_be_left_out(server):
    origin, log = server
    result = probe(origin, "good.jpg", "Image", read_file=False)
    assert result.ok and result.media is None and result.thumbnail is None
    assert log == [("HEAD", "/files/good.jpg")]
