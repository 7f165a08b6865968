"""The sandbox judges real bytes, as APIMart does: a file on a known file host (a media origin it was given,
or the /files/ route of the very server it is mounted in) is downloaded in a worker thread and checked, so a
photo that is too small or shows two people fails review; any other URL is never fetched and keeps the URL
rules. Everything over real HTTP on loopback, the files written by the test."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from lib.media.intake import Intake
from lib.media.storage.app_hosted import AppHostedStorage
from lib.sandbox.config import SandboxConfig
from lib.sandbox.fetching import DownloadError, FileHosts, Origin, download
from lib.sandbox.runner import start_sandbox
from lib.sandbox.server import create_app
from lib.store.database import Database
from lib.store.workspace import Store
from tests.helpers.media_files import write_photo, write_served_set
from tests.helpers.serving import serve_asgi, streamlit_app

KEY = {"Authorization": "Bearer sk-test-media"}


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """good.jpg, small.jpg, two.jpg, script.jpg, short.mp4, clip.mp4 (tests/helpers/media_files.py)."""
    return write_served_set(tmp_path_factory.mktemp("media"))


def file_host(folder: Path, log: list[str]) -> Starlette:
    """Serves the folder's files under /files/ and /other/, and records every path asked for."""

    async def media(request: Request) -> Response:
        log.append(request.url.path)
        name = request.path_params["name"]
        if name == "moved.jpg":
            return RedirectResponse("/files/good.jpg", status_code=302)
        if not (folder / name).is_file():
            return Response("no such file", status_code=404)
        return FileResponse(folder / name)

    return Starlette(
        routes=[Route("/files/{name}", media, methods=["GET", "HEAD"]), Route("/other/{name}", media)]
    )


@contextlib.contextmanager
def api(base: str):
    """A session of a group to submit to (a virtual avatar's: no verification needed)."""
    with requests.Session() as http:
        http.headers.update(KEY)
        reply = http.post(f"{base}/v1/seedance2/private-avatar", json={"group": {"name": "Lin"}}, timeout=5)
        task = http.get(f"{base}/v1/tasks/{reply.json()['data']['id']}", timeout=5).json()["data"]
        yield http, task["result"]["group_id"]


