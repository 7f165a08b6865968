"""The phone capture page in Chromium with a phone's screen (the capture routes served by uvicorn on loopback,
a real database and app-hosted storage): files picked from the gallery are sent one by one and each shows
what became of it; a file over the limit is not sent at all; once the link is closed, a new pick says so."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect
from skimage import data
from starlette.applications import Starlette

from lib.media.capture_routes import capture_routes, capture_url
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.database import Database
from lib.store.workspace import Store
from tests.helpers.serving import serve_asgi

LIMIT = 2 * 1024 * 1024


@pytest.fixture
def desk(tmp_path):
    db = Database(tmp_path / "registry.db")
    storage = AppHostedStorage(tmp_path / "media")
    routes = capture_routes(db, lambda: storage, tmp_path / "intake", max_bytes=LIMIT)
    with serve_asgi(Starlette(routes=routes)) as base:
        yield base, Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", ""), storage
    db.close()


def test_a_phone_sends_its_picks_and_sees_each_outcome(desk, phone_context, tmp_path):
    base, store, storage = desk
    link, token = store.captures.open("group-lin", "Lin Wei", 1800)
    Image.fromarray(data.astronaut()).save(tmp_path / "lin.jpg", "JPEG", quality=90)
    (tmp_path / "setup.jpg").write_bytes(b"MZ\x90\x00" + bytes(3000))
    (tmp_path / "long.mp4").write_bytes(bytes(LIMIT + 1))

    page = phone_context.new_page()
    page.goto(capture_url(base, token))
    page.set_input_files(
        "#capture-gallery",
        [str(tmp_path / "lin.jpg"), str(tmp_path / "setup.jpg"), str(tmp_path / "long.mp4")],
    )
    rows = page.locator("#capture-sent li")
    expect(rows.filter(has_text="lin.jpg")).to_have_attribute("data-status", "sent")
    expect(rows.filter(has_text="lin.jpg")).to_contain_text("已发送")
    expect(rows.filter(has_text="setup.jpg")).to_have_attribute("data-status", "refused")
    expect(rows.filter(has_text="setup.jpg")).to_contain_text("not a photo or a video")
    expect(rows.filter(has_text="long.mp4")).to_have_attribute("data-status", "refused")
    expect(rows.filter(has_text="long.mp4")).to_contain_text("at most 2 MB")

    kept = store.media.by_group("group-lin")
    assert sorted(r.name for r in kept) == ["lin", "setup"], "the file over the limit was never sent"
    assert [p.name for p in storage.root.iterdir()] == [r.storage_key for r in kept if r.state == "ready"]

    store.captures.close(link.id)
    (tmp_path / "again.jpg").write_bytes((tmp_path / "lin.jpg").read_bytes())
    page.set_input_files("#capture-gallery", [str(tmp_path / "again.jpg")])
    expect(rows.filter(has_text="again.jpg")).to_contain_text("no longer valid")
    assert len(store.media.by_group("group-lin")) == 2
