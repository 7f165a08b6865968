"""Bad input on the routes a phone uses (issue 15): a forged callback, an expired capture link and a guessed
media id each get the route's plain refusal, exactly one log line that carries no secret, token or key, and
no record changes. The server's real routes over HTTP, on a real registry file and app-hosted storage."""

from __future__ import annotations

import logging
import secrets
import time

import pytest
import requests
from sqlalchemy import select
from starlette.applications import Starlette

from lib.media.capture_routes import capture_url
from lib.server import server_routes
from lib.store.callbacks import StoredCallbackInbox
from lib.store.tables import callback_inbox, capture_links, media
from lib.store.workspace import Store
from tests.helpers.serving import serve_asgi

SECRET = "the-attempt-secret-0123456789abcdefghij"


@pytest.fixture
def served(tmp_path, db):
    env = {
        "AVATAR_DESK_DB": str(tmp_path / "registry.db"),
        "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media"),
        "AVATAR_DESK_SANDBOX": "off",
    }
    with serve_asgi(Starlette(routes=server_routes(database=db, env=env))) as base:
        yield base


def snapshot(db):
    return [db.rows(select(table)) for table in (callback_inbox, capture_links, media)]


def refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lib.server"]


def test_a_forged_callback_is_refused_with_one_line_and_changes_nothing(served, db, caplog):
    StoredCallbackInbox(db).expect(SECRET, "token_real", time.time() + 120)
    before = snapshot(db)
    caplog.set_level(logging.INFO)
    for params in (
        {"s": "guessed-secret", "bytedToken": "token_real", "resultCode": "10000"},
        {"s": SECRET, "bytedToken": "token_forged", "resultCode": "10000"},
    ):
        caplog.clear()
        answer = requests.get(f"{served}/callback", params=params, timeout=5)
        assert answer.status_code == 403 and "This link is not valid" in answer.text
        [line] = refusals(caplog)
        said = line.getMessage()
        assert said.startswith("callback refused")
        for secret in (params["s"], params["bytedToken"], SECRET):
            assert secret not in said
    assert snapshot(db) == before


def test_an_expired_capture_link_is_refused_with_one_line_and_changes_nothing(served, db, caplog):
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")
    _, token = store.captures.open("group-lin", "Lin Wei", 0.5)
    time.sleep(0.6)  # the link's life is over
    before = snapshot(db)
    caplog.set_level(logging.INFO)
    page = requests.get(capture_url(served, token), timeout=5)
    assert page.status_code == 403
    [line] = refusals(caplog)
    caplog.clear()
    upload = requests.post(f"{capture_url(served, token)}/upload", data=b"\xff\xd8\xff", timeout=5)
    assert upload.status_code == 403 and upload.json() == {"error": "refused"}
    [second] = refusals(caplog)
    for said in (line.getMessage(), second.getMessage()):
        assert said.startswith("capture link refused") and token not in said
    assert snapshot(db) == before


def test_a_guessed_media_id_is_refused_with_one_line_and_changes_nothing(served, db, caplog):
    before = snapshot(db)
    guessed = f"{secrets.token_urlsafe(24)}.jpg"
    caplog.set_level(logging.INFO)
    answer = requests.get(f"{served}/files/{guessed}", timeout=5)
    assert answer.status_code == 404 and answer.text == "Not found\n"
    [line] = refusals(caplog)
    assert line.getMessage().startswith("file refused") and guessed not in line.getMessage()
    assert snapshot(db) == before
