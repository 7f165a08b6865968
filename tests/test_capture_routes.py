"""The phone capture routes served for real (uvicorn on a free loopback port) on a real database file and
app-hosted storage on disk: an upload through a valid link is checked and recorded for that link's person;
unknown, expired and closed links get the same 403; the page shows nothing of anyone; past the upload limit
the answer is 413 with a message the person can read."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
import streamlit as st
from PIL import Image
from skimage import data
from starlette.applications import Starlette
from streamlit import config

from lib.media.capture_routes import capture_routes, capture_url
from lib.media.intake import Intake, MediaItem
from lib.media.storage.app_hosted import AppHostedStorage
from lib.server import server_lifespan, server_routes
from lib.store.database import Database, shared_database
from lib.store.workspace import Store
from tests.helpers.serving import serve_asgi, streamlit_app

LIMIT = 2 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """The database's clock, moved by the test (links expire by it)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path, clock):
    database = Database(tmp_path / "registry.db", clock=clock)
    yield database
    database.close()


@pytest.fixture
def storage(tmp_path) -> AppHostedStorage:
    return AppHostedStorage(tmp_path / "media")


@pytest.fixture
def store(db) -> Store:
    return Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")


@pytest.fixture
def base(db, storage, tmp_path):
    routes = capture_routes(db, lambda: storage, tmp_path / "intake", max_bytes=LIMIT)
    with serve_asgi(Starlette(routes=routes)) as url:
        yield url


def photo(path: Path, size: tuple[int, int] = (512, 512)) -> bytes:
    Image.fromarray(data.astronaut()).resize(size).save(path, "JPEG", quality=90)
    return path.read_bytes()


def send(url: str, body, name: str = "photo.jpg") -> requests.Response:
    return requests.post(f"{url}/upload", data=body, headers={"X-File-Name": quote(name)}, timeout=60)


def leftovers(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "intake").rglob("*")) if (tmp_path / "intake").exists() else []


def test_the_page_opens_with_camera_and_gallery_and_private_headers(base, store):
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    page = requests.get(capture_url(base, token), timeout=10)
    assert page.status_code == 200
    assert 'id="capture-camera"' in page.text and 'id="capture-gallery"' in page.text
    assert 'accept="image/*,video/*" capture' in page.text
    assert "Add photos and clips / 添加照片和视频" in page.text, "English and Chinese side by side"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in page.text
    # It carries nothing of the person: not their name, not their group.
    assert "Lin Wei" not in page.text and "group-lin" not in page.text


def test_an_upload_is_checked_and_recorded_for_the_links_person(base, store, storage, tmp_path):
    link, token = store.captures.open("group-lin", "Lin Wei", 1800)
    store.captures.open("group-wu", "Wu", 1800)
    content = photo(tmp_path / "p.jpg")

    answer = send(capture_url(base, token), content, name="林 front.jpg")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "sent", "message": "Sent. / 已发送。", "name": "林 front"}
    assert answer.headers["Cache-Control"] == "no-store"

    [row] = store.media.by_group("group-lin")
    assert (row.source, row.capture_id, row.name, row.state) == ("phone", link.id, "林 front", "ready")
    assert (storage.root / row.storage_key).read_bytes() == content
    assert store.media.by_group("group-wu") == []
    assert leftovers(tmp_path) == []

    again = send(capture_url(base, token), content, name="again.jpg")
    assert again.json()["message"] == "Already sent. / 之前已发送。"
    assert len(store.media.by_group("group-lin")) == 1


