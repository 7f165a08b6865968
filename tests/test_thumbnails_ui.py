"""Thumbnails wherever an asset appears, in AppTest: files dropped on Submit are hosted by the app's real file
route (served on a free port, the app's public address), the sandbox downloads and judges their bytes (a photo
of one person is approved, a cup of coffee is not), and the Review's approved and not approved tables, the
Library's assets and Make a video's picked references show each file's own thumbnail (a clip: its poster)."""

from __future__ import annotations

import time

import pytest
from starlette.applications import Starlette

from lib.media.routes import media_routes
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.database import Database
from lib.ui import state
from tests.helpers.apptest import button, open_page, table, verified, workflow
from tests.helpers.media_files import coffee, write_photo, write_video
from tests.helpers.sandbox import control
from tests.helpers.serving import serve_asgi

DATA_JPEG = "data:image/jpeg;base64,"


@pytest.fixture
def app_files(monkeypatch, tmp_path, sandbox_env, media_dir):
    """The app's file route served for real (its own Database on the app's registry file, its storage folder)
    as the app's public address (set after sandbox mode, which unsets it), and the sandbox told it may
    download from there."""
    sandbox = sandbox_env
    database = Database(tmp_path / "registry.db")
    with serve_asgi(Starlette(routes=media_routes(database, AppHostedStorage(media_dir)))) as base:
        monkeypatch.setenv("AVATAR_DESK_PUBLIC_URL", base)
        control(sandbox, "config", media_origins=[base])
        yield base
    database.close()


@pytest.fixture
def at(app_files, new_session):
    return new_session()


def dropped_and_reviewed(at, sandbox, tmp_path) -> None:
    verified(at, sandbox)
    open_page(at, "submit")
    files = [
        write_photo(tmp_path / "front.jpg"),
        write_photo(tmp_path / "cup.jpg", coffee()),
        write_video(tmp_path / "hello.mp4", seconds=3, fps=25, width=640, height=800),
    ]
    uploader = next(u for u in at.file_uploader if u.key.startswith("submit__files_"))
    uploader.set_value([(f.name, f.read_bytes(), "application/octet-stream") for f in files]).run()
    assert not at.exception, at.exception
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    open_page(at, "review")
    # The sandbox judges the files' bytes first; a read that finds them still being judged is followed by the
    # next a second later (lib/ui/review_poll.py), so the page is run again for a while, not a number of times.
    deadline = time.monotonic() + 30
    while workflow(at).ledger.pending_task_ids() and time.monotonic() < deadline:
        at.run()
        time.sleep(0.1)


def test_review_library_and_generate_show_each_files_own_thumbnail(at, sandbox, app_files, tmp_path):
    dropped_and_reviewed(at, sandbox, tmp_path)
    ledger = workflow(at).ledger
    assert not ledger.pending_task_ids(), "the sandbox judged the files"

    approved = table(at, "asset_url")
    assert sorted(approved["name"]) == ["front", "hello"]
    assert all(t.startswith(DATA_JPEG) for t in approved["thumbnail"]), "a photo and a clip's poster"
    failed = table(at, "reason")
    assert list(failed["name"]) == ["cup"] and failed["thumbnail"][0].startswith(DATA_JPEG)
    kept = state.store().media.by_group(ledger.group_id)
    assert all(r.sent_at and r.review_ended_at for r in kept), "retention counts from the review's end"

    open_page(at, "library")
    at.dataframe(key="library__people")  # the person is listed and picked by the page
    assets = next(d.value for d in at.dataframe if "source_url" in d.value.columns)
    assert len(assets) == 3
    assert all(str(t).startswith(DATA_JPEG) for t in assets["thumbnail"])

    open_page(at, "generate")
    picked = at.multiselect(key="generate__assets").value
    assert len(picked) == 2
    assert len(at.image) == 2, "a thumbnail per picked reference"
    assert sorted(i.proto.imgs[0].caption.rsplit(" · ", 1)[-1] for i in at.image) == ["front", "hello"]