def review(http: requests.Session, base: str, group_id: str, urls: list[str], asset_type="Image") -> dict:
    """Submits the URLs for review and waits for the task to end; each asset item by its name."""
    assets = [{"url": url, "name": f"a{i}"} for i, url in enumerate(urls)]
    reply = http.post(
        f"{base}/v1/seedance2/real-avatar",
        json={"group_id": group_id, "asset_type": asset_type, "assets": assets},
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    task_id = reply.json()["data"]["id"]
    deadline = time.monotonic() + 60
    while True:
        task = http.get(f"{base}/v1/tasks/{task_id}", timeout=5).json()["data"]
        if task["status"] in ("completed", "failed"):
            return {item["name"]: item for item in task["result"]["assets"]}
        assert time.monotonic() < deadline, task
        time.sleep(0.05)


def test_files_on_a_media_origin_are_judged_by_their_bytes(photos):
    log: list[str] = []
    stranger_log: list[str] = []
    with serve_asgi(file_host(photos, log)) as host, serve_asgi(file_host(photos, stranger_log)) as stranger:
        config = SandboxConfig(timing="instant", media_origins=(host,))
        with start_sandbox(config) as sandbox, api(sandbox.base_url) as (http, group):
            urls = [
                f"{host}/files/good.jpg",
                f"{host}/files/small.jpg",
                f"{host}/files/two.jpg",
                f"{host}/files/gone.jpg",
                f"{host}/files/moved.jpg",
                f"{stranger}/files/small.jpg",  # loopback, but not a known file host
                f"{host}/other/small.jpg",  # a known host, but not its media route
                f"{stranger}/files/mismatch-small.jpg",
            ]
            items = review(http, sandbox.base_url, group, urls)

    good, small, two, gone, moved, unknown_host, other_path, words = (items[f"a{i}"] for i in range(8))
    assert good["status"] == "Active" and good["asset_url"].startswith("asset://")
    assert small["status"] == "Failed"
    assert small["error"]["code"] == "InvalidParameter.ImageSize"
    assert "200x200" in small["error"]["message"] and "300" in small["error"]["message"]
    assert two["status"] == "Failed"
    assert two["error"] == {
        "code": "FaceMismatch",
        "message": "2 faces were found; exactly one person's face is required",
    }
    assert (
        gone["error"]["code"] == "InvalidParameter.DownloadFailed" and "HTTP 404" in gone["error"]["message"]
    )
    assert moved["error"]["code"] == "InvalidParameter.DownloadFailed", "a redirect is never followed"
    # Not allow-listed: judged by the URL's words only, and never fetched.
    assert unknown_host["status"] == "Active" and other_path["status"] == "Active"
    assert words["error"]["code"] == "FaceMismatch"
    assert stranger_log == []
    assert sorted(log) == sorted(
        ["/files/good.jpg", "/files/small.jpg", "/files/two.jpg", "/files/gone.jpg", "/files/moved.jpg"]
    )


def test_clips_and_programs_are_judged_by_their_content(photos):
    log: list[str] = []
    with serve_asgi(file_host(photos, log)) as host:
        config = SandboxConfig(timing="instant", media_origins=(host,))
        with start_sandbox(config) as sandbox, api(sandbox.base_url) as (http, group):
            names = ["clip.mp4", "short.mp4", "script.jpg"]
            items = review(http, sandbox.base_url, group, [f"{host}/files/{n}" for n in names], "Video")
    clip, short, script = items["a0"], items["a1"], items["a2"]
    assert clip["status"] == "Active"
    assert short["error"]["code"] == "InvalidParameter.VideoDuration"
    assert short["error"]["message"] == "The video lasts 1.0 s; it must last 2-15 s"
    assert script["error"] == {
        "code": "InvalidParameter.Format",
        "message": "The file is not in a supported image or video format",
    }


def test_a_full_batch_is_judged_in_parallel_and_each_file_right(photos):
    """20 files at once (the batch limit): the worker threads download and check them side by side, and each
    gets its own verdict (a face search shared between threads once miscounted)."""
    log: list[str] = []
    names = ["good.jpg", "small.jpg", "two.jpg", "gone.jpg"] * 5
    with serve_asgi(file_host(photos, log)) as host:
        config = SandboxConfig(timing="instant", media_origins=(host,))
        with start_sandbox(config) as sandbox, api(sandbox.base_url) as (http, group):
            items = review(http, sandbox.base_url, group, [f"{host}/files/{name}" for name in names])
    expected = {"good.jpg": None, "small.jpg": "InvalidParameter.ImageSize", "two.jpg": "FaceMismatch"}
    expected["gone.jpg"] = "InvalidParameter.DownloadFailed"
    got = [items[f"a{i}"].get("error", {}).get("code") for i in range(len(names))]
    assert got == [expected[name] for name in names]
    assert len(log) == 20


def test_realistic_timing_waits_for_the_review_time_and_for_the_verdict(photos):
    log: list[str] = []
    with serve_asgi(file_host(photos, log)) as host:
        config = SandboxConfig(image_review_seconds=0.5, media_origins=(host,))
        with start_sandbox(config) as sandbox, api(sandbox.base_url) as (http, group):
            started = time.monotonic()
            items = review(http, sandbox.base_url, group, [f"{host}/files/small.jpg"])
            assert time.monotonic() - started >= 0.5
            assert items["a0"]["error"]["code"] == "InvalidParameter.ImageSize"
            listed = requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()
            assert [a["status"] for a in listed] == ["Failed"]


def test_mounted_in_the_server_that_hosts_the_files_it_does_not_wait_for_itself(photos):
    """The sandbox mounted beside a /files/ route in one server (as in the app): the download goes to the
    same event loop that answered the submit, so it must not be made inside the handler. No media origin is
    configured: the server's own /files/ route is known, under loopback names and the public URL alike."""
    log: list[str] = []
    hosting = file_host(photos, log)
    sandbox_app = create_app(SandboxConfig(timing="instant", public_url="https://desk.example.com/sandbox"))
    app = Starlette(routes=[*hosting.routes, Mount("/sandbox", app=sandbox_app)])
    with serve_asgi(app) as base, api(f"{base}/sandbox") as (http, group):
        port = base.rsplit(":", 1)[1]
        items = review(
            http,
            f"{base}/sandbox",
            group,
            [
                f"{base}/files/good.jpg",
                f"http://localhost:{port}/files/small.jpg",
                "https://desk.example.com/files/two.jpg",  # the public URL's origin: read from this server
                "https://elsewhere.example.com/files/two.jpg",
            ],
        )
    assert items["a0"]["status"] == "Active"
    assert items["a1"]["error"]["code"] == "InvalidParameter.ImageSize"
    assert items["a2"]["error"]["code"] == "FaceMismatch"
    assert items["a3"]["status"] == "Active"
    assert sorted(log) == ["/files/good.jpg", "/files/small.jpg", "/files/two.jpg"]


def test_objects_of_a_loopback_s3_endpoint_are_judged(photos, moto_s3, monkeypatch):
    """The app's bucket on moto's server (AVATAR_DESK_S3_ENDPOINT_URL, as the app is configured): presigned
    URLs are read with their own Host and signature; without the endpoint the same URL is not fetched."""
    storage = moto_s3.storage()
    urls = [
        storage.url(storage.put(photos / name, f"{secrets.token_urlsafe(24)}.jpg", "image/jpeg"))
        for name in ("good.jpg", "small.jpg")
    ]
    monkeypatch.setenv("AVATAR_DESK_S3_ENDPOINT_URL", moto_s3.endpoint_url)
    with start_sandbox(SandboxConfig(timing="instant")) as sandbox, api(sandbox.base_url) as (http, group):
        items = review(http, sandbox.base_url, group, urls)
    assert items["a0"]["status"] == "Active"
    assert items["a1"]["error"]["code"] == "InvalidParameter.ImageSize"
    monkeypatch.delenv("AVATAR_DESK_S3_ENDPOINT_URL")
    with start_sandbox(SandboxConfig(timing="instant")) as sandbox, api(sandbox.base_url) as (http, group):
        items = review(http, sandbox.base_url, group, urls)
    assert items["a1"]["status"] == "Active", "not a known file host: the URL rules, no download"


def test_in_the_app_the_mounted_sandbox_judges_the_apps_own_hosted_files(photos, tmp_path):
    """`streamlit run app.py` in sandbox mode: files taken in by the intake are served by the app's /files/
    route on the same port as the mounted sandbox, which reads them while that server goes on serving."""
    db = Database(tmp_path / "registry.db")
    storage = AppHostedStorage(tmp_path / "media")
    intake = Intake(
        Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "").media, storage, tmp_path / "in"
    )
    banner = write_photo(tmp_path / "banner.jpg", canvas=(1500, 400))  # aspect 3.75: hosted, needs a fix
    items = [
        intake.receive(iter([path.read_bytes()]), path.name, "group-lin", source="computer", max_bytes=10**8)
        for path in (photos / "good.jpg", photos / "two.jpg", banner)
    ]
    db.close()
    env = {"AVATAR_DESK_DB": str(tmp_path / "registry.db"), "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media")}
    with streamlit_app(env) as base, api(f"{base}/sandbox") as (http, group):
        urls = [intake.url_for(item, base) for item in items] + [f"{base}/files/{'x' * 32}.jpg"]
        verdicts = review(http, f"{base}/sandbox", group, urls)
    assert verdicts["a0"]["status"] == "Active"
    assert verdicts["a1"]["error"]["code"] == "FaceMismatch"
    assert verdicts["a2"]["error"]["code"] == "InvalidParameter.AspectRatio"
    assert verdicts["a3"]["error"]["code"] == "InvalidParameter.DownloadFailed", (
        "the route's 404, read for real"
    )


