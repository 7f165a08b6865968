"""Several app servers on one database: their heartbeats (table `servers`), and whether the files one hosts can
be served by every other (markers in the media folder). Two Database handles on one real file stand for two
servers, with two media folders or one shared; the Submit page and the Group step in AppTest; the capture
upload over real HTTP; the standalone sandbox as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from starlette.applications import Starlette

from lib.media.capture_routes import capture_url
from lib.media.sharing import MARKERS, Heartbeat, forget_looks, media_sharing
from lib.media.storage.settings import StorageSettings
from lib.server import NOT_SHARED_MESSAGE, server_routes
from lib.store.database import Database
from lib.store.servers import LIVE_S, live_servers
from lib.store.workspace import Store
from tests.helpers.apptest import open_page, texts, verified
from tests.helpers.serving import ROOT, free_port, serve_asgi, wait_for


class Clock:
    def __init__(self, now=10_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def two_databases(registry_target):
    """Two servers' handles on one registry: a SQLite file, or a real PostgreSQL database."""
    a, b = Database(registry_target), Database(registry_target)
    yield a, b
    a.close()
    b.close()


def app_hosted(folder: Path) -> StorageSettings:
    return StorageSettings(backend="app", media_dir=folder)


def test_two_servers_with_their_own_folders_refuse_app_hosted_files(two_databases, tmp_path):
    a, b = two_databases
    clock = Clock()
    on_a = Heartbeat(a, app_hosted(tmp_path / "media-a"), clock=clock)
    on_b = Heartbeat(b, app_hosted(tmp_path / "media-b"), clock=clock)
    on_a.beat_now()
    alone = media_sharing(a, on_a.settings, on_a.id, clock())
    assert not alone.refuses and alone.servers == 1 and not alone.shared_folder
    on_b.beat_now()
    for db, me in ((a, on_a), (b, on_b)):
        seen = media_sharing(db, me.settings, me.id, clock())
        assert seen.refuses and seen.unshared == 1 and seen.servers == 2
    assert (tmp_path / "media-a" / MARKERS / on_a.id).read_text() == on_a.id


def test_two_servers_on_one_folder_share_it(two_databases, tmp_path):
    a, b = two_databases
    clock = Clock()
    on_a = Heartbeat(a, app_hosted(tmp_path / "shared-media"), clock=clock)
    on_b = Heartbeat(b, app_hosted(tmp_path / "shared-media"), clock=clock)
    on_a.beat_now()
    on_b.beat_now()
    for db, me in ((a, on_a), (b, on_b)):
        seen = media_sharing(db, me.settings, me.id, clock())
        assert not seen.refuses and seen.shared_folder and seen.servers == 2
        assert seen.where == str((tmp_path / "shared-media").resolve())


def test_a_server_on_a_bucket_cannot_serve_anothers_folder_and_a_bucket_is_always_shared(two_databases, tmp_path):
    a, b = two_databases
    clock = Clock()
    on_a = Heartbeat(a, app_hosted(tmp_path / "media"), clock=clock)
    on_b = Heartbeat(b, StorageSettings(backend="s3", bucket="team-files"), clock=clock)
    on_a.beat_now()
    on_b.beat_now()
    assert media_sharing(a, on_a.settings, on_a.id, clock()).refuses
    in_bucket = media_sharing(b, on_b.settings, on_b.id, clock())
    assert not in_bucket.refuses and (in_bucket.backend, in_bucket.where) == ("s3", "team-files")
    assert on_b.marker is None and not (tmp_path / "media" / MARKERS / on_b.id).exists()


def test_a_server_gone_quiet_stops_counting_and_one_that_stops_leaves_at_once(two_databases, tmp_path):
    a, b = two_databases
    clock = Clock()
    on_a = Heartbeat(a, app_hosted(tmp_path / "media-a"), clock=clock)
    on_b = Heartbeat(b, app_hosted(tmp_path / "media-b"), clock=clock)
    on_a.beat_now()
    on_b.beat_now()
    clock.now += LIVE_S + 1  # B was killed: no beat since
    on_a.beat_now()
    assert [row.id for row in live_servers(a, clock())] == [on_a.id]
    assert not media_sharing(a, on_a.settings, on_a.id, clock()).refuses
    on_b.beat_now()  # B is back
    assert media_sharing(a, on_a.settings, on_a.id, clock()).refuses
    on_b.stop()  # a clean stop: its row and marker go
    assert not media_sharing(a, on_a.settings, on_a.id, clock()).refuses
    assert not (tmp_path / "media-b" / MARKERS / on_b.id).exists()