def test_refused_and_fixable_files_are_answered_with_a_reason(base, store, storage, tmp_path):
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    program = send(capture_url(base, token), b"MZ\x90\x00" + bytes(4000), name="setup.jpg")
    assert program.status_code == 200
    assert program.json()["status"] == "refused"
    assert program.json()["message"].startswith("This is not a photo or a video")

    tiny = send(capture_url(base, token), photo(tmp_path / "tiny.jpg", (200, 200)))
    assert tiny.json()["status"] == "refused" and "300" in tiny.json()["message"]

    wide = Image.new("RGB", (900, 300), (40, 40, 40))
    wide.paste(Image.fromarray(data.astronaut()).resize((300, 300)), (300, 0))
    wide.save(tmp_path / "wide.jpg", "JPEG")
    fixable = send(capture_url(base, token), (tmp_path / "wide.jpg").read_bytes())
    assert fixable.json()["status"] == "fix"

    rows = store.media.by_group("group-lin")
    assert sorted(r.state for r in rows) == ["ready", "refused", "refused"]
    assert [p.name for p in storage.root.iterdir()] == [r.storage_key for r in rows if r.state == "ready"]


def refusals(base: str, token: str) -> tuple[requests.Response, requests.Response]:
    url = capture_url(base, token)
    return requests.get(url, timeout=10), send(url, b"\xff\xd8\xff" + bytes(100))


def test_unknown_expired_and_closed_links_get_the_same_403(base, store, clock, tmp_path):
    _, expiring = store.captures.open("group-lin", "Lin Wei", 60)
    closed_link, closed = store.captures.open("group-wu", "Wu", 1800)
    store.captures.close(closed_link.id)
    clock.now += 61

    answers = {
        "unknown": refusals(base, "x" * 32),
        "expired": refusals(base, expiring),
        "closed": refusals(base, closed),
        "empty-ish": refusals(base, "-"),
    }
    pages = {reason: page for reason, (page, _) in answers.items()}
    posts = {reason: post for reason, (_, post) in answers.items()}
    assert {p.status_code for p in pages.values()} == {403}
    assert len({p.text for p in pages.values()}) == 1, "one page for every reason"
    assert "This link is not valid" in pages["expired"].text
    assert {p.status_code for p in posts.values()} == {403}
    assert len({p.content for p in posts.values()}) == 1
    assert store.media.by_group("group-lin") == [] and store.media.by_group("group-wu") == []
    assert leftovers(tmp_path) == []

    # Before its time was up the expiring link worked.
    clock.now -= 2
    assert requests.get(capture_url(base, expiring), timeout=10).status_code == 200


def test_one_persons_link_never_reaches_anothers_files(base, store, db, tmp_path):
    _, lin = store.captures.open("group-lin", "Lin Wei", 1800)
    # Another connection (another key): another scope altogether.
    other = Store.for_connection(db, "live", "https://api.apimart.ai/v1", "sk-other")
    _, wu = other.captures.open("group-wu", "Wu", 1800)
    content = photo(tmp_path / "p.jpg")

    assert send(capture_url(base, lin), content, name="lin-secret-name.jpg").json()["status"] == "sent"
    page = requests.get(capture_url(base, wu), timeout=10)
    assert "lin-secret-name" not in page.text
    theirs = send(capture_url(base, wu), content, name="wu.jpg").json()
    assert theirs["message"] == "Sent. / 已发送。", "not 'already sent': Lin's copy is not Wu's"
    assert [r.name for r in other.media.by_group("group-wu")] == ["wu"]
    assert [r.name for r in store.media.by_group("group-lin")] == ["lin-secret-name"]
    assert other.media.by_group("group-lin") == []


def test_a_declared_size_over_the_limit_is_refused_before_any_byte_is_read(base, store, tmp_path):
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    parts = urlsplit(capture_url(base, token))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("POST", f"{parts.path}/upload")
    connection.putheader("Content-Length", str(300 * 1024 * 1024))
    connection.putheader("X-File-Name", "huge.mov")
    connection.endheaders()  # no body: the answer must come without it
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    assert answer.status == 413
    assert body["error"] == "too_large" and "at most 2 MB" in body["message"] and "MB。" in body["message"]
    assert store.media.by_group("group-lin") == []