def test_a_photo_sent_as_a_video_fails_on_its_format(photos):
    log: list[str] = []
    with serve_asgi(file_host(photos, log)) as host:
        config = SandboxConfig(timing="instant", media_origins=(host,))
        with start_sandbox(config) as sandbox, api(sandbox.base_url) as (http, group):
            items = review(http, sandbox.base_url, group, [f"{host}/files/good.jpg"], asset_type="Video")
    assert items["a0"]["error"] == {
        "code": "InvalidParameter.Format",
        "message": "The file is an image, not a video",
    }


def test_the_allow_list_is_explicit():
    server = Origin("http", "127.0.0.1", 8501)
    config = SandboxConfig(
        public_url="https://desk.example.com/sandbox",
        media_origins=("http://localhost:9000",),
        s3_endpoint_url="http://127.0.0.1:9100",
    )
    hosts = FileHosts.of(config, server)
    own = hosts.target("http://localhost:8501/files/a.jpg")
    assert (own.address, own.port, own.path, own.host_header) == (
        "127.0.0.1",
        8501,
        "/files/a.jpg",
        "localhost:8501",
    )
    public = hosts.target("https://desk.example.com/files/a.jpg")
    assert (public.address, public.port, public.host_header) == ("127.0.0.1", 8501, "desk.example.com")
    assert hosts.target("http://127.0.0.1:9000/files/b.png").port == 9000
    presigned = hosts.target("http://127.0.0.1:9100/bucket/key.jpg?X-Amz-Signature=abc")
    assert presigned.path == "/bucket/key.jpg?X-Amz-Signature=abc"
    for url in (
        "http://127.0.0.1:8502/files/a.jpg",  # another port
        "http://127.0.0.1:8501/_sandbox/reset",  # not the media route
        "http://127.0.0.1:8501/files/../_sandbox/reset",
        "http://127.0.0.1:8501/files/%2e%2e",
        "http://127.0.0.1:8501/files/",
        "http://user:pw@127.0.0.1:8501/files/a.jpg",
        "http://169.254.169.254/files/a.jpg",
        "https://desk.example.com:444/files/a.jpg",
        "https://cdn.example.com/a.jpg",
        "ftp://127.0.0.1:8501/files/a.jpg",
    ):
        assert hosts.target(url) is None, url
    # A non-loopback S3 endpoint is a real bucket: never read by the sandbox.
    remote = FileHosts.of(SandboxConfig(s3_endpoint_url="https://s3.example.com"), None)
    assert remote.target("https://s3.example.com/bucket/key.jpg") is None
    with pytest.raises(ValueError, match="loopback"):
        SandboxConfig().update({"media_origins": ["http://10.0.0.5:8501"]})


