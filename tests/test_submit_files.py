"""Submit's "From this computer" in AppTest, against the real sandbox, a real registry file and app-hosted
storage on disk: dropped files are checked by content and join the table with their thumbnail and verdict;
refused files are listed with their reason and hosted nowhere; the same file twice is said once; one click
fixes a file (the fixed copy takes the row, the original is kept); files and URLs go out together; in live
mode with a loopback address nothing is sent and the two ways out are said."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageDraw
from streamlit.runtime.uploaded_file_manager import UploadedFile

from lib.media.intake import media_id_from_url
from lib.ui import state
from tests.helpers.apptest import button, open_page, paste, table, until_reviewed, verified, workflow
from tests.helpers.media_files import astronaut, coffee, program_named_jpg, write_photo, write_video

JPEG = "image/jpeg"


@pytest.fixture
def at(media_dir, new_session):
    return new_session()


def uploader(at):
    return next(u for u in at.file_uploader if u.key.startswith("submit__files_"))


def drop(at, *files: tuple[str, bytes]) -> None:
    """Drop `files` (name, content) on the drop zone and let the page take them in."""
    uploader(at).set_value([(name, content, JPEG) for name, content in files]).run()
    assert not at.exception, at.exception


def photo(tmp_path: Path, name: str, **options) -> tuple[str, bytes]:
    return name, write_photo(tmp_path / f"made-{name}", **options).read_bytes()


def checks(at) -> list[tuple[str, str]]:
    frame = table(at, "Check")
    return list(zip(frame["Name"], frame["Check"], strict=True))


def hosted(media_dir: Path) -> list[str]:
    return sorted(p.name for p in media_dir.iterdir()) if media_dir.exists() else []


def media_rows(at, tmp_path):
    """The kept files of the table's rows, in its order (the app's own store, this connection's scope)."""
    return [state.store().media.get(media_id_from_url(url)) for url in table(at, "Check")["Link"]]