def test_a_streamed_upload_past_the_limit_is_cut_off_with_413(base, store, storage, tmp_path):
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)

    def stream():  # no Content-Length: chunked, so only counting the bytes can catch it
        for _ in range(LIMIT // (64 * 1024) + 8):
            yield b"\x00" * (64 * 1024)

    answer = send(capture_url(base, token), stream(), name="big.mp4")
    assert answer.status_code == 413
    assert "at most 2 MB" in answer.json()["message"]
    assert store.media.by_group("group-lin") == []
    assert not storage.root.exists() or list(storage.root.iterdir()) == []
    assert leftovers(tmp_path) == [], "the partial file is removed"

    # The link still works after it: a file within the limit goes through.
    assert send(capture_url(base, token), photo(tmp_path / "p.jpg")).json()["status"] == "sent"


def test_the_servers_routes_take_a_phone_photo_and_host_it_on_the_pages_database(tmp_path):
    """server_routes as `streamlit run` builds them: the capture page and /files on the database the pages
    use (shared_database for AVATAR_DESK_DB) and the storage the settings name."""
    env = {
        "AVATAR_DESK_DB": str(tmp_path / "registry.db"),
        "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media"),
        "AVATAR_DESK_SANDBOX": "off",
    }
    pages_db = shared_database(env["AVATAR_DESK_DB"])
    routes = server_routes(env=env)
    assert shared_database(f"sqlite:///{tmp_path / 'registry.db'}") is pages_db, "one Database per URL"
    store = Store.for_connection(pages_db, "sandbox", "http://127.0.0.1:9/v1", "")
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    content = photo(tmp_path / "p.jpg")
    with serve_asgi(Starlette(routes=routes)) as base:
        assert send(capture_url(base, token), content).json()["status"] == "sent"
        [row] = store.media.by_group("group-lin")
        hosted = requests.get(f"{base}/files/{row.storage_key}", timeout=10)
        assert hosted.status_code == 200 and hosted.content == content
        assert hosted.headers["Content-Type"] == "image/jpeg"
    assert (tmp_path / "media" / row.storage_key).is_file()
    pages_db.close()


def eight_days_old(store: Store, storage: AppHostedStorage, tmp_path: Path) -> MediaItem:
    """A photo received eight days ago and never sent: past the 7-day retention."""
    intake = Intake(store.media, storage, tmp_path / "intake", clock=lambda: time.time() - 8 * 86400)
    Image.fromarray(data.coffee()).save(tmp_path / "old.jpg", "JPEG")
    return intake.receive([(tmp_path / "old.jpg").read_bytes()], "old.jpg", "group-old", source="computer")


def gone_soon(path: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def test_the_servers_lifespan_sweeps_expired_files_while_it_runs(tmp_path, store, db):
    env = {"AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media")}
    storage = AppHostedStorage(tmp_path / "media")
    old = eight_days_old(store, storage, tmp_path)
    fresh = Intake(store.media, storage, tmp_path / "intake").receive(
        [photo(tmp_path / "p.jpg")], "p.jpg", "group-lin", source="computer"
    )

    # What a server killed mid-upload left, two days ago; and another server's upload under way now.
    stale, current = tmp_path / "intake" / "upload-stale.part", tmp_path / "intake" / "upload-now.part"
    for part in (stale, current):
        part.write_bytes(b"half")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)

    async def run() -> bool:
        async with server_lifespan(env, database=db)(None):
            return await asyncio.to_thread(gone_soon, storage.root / old.stored.key)

    # In a thread of its own: in a whole run the browser tests' Playwright keeps a loop on this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, run()).result(timeout=60), "the sweeper removed the old file"
    assert not stale.exists() and current.exists()
    assert store.media.get(old.id).state == "deleted"
    assert (storage.root / fresh.stored.key).is_file() and store.media.get(fresh.id).state == "ready"


