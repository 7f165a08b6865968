"""The optional reachability probe against a real local HTTP server: status, type and size limits. The
server is on loopback, which the probe refuses unless a test names its exact origin (`allow_private`);
tests/test_ssrf.py proves the refusal."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from lib.probe import probe_url, probe_urls
from tests.helpers.serving import free_port, serve_asgi


def _file(content_type: str, size: int, status: int = 200):
    async def endpoint(request):
        return Response(
            status_code=status, headers={"Content-Type": content_type, "Content-Length": str(size)}
        )

    return endpoint


async def _no_head(request):
    if request.method == "HEAD":
        return Response(status_code=405)
    return Response(b"x", media_type="image/png")


APP = Starlette(
    routes=[
        Route("/ok.mp4", _file("video/mp4", 1_000_000), methods=["GET", "HEAD"]),
        Route("/huge.mp4", _file("video/mp4", 60 * 1024 * 1024), methods=["GET", "HEAD"]),
        Route("/page.mp4", _file("text/html", 500), methods=["GET", "HEAD"]),
        Route("/gone.mp4", _file("text/plain", 0, status=404), methods=["GET", "HEAD"]),
        Route("/nohead.png", _no_head, methods=["GET", "HEAD"]),
    ]
)


def test_probe_judges_status_type_and_size():
    with serve_asgi(APP) as base:
        ok, huge, page, gone = probe_urls(
            [f"{base}/ok.mp4", f"{base}/huge.mp4", f"{base}/page.mp4", f"{base}/gone.mp4"],
            "Video",
            allow_private=[base],
        )
        assert ok.ok and ok.size == 1_000_000 and ok.content_type == "video/mp4"
        assert "60.0 MB" in huge.problem and "under 50 MB" in huge.problem
        assert "text/html" in page.problem
        assert "HTTP 404" in gone.problem
        # A server that refuses HEAD is asked for one byte instead.
        assert probe_url(f"{base}/nohead.png", "Image", allow_private=[base]).ok
        assert "not a video" in probe_url(f"{base}/nohead.png", "Video", allow_private=[base]).problem
        # Without the test's allowance the same loopback server is refused before any connection.
        refused = probe_url(f"{base}/ok.mp4", "Video")
        assert not refused.ok and "private addresses" in refused.problem and refused.status is None


def test_probe_reports_unreachable_servers():
    origin = f"http://127.0.0.1:{free_port()}"
    result = probe_url(f"{origin}/a.mp4", "Video", timeout=2, allow_private=[origin])
    assert not result.ok and "could not connect" in result.problem
    assert probe_urls([], "Video") == []