def test_markers_killed_servers_left_are_swept_at_start(two_databases, tmp_path):
    a, b = two_databases
    folder = tmp_path / "media" / MARKERS
    folder.mkdir(parents=True)
    (folder / "killed-long-ago").write_text("killed-long-ago")
    os.utime(folder / "killed-long-ago", (1, 1))
    (folder / "killed-just-now").write_text("killed-just-now")
    live = Heartbeat(b, app_hosted(tmp_path / "media"))
    live.beat_now()
    os.utime(live.marker, (1, 1))  # old, but its server is alive
    started = Heartbeat(a, app_hosted(tmp_path / "media")).start()
    try:
        assert sorted(p.name for p in folder.iterdir()) == sorted(["killed-just-now", live.id, started.id])
    finally:
        started.stop()
        live.stop()


def test_heartbeats_move_no_change_stamp(two_databases, tmp_path):
    a, _ = two_databases
    stamp = a.change_stamp()
    beat = Heartbeat(a, app_hosted(tmp_path / "media"))
    beat.beat_now()
    beat.beat_now()
    assert a.change_stamp() == stamp


def test_the_heartbeat_thread_keeps_the_row_fresh(two_databases, tmp_path):
    a, b = two_databases
    beat = Heartbeat(a, app_hosted(tmp_path / "media"), every=0.05).start()
    try:
        first = live_servers(b, beat.clock())[0].seen_at
        wait_until = beat.clock() + 5
        while live_servers(b, beat.clock())[0].seen_at == first and beat.clock() < wait_until:
            time.sleep(0.01)
        assert live_servers(b, beat.clock())[0].seen_at > first, "written again"
    finally:
        beat.stop()
    assert live_servers(b, beat.clock()) == []


# ---------------------------------------------------------------- the pages


@pytest.fixture
def another_server(monkeypatch, tmp_path, media_dir):
    """A second live server on the pages' database with a media folder of its own (the app's is media_dir)."""
    forget_looks()
    beat = Heartbeat(Database(tmp_path / "registry.db"), app_hosted(tmp_path / "elsewhere"))
    beat.beat_now()
    yield beat
    beat.stop()
    beat.db.close()
    forget_looks()


def test_submit_says_where_files_are_kept(new_session, sandbox, media_dir):
    forget_looks()
    at = new_session()
    verified(at, sandbox)
    open_page(at, "submit")
    assert f"Files are kept on this server, in {media_dir.resolve()}" in texts(at.caption).replace("`", "")
    assert any(u.key.startswith("submit__files_") for u in at.file_uploader)


def test_submit_and_the_phone_link_refuse_files_another_server_could_not_serve(
    new_session, sandbox, another_server
):
    at = new_session()
    verified(at, sandbox)
    open_page(at, "submit")
    said = texts(at.error)
    assert "Files can't be taken in on this server" in said and "1 other app server" in said
    assert "AVATAR_DESK_S3_BUCKET" in said and "AVATAR_DESK_MEDIA_DIR" in said
    assert not any(u.key.startswith("submit__files_") for u in at.file_uploader), "no drop zone"
    open_page(at, "group")
    assert "Files can't be taken in on this server" in texts(at.error)
    assert not [b for b in at.button if b.key == "group__capture_open"], "no phone link offered"


def test_the_capture_upload_refuses_while_the_folder_is_not_shared(tmp_path, media_dir, another_server):
    env = {
        "AVATAR_DESK_DB": str(tmp_path / "registry.db"),
        "AVATAR_DESK_MEDIA_DIR": str(media_dir),
        "AVATAR_DESK_SANDBOX": "off",
    }
    db = another_server.db
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")
    _, token = store.captures.open("group-lin", "Lin Wei", 1800)
    picture = tmp_path / "p.jpg"
    Image.new("RGB", (800, 800), (120, 90, 60)).save(picture)
    with serve_asgi(Starlette(routes=server_routes(env=env))) as base:
        sent = requests.post(f"{capture_url(base, token)}/upload", data=picture.read_bytes(), timeout=10)
        assert sent.status_code == 200
        assert sent.json() == {"status": "refused", "message": NOT_SHARED_MESSAGE}
        guessed = requests.post(f"{capture_url(base, 'guessed-token')}/upload", data=b"x", timeout=10)
        assert guessed.status_code == 403 and guessed.json() == {"error": "refused"}
    assert store.media.by_group("group-lin") == [] and not any(media_dir.glob("*.jpg")), "nothing kept"


# ---------------------------------------------------------------- the standalone sandbox


def test_the_standalone_sandbox_serves_on_the_given_host_and_port():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.sandbox", "--host", "127.0.0.1", "--port", str(port), "--timing", "instant"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/_sandbox/health", timeout=30, process=process)
        created = requests.post(
            f"{base}/v1/seedance2/real-avatar",
            json={"callback_url": "http://127.0.0.1:9/callback"},
            headers={"Authorization": "Bearer sk-standalone"},
            timeout=5,
        )
        assert created.ok and created.json()["data"]["id"].startswith("task_")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert output.splitlines()[0] == f"APIMart sandbox on http://127.0.0.1:{port}"
