"""Issue 11, items 7 and 8, through the Submit page in AppTest against the real sandbox: the type is
detected per row (extension, then the probe's Content-Type), a mixed list goes out as one request per type,
a row's type can be chosen; the probe blocks only on a definite answer (404, wrong type, too large) until
the operator sends anyway, and only warns when a server cannot be reached."""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from lib import flow, probe
from lib.apimart import ApimartClient
from lib.assets import AssetRow, check_rows
from lib.ledger import FAILED, AssetLedger
from lib.store.database import Database
from lib.store.workspace import Store
from lib.ui import state
from tests.helpers.apptest import button, open_page, paste, verified, workflow
from tests.helpers.media_files import write_photo
from tests.helpers.sandbox import control
from tests.helpers.serving import free_port, serve_asgi

CDN = "https://cdn.example.com/lin"


def on_submit_page(at, sandbox):
    """A verified person (the phone approves in the sandbox), then the Submit page."""
    assert verified(at, sandbox)
    open_page(at, "submit")


def checks(at):
    """The check table: one dict per row."""
    frame = next(d.value for d in at.dataframe if "Check" in d.value.columns)
    return frame.to_dict("records")


def set_types(at, types: dict[int, str]):
    """Choose a type in rows of the editor, as the operator does in the Type column."""
    editor = next(d for d in at.data_editor if d.key.startswith("submit__editor_"))
    at.session_state[editor.key] = {
        "edited_rows": {row: {"type": kind} for row, kind in types.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception


def sends(sandbox) -> list[tuple[str, int]]:
    """(asset_type, asset count) of every asset request the sandbox received, in order."""
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [(r["asset_type"], r["asset_count"]) for r in log if r.get("selector") == "group_id"]


def sent_in_one_request(at, sandbox, count: int):
    """Send is pressable, names `count` assets, and sends them as one request of clips."""
    send = button(at, "submit__send")
    assert not send.disabled and send.label == f"Send {count} assets"
    send.click().run()
    assert not at.exception, at.exception
    assert sends(sandbox) == [("Video", count)]


def sandbox_types(sandbox) -> dict[str, str]:
    """url -> the type the sandbox holds each asset as."""
    rows = requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()
    return {r["url"]: r["asset_type"] for r in rows}


# ---------------------------------------------------------------- item 8: a type per row


def test_a_mixed_list_is_ready_as_pasted_and_goes_out_as_one_request_per_type(at, sandbox):
    on_submit_page(at, sandbox)
    photos = [f"{CDN}/photo-{i}.jpg" for i in range(21)]
    clips = [f"{CDN}/clip-{i}.mp4" for i in range(2)]
    paste(at, [photos[0], clips[0], *photos[1:], clips[1]])

    rows = checks(at)
    assert all(r["Check"] == "✅ ready" for r in rows), [r["Check"] for r in rows if r["Check"] != "✅ ready"]
    assert rows[0]["Sent as"] == "Image (from .jpg)" and rows[1]["Sent as"] == "Video (from .mp4)"
    assert not at.radio, "no type to choose when every URL says its type"
    send = button(at, "submit__send")
    assert send.label == "Send 23 assets" and not send.disabled
    assert "Sent in 3 parts (photos and clips go separately, at most 20 in each)." in [
        c.value for c in at.caption
    ]

    send.click().run()
    assert not at.exception, at.exception
    assert sends(sandbox) == [("Image", 20), ("Image", 1), ("Video", 2)], "one type per request, 20 at most"
    held = sandbox_types(sandbox)
    assert all(held[u] == "Image" for u in photos) and all(held[u] == "Video" for u in clips)

    # Every attempt and review task knows its type, in memory and in the registry.
    ledger = workflow(at).ledger
    assert sorted(t.asset_type for t in ledger.tasks.values()) == ["Image", "Image", "Video"]
    kept = state.store()
    stored = kept.assets.load_ledger(ledger.group_id)
    assert {a.current.url: a.current.asset_type for a in stored.assets.values()} == held
    assert sorted(s["asset_type"] for s in kept.submissions.all()) == ["Image", "Video"]


def test_a_row_whose_url_does_not_say_asks_for_a_type_and_a_chosen_type_is_sent(at, sandbox):
    on_submit_page(at, sandbox)
    paste(at, [f"{CDN}/portrait", f"{CDN}/side.mp4", f"{CDN}/front.mp4"])
    rows = checks(at)
    assert rows[0]["Check"] == "❌ choose Image or Video in the Type column: the URL does not say which it is"
    assert rows[0]["Sent as"] == "", "an empty cell, never 'None'"
    assert button(at, "submit__send").disabled

    # Image for the link without an extension; Image for a .mp4 is refused in its row.
    set_types(at, {0: "Image", 2: "Image"})
    rows = checks(at)
    assert rows[0]["Check"] == "✅ ready" and rows[0]["Sent as"] == "Image (chosen in the row)"
    assert rows[2]["Check"] == "❌ .mp4 is a video file, but the type is Image"
    set_types(at, {0: "Image", 2: "Video"})
    assert all(r["Check"] == "✅ ready" for r in checks(at))

    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    assert sends(sandbox) == [("Image", 1), ("Video", 2)]
    assert sandbox_types(sandbox)[f"{CDN}/portrait"] == "Image"


def test_one_type_for_all_rows_that_cannot_be_detected(at, sandbox):
    on_submit_page(at, sandbox)
    paste(at, [f"{CDN}/signed-a?sig=1", f"{CDN}/signed-b?sig=2", f"{CDN}/front.jpg"])
    at.radio(key="submit__default_type").set_value("Video").run()
    rows = checks(at)
    assert all(r["Check"] == "✅ ready" for r in rows)
    assert (
        rows[0]["Sent as"] == "Video (type for rows we cannot detect)"
        and rows[2]["Sent as"] == "Image (from .jpg)"
    )
    button(at, "submit__send").click().run()
    assert sends(sandbox) == [("Video", 2), ("Image", 1)]


@pytest.fixture
def group(sandbox, api_key, tmp_path):
    """A client, a store on a fresh file, and an empty ledger for a verified person."""
    client = ApimartClient(api_key, sandbox.base_url, sleep=lambda s: None)
    db = Database(tmp_path / "r.db")
    store = Store.for_connection(db, "sandbox", sandbox.base_url, api_key)
    attempt = flow.start_session(client, "https://app.example/callback", "en", store=store)
    control(sandbox, f"h5/{attempt.byted_token}/approve")
    attempt.confirm_by_operator()
    yield client, store, AssetLedger(flow.finish_verification(client, attempt, store=store), "Video")
    client.close()
    db.close()


def test_resubmission_and_send_again_keep_each_assets_type(sandbox, group):
    client, store, ledger = group
    rows = [AssetRow(f"{CDN}/mismatch-photo.jpg"), AssetRow(f"{CDN}/mismatch-clip.mp4"), AssetRow(f"{CDN}/x")]
    checked = check_rows(rows, default_type="Image")
    assert [c.asset_type for c in checked] == ["Image", "Video", "Image"]
    assert flow.submit_rows(client, ledger, checked, store=store).error is None
    while ledger.pending_task_ids():
        flow.poll_reviews(client, ledger, store=store)
    failed = {a.key: a.current.url for a in ledger.by_status(FAILED)}
    assert len(failed) == 2

    # A new session resumes from the registry: each asset is still known as the type it was sent as.
    ledger = store.assets.load_ledger(ledger.group_id)
    assert {ledger.type_of(k) for k in failed} == {"Image", "Video"}
    control(sandbox, "faults", route="/v1/seedance2/real-avatar", method="POST", status=500, count=1)
    outcome = flow.resubmit(client, ledger, failed, store=store)
    assert outcome.error is not None and outcome.error.maybe_sent, "the first type's answer is lost"
    assert len(outcome.unknown_keys) == 1 and len(outcome.unsent) == 1, "the second type stays unsent"
    assert sends(sandbox)[-1] == ("Image", 1)
    (put_back,) = outcome.unsent
    assert put_back.asset_type == "", "back in the table as Auto: its .mp4 says Video"
    (send_key,) = ledger.unsettled_sends()
    assert flow.send_again(client, ledger, send_key, store=store).error is None
    assert sends(sandbox)[-1] == ("Image", 1), "sent again as an image, with the same key"


# ---------------------------------------------------------------- item 7: the probe's severity


def _photo(size: tuple[int, int]):
    """A real JPEG of the astronaut at `size`, served with its true length (the probe reads it whole)."""

    async def endpoint(request):
        with tempfile.TemporaryDirectory() as folder:
            body = write_photo(Path(folder) / "p.jpg", size=size).read_bytes()
        headers = {"Content-Type": "image/jpeg", "Content-Length": str(len(body))}
        return Response(b"" if request.method == "HEAD" else body, headers=headers)

    return endpoint


def _file(content_type: str, size: int = 1000, status: int = 200):
    async def endpoint(request):
        return Response(
            status_code=status, headers={"Content-Type": content_type, "Content-Length": str(size)}
        )

    return endpoint


FILES = Starlette(
    routes=[
        Route("/ok.mp4", _file("video/mp4"), methods=["GET", "HEAD"]),
        Route("/face.jpg", _photo((600, 600)), methods=["GET", "HEAD"]),
        Route("/tiny.jpg", _photo((200, 200)), methods=["GET", "HEAD"]),
        Route("/gone.mp4", _file("text/plain", status=404), methods=["GET", "HEAD"]),
        Route("/gone-too.mp4", _file("text/plain", status=404), methods=["GET", "HEAD"]),
        Route("/huge.mp4", _file("video/mp4", 80 * 1024 * 1024), methods=["GET", "HEAD"]),
        Route("/page.mp4", _file("text/html"), methods=["GET", "HEAD"]),
        Route("/busy.mp4", _file("text/plain", status=503), methods=["GET", "HEAD"]),
        Route("/photo", _file("image/png"), methods=["GET", "HEAD"]),
        Route("/clip", _file("video/quicktime"), methods=["GET", "HEAD"]),
        Route("/blob", _file("application/octet-stream"), methods=["GET", "HEAD"]),
    ]
)


@pytest.fixture
def files(monkeypatch):
    """A file server on loopback that the Submit page's URLs reach under a public-looking name: the probe's
    test-only hooks (a resolver, allow_private for that one origin) are put in by wrapping
    lib.probe.probe_url; every other host is resolved and refused as usual."""
    with serve_asgi(FILES) as base:
        port = urlsplit(base).port
        origin = f"http://files.example.com:{port}"
        closed = f"http://closed.example.com:{free_port()}"  # nothing listens there
        loopback = [ipaddress.ip_address("127.0.0.1")]
        real = probe.probe_url

        def wrapped(url, asset_type=None, **kwargs):
            if urlsplit(url).hostname in ("files.example.com", "closed.example.com"):
                kwargs.update(allow_private=[origin, closed], resolver=lambda host, port: loopback)
            return real(url, asset_type, **{**kwargs, "timeout": 3})

        monkeypatch.setattr(probe, "probe_url", wrapped)
        yield origin, closed


def test_an_unreachable_host_is_a_warning_and_does_not_block(at, sandbox, files):
    origin, closed = files
    on_submit_page(at, sandbox)
    paste(
        at, [f"{origin}/ok.mp4", "https://nonexistent.invalid/a.mp4", f"{closed}/b.mp4", f"{origin}/busy.mp4"]
    )
    button(at, "submit__probe_button").click().run()
    assert not at.exception, at.exception
    rows = checks(at)
    assert rows[0]["Check"] == "✅ ready"
    assert rows[1]["Check"].startswith(
        "⚠️ ready, not checked: the host name nonexistent.invalid does not resolve"
    )
    assert rows[2]["Check"].startswith("⚠️ ready, not checked: could not connect")
    assert rows[3]["Check"].startswith("⚠️ ready, not checked: the URL's server answered HTTP 503")
    assert any("3 rows could not be checked from here" in w.value for w in at.warning)
    assert not [c for c in at.checkbox if c.key.startswith("submit__anyway")], "nothing to send anyway"
    sent_in_one_request(at, sandbox, 4)


def test_a_404_holds_the_row_back_until_send_anyway(at, sandbox, files):
    origin, _ = files
    on_submit_page(at, sandbox)
    paste(at, [f"{origin}/ok.mp4", f"{origin}/gone.mp4"])
    button(at, "submit__probe_button").click().run()
    rows = checks(at)
    assert rows[0]["Check"] == "✅ ready"
    assert (
        rows[1]["Check"] == "⛔ held back: the URL answered HTTP 404: APIMart will not be able to download it"
    )
    assert button(at, "submit__send").disabled
    (anyway,) = [c for c in at.checkbox if c.key.startswith("submit__anyway_")]
    assert anyway.label.startswith("Row 2,") and anyway.label.endswith("send anyway")

    anyway.check().run()
    assert checks(at)[1]["Check"].startswith("⚠️ sent anyway: the URL answered HTTP 404")
    sent_in_one_request(at, sandbox, 2)


def test_held_rows_can_be_sent_anyway_all_at_once_or_removed(at, sandbox, files):
    origin, _ = files
    on_submit_page(at, sandbox)
    paste(at, [f"{origin}/ok.mp4", f"{origin}/gone-too.mp4", f"{origin}/page.mp4", f"{origin}/huge.mp4"])
    button(at, "submit__probe_button").click().run()
    rows = checks(at)
    assert [r["Check"][:1] for r in rows] == ["✅", "⛔", "⛔", "⛔"]
    assert "text/html, not a video" in rows[2]["Check"]
    assert "80.0 MB" in rows[3]["Check"] and "under 50 MB" in rows[3]["Check"]
    at.checkbox(key="submit__anyway_all").check().run()
    assert [r["Check"][:1] for r in checks(at)] == ["✅", "⚠", "⚠", "⚠"]
    assert not button(at, "submit__send").disabled
    at.checkbox(key="submit__anyway_all").uncheck().run()
    assert button(at, "submit__send").disabled
    button(at, "submit__drop").click().run()
    assert [r["Link"] for r in checks(at)] == [f"{origin}/ok.mp4"]
    assert not button(at, "submit__send").disabled
    assert sends(sandbox) == []


def test_a_link_whose_file_is_read_gets_the_media_check_and_a_thumbnail(at, sandbox, files):
    origin, _ = files
    on_submit_page(at, sandbox)
    paste(at, [f"{origin}/face.jpg", f"{origin}/tiny.jpg"])
    button(at, "submit__probe_button").click().run()
    assert not at.exception, at.exception
    rows = checks(at)
    assert rows[0]["Check"] == "✅ Ready"
    assert rows[1]["Check"].startswith("🚫 APIMart would refuse this file: ")
    assert "200" in rows[1]["Check"] and "300" in rows[1]["Check"], rows[1]["Check"]
    assert str(rows[0]["Preview"]).startswith("data:image/jpeg;base64,"), "the good photo's thumbnail"
    assert not isinstance(rows[1]["Preview"], str), "a refused file has none, as an upload"
    assert button(at, "submit__send").disabled, "a file that would fail keeps the send waiting"
    button(at, "submit__drop").click().run()
    assert [r["Link"] for r in checks(at)] == [f"{origin}/face.jpg"]
    assert not button(at, "submit__send").disabled
    button(at, "submit__send").click().run()
    assert sends(sandbox) == [("Image", 1)]


def test_the_probe_gives_a_type_to_links_without_an_extension(at, sandbox, files):
    origin, _ = files
    on_submit_page(at, sandbox)
    paste(at, [f"{origin}/photo", f"{origin}/clip", f"{origin}/blob"])
    assert all(r["Check"].startswith("❌ choose Image or Video") for r in checks(at)), "not probed yet"
    button(at, "submit__probe_button").click().run()
    rows = checks(at)
    assert rows[0]["Check"] == "✅ ready" and rows[0]["Sent as"] == "Image (the server says image/png)"
    assert rows[1]["Check"] == "✅ ready" and rows[1]["Sent as"] == "Video (the server says video/quicktime)"
    assert rows[2]["Check"].startswith("❌ choose Image or Video"), "application/octet-stream says nothing"
    set_types(at, {2: "Video"})
    button(at, "submit__send").click().run()
    assert sends(sandbox) == [("Image", 1), ("Video", 2)]


# ---------------------------------------------------------------- the pure parts


def test_types_by_row_and_batches_by_type():
    from lib.assets import batches_by_type, requests_for, type_from_content_type, type_from_extension

    assert type_from_extension(f"{CDN}/a.JPG") == "Image" and type_from_extension(f"{CDN}/a.mov") == "Video"
    assert type_from_extension(f"{CDN}/a") is None and type_from_extension(f"{CDN}/a.txt") is None
    assert (
        type_from_content_type("video/mp4; codecs=avc1") == "Video"
        and type_from_content_type("text/html") is None
    )
    found = check_rows(
        [
            AssetRow(f"{CDN}/a.jpg"),
            AssetRow(f"{CDN}/b", "", "Video"),
            AssetRow(f"{CDN}/c"),
            AssetRow(f"{CDN}/d.txt"),
        ],
        detected={f"{CDN}/c": "Image"},
    )
    assert [(c.asset_type, c.type_from) for c in found] == [
        ("Image", "extension"),
        ("Video", "chosen"),
        ("Image", "server"),
        ("", ""),
    ]
    assert "neither a photo nor a video" in found[3].reason
    assert (
        check_rows([AssetRow(f"{CDN}/a.jpg")], "Video")[0].reason
        == ".jpg is an image file, but the type is Video"
    )
    items = [("Image", i) for i in range(25)] + [("Video", "v")] + [("Image", 25)]
    assert [(k, len(b)) for k, b in batches_by_type(items, 20)] == [("Image", 20), ("Image", 6), ("Video", 1)]
    assert requests_for(["Image"] * 21 + ["Video"] * 2) == 3 and requests_for([]) == 0


def test_probe_severity():
    from lib.probe import BLOCK, WARN, ProbeResult

    answered = ProbeResult("u", 200, "video/mp4", 60 * 1024 * 1024, None)
    assert answered.judged("Video").severity == BLOCK and "under 50 MB" in answered.judged("Video").problem
    assert answered.judged("Image").blocks and "not an image" in answered.judged("Image").problem
    assert answered.judged(None).blocks, "the server's type, then its limit"
    assert ProbeResult("u", 404, None, None, None).judged("Image").blocks
    assert ProbeResult("u", 503, None, None, None).judged("Image").severity == WARN
    assert ProbeResult("u", 429, None, None, None).judged("Image").warns
    assert ProbeResult("u", 200, "application/octet-stream", 10, None).judged(None).ok
    assert ProbeResult("u", 200, "text/html", 10, None).judged(None).blocks
    unreachable = probe.probe_url("https://nonexistent.invalid/a.mp4", "Video", timeout=3)
    assert unreachable.warns and not unreachable.blocks