def sent_to_group(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [r for r in log if r.get("selector") == "group_id"]


def test_dropped_files_join_the_table_with_their_verdict_and_thumbnail(at, sandbox, tmp_path, media_dir):
    verified(at, sandbox)
    open_page(at, "submit")
    ready = photo(tmp_path, "front.jpg")
    drop(
        at,
        ready,
        photo(tmp_path, "wide-shot.jpg", size=(6400, 3200)),
        ("setup.jpg", program_named_jpg(tmp_path / "setup.jpg").read_bytes()),
        photo(tmp_path, "cup.jpg", picture=coffee()),
        ("front-copy.jpg", ready[1]),  # the same photo under another name
    )

    assert checks(at) == [
        ("front", "✅ Ready"),
        ("wide-shot", "🔧 Needs a fix: 6400 px wide, the limit is 6000 (Make smaller, below)"),
        ("cup", "⚠️ Ready, but: no face found (APIMart wants the person's face, clearly)"),
    ]
    frame = table(at, "Check")
    assert all(uri.startswith("data:image/jpeg;base64,") for uri in frame["Preview"])
    assert all(media_id_from_url(url) for url in frame["Link"]), "hosted by the app"
    markdown = "\n".join(m.value for m in at.markdown)
    assert "**1 file can't be sent** (not added to the table)" in markdown
    assert "setup.jpg: this is not a picture or video" in markdown
    assert "front-copy.jpg: already in the table" in [c.value for c in at.caption]
    # Nothing is sent while a file needs its fix; the refused file is hosted nowhere.
    assert button(at, "submit__send").disabled
    assert len(hosted(media_dir)) == 3
    assert button(at, "submit__fix_" + media_rows(at, tmp_path)[1].id + "_downscale")
    # The uploader was emptied (a new key): no uploaded file stays in the session.
    assert uploader(at).key == "submit__files_1" and not uploader(at).value
    kept = at.session_state._state._state.filtered_state.values()
    assert not [
        v
        for v in kept
        if isinstance(v, UploadedFile) or (isinstance(v, list) and v and isinstance(v[0], UploadedFile))
    ]


def test_one_click_fix_takes_the_row_and_keeps_the_original(at, sandbox, tmp_path, media_dir):
    verified(at, sandbox)
    open_page(at, "submit")
    drop(at, photo(tmp_path, "front.jpg"), photo(tmp_path, "tall.jpg", size=(3000, 6600)))
    original = media_rows(at, tmp_path)[1]

    button(at, f"submit__fix_{original.id}_downscale").click().run()
    assert not at.exception, at.exception

    assert checks(at) == [("front", "✅ Ready"), ("tall", "✅ Ready")]
    fixed = media_rows(at, tmp_path)[1]
    assert (fixed.derived_from, fixed.fix, fixed.source) == (original.id, "downscale", "fix")
    assert max(fixed.media_report().width, fixed.media_report().height) <= 6000
    kept = state.store().media.get(original.id)
    assert kept.state == "ready" and (media_dir / kept.storage_key).exists(), "the original is kept"
    assert not button(at, "submit__send").disabled
    assert not [b for b in at.button if b.key.startswith("submit__fix_")]


def test_a_clip_gets_its_poster_and_the_conversion(at, sandbox, tmp_path):
    verified(at, sandbox)
    open_page(at, "submit")
    clip = write_video(tmp_path / "talk.mp4", seconds=2.5, fps=90, width=640, height=800)
    drop(at, ("talk.mp4", clip.read_bytes()))
    [(name, verdict)] = checks(at)
    assert name == "talk" and verdict.startswith("🔧 Needs a fix: 90 frames a second: 24-60 needed")
    assert "Convert the clip" in verdict
    assert table(at, "Check")["Sent as"][0].startswith("Video")
    assert table(at, "Check")["Preview"][0].startswith("data:image/jpeg;base64,"), "the poster frame"

    [fix] = [b for b in at.button if b.key.startswith("submit__fix_")]
    assert fix.label == "Convert the clip"
    fix.click().run()
    assert not at.exception, at.exception
    assert checks(at) == [("talk", "✅ Ready")]
    assert media_rows(at, tmp_path)[0].media_report().fps <= 30


def test_files_and_urls_go_out_together(at, sandbox, tmp_path):
    group_id = verified(at, sandbox)
    open_page(at, "submit")
    paste(at, ["https://cdn.example.com/lin/front-0.jpg"])
    drop(at, photo(tmp_path, "IMG_0001.jpg"), photo(tmp_path, "IMG_0001.JPG", size=(600, 700)))
    frame = table(at, "Check")
    # Two folders' IMG_0001: names kept apart, so neither blocks the send.
    assert list(frame["Name"]) == ["front-0", "IMG_0001", "IMG_0001 2"]
    assert list(frame["Check"]) == ["✅ ready", "✅ Ready", "✅ Ready"]
    files = media_rows(at, tmp_path)[1:]

    button(at, "submit__send").click().run()
    assert not at.exception, at.exception

    assert len(sent_to_group(sandbox)) == 1, "one request: every row is a photo"
    received = requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()
    assert sorted(a["url"] for a in received if a["group_id"] == group_id) == sorted(frame["Link"])
    ledger = workflow(at).ledger
    assert len(ledger.assets) == 3
    assert all(state.store().media.get(f.id).sent_at for f in files), "kept until their review ends"


def test_live_mode_with_a_loopback_address_sends_nothing(
    sandbox, media_dir, monkeypatch, tmp_path, new_session
):
    at = new_session()
    group_id = verified(at, sandbox)  # in sandbox mode: the person exists at the sandbox
    # Live: a key, the sandbox standing in for APIMart, and no public address (the app is on loopback).
    monkeypatch.setenv("APIMART_API_KEY", "sk-live-canary-0123456789")
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    open_page(at, "submit")
    workflow(at).remember_group(group_id, "Lin")
    open_page(at, "submit")
    drop(at, photo(tmp_path, "front.jpg"))

    errors = "\n".join(e.value for e in at.error)
    assert "APIMart cannot fetch 1 file in the table" in errors
    assert "AVATAR_DESK_PUBLIC_URL" in errors and "S3-compatible bucket" in errors
    assert "Nothing is sent" in errors
    assert button(at, "submit__send").disabled
    assert sent_to_group(sandbox) == []


def test_a_public_address_lifts_the_live_guard(sandbox, media_dir, monkeypatch, tmp_path, new_session):
    at = new_session()
    group_id = verified(at, sandbox)
    monkeypatch.setenv("APIMART_API_KEY", "sk-live-canary-0123456789")
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("AVATAR_DESK_PUBLIC_URL", "https://desk.example.com")
    open_page(at, "submit")
    workflow(at).remember_group(group_id, "Lin")
    open_page(at, "submit")
    drop(at, photo(tmp_path, "front.jpg"))

    link = table(at, "Check")["Link"][0]
    assert link.startswith("https://desk.example.com/") and media_id_from_url(link)
    assert not [e for e in at.error if "cannot fetch" in e.value]
    assert not button(at, "submit__send").disabled


def test_fix_them_all_at_once(at, sandbox, tmp_path):
    verified(at, sandbox)
    open_page(at, "submit")
    drop(
        at,
        photo(tmp_path, "wide.jpg", size=(6200, 3000)),
        photo(tmp_path, "turned.jpg", orientation=6),
        photo(tmp_path, "front.jpg"),
    )
    verdicts = [v for _, v in checks(at)]
    assert verdicts[0].startswith("🔧 Needs a fix") and verdicts[1].startswith("🔧 Needs a fix")
    button(at, "submit__fix_all").click().run()
    assert not at.exception, at.exception
    assert [v for _, v in checks(at)][1:] == ["✅ Ready", "✅ Ready"]
    assert [r.fix for r in media_rows(at, tmp_path)] == ["downscale", "rotate", ""]


def test_storage_that_is_not_set_up_is_said_and_nothing_is_added(at, sandbox, tmp_path, monkeypatch):
    verified(at, sandbox)
    open_page(at, "submit")
    monkeypatch.setenv("AVATAR_DESK_STORAGE", "s3")  # and no bucket
    state.media_storage.clear()
    drop(at, photo(tmp_path, "front.jpg"))
    assert "the file storage is not set up" in "\n".join(e.value for e in at.error)
    assert "AVATAR_DESK_S3_BUCKET is not set" in "\n".join(e.value for e in at.error)
    assert not [d for d in at.dataframe if "Check" in d.value.columns]


def test_files_kept_but_not_in_the_table_are_offered_back(sandbox, tmp_path, media_dir, new_session):
    first = new_session()
    group = verified(first, sandbox)
    open_page(first, "submit")
    drop(first, photo(tmp_path, "front.jpg"), photo(tmp_path, "tall.jpg", size=(3000, 6600)))
    original = media_rows(first, tmp_path)[1]
    button(first, f"submit__fix_{original.id}_downscale").click().run()
    fixed = media_rows(first, tmp_path)[1]
    assert not [b for b in first.button if b.key == "submit__earlier_files"], "all of them are in the table"

    # A reload: a new session with the same person, an empty table, the files still kept.
    again = new_session()
    workflow(again).group_id = group
    open_page(again, "submit")
    assert not any(d for d in again.dataframe if "Check" in d.value.columns), "the table is empty"
    assert "2 files added earlier for this person, never sent, are not in the table." in [
        c.value for c in again.caption
    ]
    button(again, "submit__earlier_files").click().run()
    assert not again.exception, again.exception
    assert checks(again) == [("front", "✅ Ready"), ("tall", "✅ Ready")]
    shown = [m.id for m in media_rows(again, tmp_path)]
    assert shown[1] == fixed.id and original.id not in shown, "the fixed copy, not the original it replaced"
    assert not [b for b in again.button if b.key == "submit__earlier_files"]

    button(again, "submit__send").click().run()
    assert len(sent_to_group(sandbox)) == 1, "both went out in one request"
    again = new_session()
    workflow(again).group_id = group
    open_page(again, "submit")
    assert not [b for b in again.button if b.key == "submit__earlier_files"], "sent files are not offered"


def test_a_hundred_files_at_once_go_out_in_batches_of_twenty(at, sandbox, tmp_path):
    verified(at, sandbox)
    open_page(at, "submit")
    base = Image.fromarray(astronaut()).resize((400, 400))
    files = []
    for n in range(100):
        marked = base.copy()
        ImageDraw.Draw(marked).rectangle((n * 4, 0, n * 4 + 3, 3), fill=(255, 0, 0))  # 100 different files
        out = io.BytesIO()
        marked.save(out, "JPEG", quality=85)
        files.append((f"shot-{n:03}.jpg", out.getvalue()))
    drop(at, *files)
    rows = checks(at)
    assert len(rows) == 100 and all(verdict == "✅ Ready" for _, verdict in rows)
    assert not button(at, "submit__send").disabled
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    sent = sent_to_group(sandbox)
    assert [r["asset_count"] for r in sent] == [20] * 5, sent


def test_a_review_of_photos_and_clips_together_is_not_called_clips(at, sandbox, tmp_path):
    verified(at, sandbox)
    open_page(at, "submit")
    clip = write_video(tmp_path / "talk.mp4", seconds=2.5, fps=30, width=640, height=800)
    drop(at, photo(tmp_path, "front.jpg"), ("talk.mp4", clip.read_bytes()))
    button(at, "submit__send").click().run()
    assert len(sent_to_group(sandbox)) == 2, "photos and clips go in separate requests"
    open_page(at, "review")
    until_reviewed(at)
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "· photos and clips" in captions and "· clips" not in captions, captions
    assert "No photos or clips refused." in captions, captions
