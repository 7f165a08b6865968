"""The phone capture on the operator's pages, in AppTest: the Group step opens a link (QR code, link, time left,
close) whose token only the QR and the session hold; the capture routes, served for real on the same registry
file and storage, take what the phone sends, and the Submit table shows it on its next run (the page polls
every second; AppTest never fires a timer, so the test runs the page); refused files are listed, never added;
a closed link stops working."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from starlette.applications import Starlette

from lib.media.capture_routes import capture_routes
from lib.media.intake import media_id_from_url
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.captures import resolve_capture
from lib.ui import state
from tests.helpers.apptest import button, open_page, table, verified, workflow
from tests.helpers.media_files import program_named_jpg, write_photo
from tests.helpers.serving import serve_asgi


@pytest.fixture
def at(media_dir, new_session):
    return new_session()


@pytest.fixture
def phone_base(db, media_dir, tmp_path):
    """The capture routes served for real on the app's registry file and storage folder."""
    routes = capture_routes(db, lambda: AppHostedStorage(media_dir), tmp_path / "intake")
    with serve_asgi(Starlette(routes=routes)) as url:
        yield url


def opened(at, sandbox) -> str:
    """Verify a person, open a phone link on the Group step; the link the card shows."""
    verified(at, sandbox)
    button(at, "group__capture_open").click().run()
    assert not at.exception, at.exception
    [link] = [c.value for c in at.code if "/capture/" in c.value]
    return link


def phone_sends(link: str, path: Path, base: str) -> dict:
    """What the person's phone does: POST the file as the raw body to the link's upload address."""
    token = link.rsplit("/", 1)[1]
    answer = requests.post(
        f"{base}/capture/{token}/upload",
        data=path.read_bytes(),
        headers={"X-File-Name": quote(path.name)},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_group_step_opens_a_link_with_its_qr_code_and_time_left(at, sandbox, db, tmp_path):
    link = opened(at, sandbox)
    token = link.rsplit("/", 1)[1]
    group_id = workflow(at).group_id

    assert link.startswith("http://127.0.0.1:") and len(token) >= 32
    current = state.store().captures.current(group_id)
    assert resolve_capture(db, token, time.time()).id == current.id
    assert current.expires_at - current.created_at == 30 * 60
    assert at.image, "the QR code"
    shown = "\n".join(m.value for m in at.markdown)
    assert "Open for **29 min" in shown or "Open for **30 min" in shown
    assert "received: **0**" in shown
    assert button(at, "group__capture_close")
    # The store keeps the token's hash only.
    assert token.encode() not in (tmp_path / "registry.db").read_bytes()


def test_what_the_phone_sends_appears_in_the_submit_table(at, sandbox, phone_base, tmp_path):
    link = opened(at, sandbox)
    answer = phone_sends(link, write_photo(tmp_path / "selfie.jpg"), phone_base)
    assert answer["status"] == "sent"
    phone_sends(link, program_named_jpg(tmp_path / "setup.jpg"), phone_base)

    open_page(at, "submit")
    frame = table(at, "Check")
    assert list(frame["Name"]) == ["selfie"] and list(frame["Check"]) == ["✅ Ready"]
    assert frame["Preview"][0].startswith("data:image/jpeg;base64,")
    row = state.store().media.get(media_id_from_url(frame["Link"][0]))
    assert (row.source, row.group_id) == ("phone", workflow(at).group_id)
    assert "setup: this is not a picture or video" in "\n".join(m.value for m in at.markdown)
    assert "The phone link is open" in "\n".join(c.value for c in at.caption)

    # The next one arrives while the page is open: the page's next run (its poll) adds it, once.
    phone_sends(link, write_photo(tmp_path / "side.jpg", size=(600, 800)), phone_base)
    at.run()
    assert list(table(at, "Check")["Name"]) == ["selfie", "side"]


def test_closing_the_link_stops_it(at, sandbox, phone_base, tmp_path):
    link = opened(at, sandbox)
    button(at, "group__capture_close").click().run()
    assert not at.exception, at.exception

    token = link.rsplit("/", 1)[1]
    refused = requests.post(
        f"{phone_base}/capture/{token}/upload", data=b"x", headers={"X-File-Name": "a.jpg"}, timeout=10
    )
    assert refused.status_code == 403
    assert requests.get(link.replace(link.split("/capture/")[0], phone_base), timeout=10).status_code == 403
    assert button(at, "group__capture_open"), "a new link can be opened"
    assert not [c for c in at.code if "/capture/" in c.value]

    open_page(at, "submit")
    assert [p for p in at.get("page_link") if "phone" in p.proto.label]


def test_a_link_opened_elsewhere_is_not_shown_again_and_a_new_one_ends_it(
    at, sandbox, phone_base, new_session, tmp_path
):
    first = opened(at, sandbox)
    other = new_session()  # a reload: a new session on the same registry
    open_page(other, "group")
    assert "cannot be shown again" in "\n".join(c.value for c in other.caption)
    assert not [c for c in other.code if "/capture/" in c.value]

    button(other, "group__capture_open").click().run()
    [second] = [c.value for c in other.code if "/capture/" in c.value]
    assert second != first
    token = first.rsplit("/", 1)[1]
    gone = requests.post(
        f"{phone_base}/capture/{token}/upload", data=b"x", headers={"X-File-Name": "a.jpg"}, timeout=10
    )
    assert gone.status_code == 403, "one phone link per person at a time"