def test_the_download_is_bounded_in_size_and_time(tmp_path):
    async def big(request: Request) -> Response:
        return Response(b"x" * 5000, media_type="image/jpeg")

    async def endless(request: Request) -> Response:
        from starlette.responses import StreamingResponse

        async def drip():
            import asyncio

            while True:
                yield b"x"
                await asyncio.sleep(0.05)

        return StreamingResponse(drip(), media_type="image/jpeg")

    app = Starlette(routes=[Route("/files/big.jpg", big), Route("/files/slow.jpg", endless)])
    with serve_asgi(app) as base:
        hosts = FileHosts.of(SandboxConfig(media_origins=(base,)), None)
        with pytest.raises(DownloadError) as too_big:
            download(hosts.target(f"{base}/files/big.jpg"), tmp_path / "a", max_bytes=4000)
        assert too_big.value.code == "InvalidParameter.FileSize"
        started = time.monotonic()
        with pytest.raises(DownloadError) as too_slow:
            download(hosts.target(f"{base}/files/slow.jpg"), tmp_path / "b", timeout=0.5)
        assert too_slow.value.code == "InvalidParameter.DownloadFailed" and "0.5 s" in too_slow.value.message
        assert time.monotonic() - started < 3
        assert download(hosts.target(f"{base}/files/big.jpg"), tmp_path / "c") == 5000