def test_streamlit_accepts_the_servers_routes(tmp_path, monkeypatch):
    # st.App refuses a route under one of its own prefixes (/media/, /static/, /_stcore/, /component/).
    # It also notes the first App's script process-wide: put that back afterwards.
    monkeypatch.setattr(config, "_main_script_path", config._main_script_path)
    env = {"AVATAR_DESK_DB": str(tmp_path / "registry.db"), "AVATAR_DESK_SANDBOX": "off"}
    routes = server_routes(env=env)
    paths = {getattr(route, "path", "") for route in routes}
    assert {"/callback", "/files/{key:path}", "/capture/{token}", "/capture/{token}/upload"} <= paths
    st.App(str(ROOT / "app.py"), routes=routes)


def test_under_streamlit_run_a_phone_photo_is_hosted_on_the_apps_port(tmp_path):
    """`streamlit run app.py`: the capture page and /files answer on the app's own port, on the database
    file the pages use (the test writes the link into that same file), and the retention sweeper runs."""
    env = {"AVATAR_DESK_DB": str(tmp_path / "registry.db"), "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media")}
    db = Database(env["AVATAR_DESK_DB"])
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    content = photo(tmp_path / "p.jpg")
    old = eight_days_old(store, AppHostedStorage(tmp_path / "media"), tmp_path)
    with streamlit_app(env) as base:
        assert gone_soon(tmp_path / "media" / old.stored.key), "swept once the server started"
        assert requests.get(capture_url(base, token), timeout=10).status_code == 200
        assert send(capture_url(base, token), content).json()["status"] == "sent"
        [row] = store.media.by_group("group-lin")
        hosted = requests.get(f"{base}/files/{row.storage_key}", timeout=10)
        assert hosted.status_code == 200 and hosted.content == content
        assert requests.get(f"{base}/files/{'x' * 32}.jpg", timeout=10).status_code == 404
        assert requests.get(capture_url(base, "x" * 32), timeout=10).status_code == 403
    db.close()


class HeldStorage(AppHostedStorage):
    """App-hosted storage whose put() waits for the test's go-ahead: an upload stays in its worker thread
    for as long as the test likes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.entered, self.go = threading.Event(), threading.Event()

    def put(self, source, key, content_type):
        self.entered.set()
        assert self.go.wait(30)
        return super().put(source, key, content_type)


def test_an_upload_being_checked_never_holds_up_the_server(db, store, tmp_path):
    held = HeldStorage(tmp_path / "media")
    routes = capture_routes(db, lambda: held, tmp_path / "intake", max_bytes=LIMIT)
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    content = photo(tmp_path / "p.jpg")
    with serve_asgi(Starlette(routes=routes)) as base:
        answers = []
        upload = threading.Thread(target=lambda: answers.append(send(capture_url(base, token), content)))
        upload.start()
        try:
            assert held.entered.wait(30), "the upload reached storage"
            # The upload sits in its worker thread: the loop still serves another phone's page at once.
            started = time.monotonic()
            assert requests.get(capture_url(base, token), timeout=5).status_code == 200
            assert time.monotonic() - started < 2
            assert not answers
        finally:
            held.go.set()
            upload.join(30)
        assert answers[0].json()["status"] == "sent"


def test_a_large_upload_is_never_held_in_memory(db, store, storage, tmp_path):
    size = 48 * 1024 * 1024
    routes = capture_routes(db, lambda: storage, tmp_path / "intake", max_bytes=64 * 1024 * 1024)
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    chunk = b"\x00" * (256 * 1024)

    def body():
        for _ in range(size // len(chunk)):
            yield chunk

    with serve_asgi(Starlette(routes=routes)) as base:
        tracemalloc.start()
        try:
            answer = send(capture_url(base, token), body(), name="zeros.mov")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.json()["status"] == "refused"  # zeros are no video; what matters is the memory
    [row] = store.media.by_group("group-lin")
    assert row.size == size
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.1f} MB held at the peak for a 48 MB upload"
