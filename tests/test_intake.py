"""The intake through its real parts: files written by Pillow, the real media check, app-hosted storage on
disk and a real database file. The same file twice is one row; a refused file leaves nothing hosted; a fix
makes a new file and keeps the original; an upload past the limit stops reading and keeps nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests
from PIL import Image
from skimage import data

from lib.media.intake import Intake, UploadTooLarge, media_id_from_url
from lib.media.report import Fix
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.workspace import Store
from tests.helpers.media_files import write_video

GROUP, OTHER = "group-lin", "group-wu"


@pytest.fixture
def store(db) -> Store:
    return Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")


@pytest.fixture
def storage(tmp_path) -> AppHostedStorage:
    return AppHostedStorage(tmp_path / "media")


@pytest.fixture
def intake(store, storage, tmp_path) -> Intake:
    return Intake(store.media, storage, tmp_path / "intake")


def astronaut(path: Path, size: tuple[int, int] | None = None) -> Path:
    image = Image.fromarray(data.astronaut())
    if size:
        image = image.resize(size)
    image.save(path, "JPEG", quality=90)
    return path


def chunks_of(path: Path, size: int = 64 * 1024):
    with path.open("rb") as file:
        while chunk := file.read(size):
            yield chunk


def hosted_files(storage: AppHostedStorage) -> list[Path]:
    return sorted(storage.root.iterdir()) if storage.root.exists() else []


def leftovers(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "intake"
    return sorted(folder.rglob("*")) if folder.exists() else []


def test_a_good_photo_is_checked_hosted_and_recorded(intake, store, storage, tmp_path):
    photo = astronaut(tmp_path / "lin.jpg")
    item = intake.receive(chunks_of(photo), "Lin <b>front</b>.jpg", GROUP, source="computer", max_bytes=10**8)

    assert item.state == "ready" and item.kind == "Image" and not item.duplicate
    assert item.report.passes and item.report.format == "jpeg"
    assert item.thumbnail[:3] == b"\xff\xd8\xff", "a JPEG thumbnail"
    assert "<" not in item.name and item.name, "the display name is cleaned"
    assert item.stored.key == f"{item.id}.jpg" and item.stored.content_type == "image/jpeg"
    assert (storage.root / item.stored.key).read_bytes() == photo.read_bytes()
    assert [r.id for r in store.media.by_group(GROUP)] == [item.id]
    assert leftovers(tmp_path) == [], "the temp file is removed"

    url = intake.url_for(item, "http://127.0.0.1:8501/")
    assert url == f"http://127.0.0.1:8501/files/{item.id}.jpg"
    assert media_id_from_url(url) == item.id


def test_a_clip_is_hosted_as_mp4_with_a_poster_and_a_clip_name(intake, storage, tmp_path):
    clip = write_video(tmp_path / "clip.mp4", seconds=3, fps=24, width=720, height=576)
    item = intake.receive(chunks_of(clip), "", GROUP, source="phone", capture_id="link-1")
    assert item.kind == "Video" and item.state == "ready" and item.name == "clip"
    assert item.stored.key == f"{item.id}.mp4" and item.stored.content_type == "video/mp4"
    assert item.thumbnail[:3] == b"\xff\xd8\xff"
    assert (storage.root / item.stored.key).stat().st_size == clip.stat().st_size


def test_the_same_file_twice_is_one_asset_per_person(intake, store, storage, tmp_path):
    photo = astronaut(tmp_path / "lin.jpg")
    first = intake.receive(chunks_of(photo), "lin.jpg", GROUP, source="computer")
    again = intake.receive(chunks_of(photo, 1000), "another name.jpg", GROUP, source="phone")
    assert again.duplicate and again.id == first.id and again.name == first.name
    assert len(store.media.by_group(GROUP)) == 1
    assert len(hosted_files(storage)) == 1

    # Another person's upload of the same photo is theirs: a row (and a file) of its own.
    theirs = intake.receive(chunks_of(photo), "lin.jpg", OTHER, source="computer")
    assert not theirs.duplicate and theirs.id != first.id
    assert len(hosted_files(storage)) == 2


def test_two_uploads_of_one_file_at_once_keep_one_row_and_one_file(intake, store, storage, tmp_path):
    photo = astronaut(tmp_path / "lin.jpg")
    start = threading.Barrier(2)
    items = []

    def upload():
        start.wait()
        items.append(intake.receive(chunks_of(photo), "lin.jpg", GROUP, source="computer"))

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(items) == 2 and items[0].id == items[1].id
    assert sorted(i.duplicate for i in items) == [False, True]
    assert len(store.media.by_group(GROUP)) == 1
    assert [p.name for p in hosted_files(storage)] == [items[0].stored.key], "the loser's copy is deleted"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(2000), "format"),  # a program renamed .jpg
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300), "unreadable"),  # a JPEG cut after its header
    ],
    ids=["empty", "program", "truncated"],
)
def test_a_refused_file_is_recorded_with_its_reason_and_nothing_is_hosted(
    intake, store, storage, tmp_path, content, code
):
    item = intake.receive(iter([content]), "photo.jpg", GROUP, source="computer")
    assert item.state == "refused" and item.stored is None and item.thumbnail is None
    assert [f.code for f in item.report.findings if f.severity.value == "refused"] == [code]
    assert hosted_files(storage) == []
    assert leftovers(tmp_path) == []
    with pytest.raises(ValueError):
        intake.url_for(item, "http://127.0.0.1:8501")
    assert store.media.get(item.id).state == "refused"


def test_an_upload_past_the_limit_stops_reading_and_keeps_nothing(intake, store, storage, tmp_path):
    read = []

    def endless():
        while True:
            read.append(1)
            yield b"\xff" * 1024

    with pytest.raises(UploadTooLarge) as refused:
        intake.receive(endless(), "huge.mov", GROUP, source="computer", max_bytes=10 * 1024)
    assert refused.value.limit == 10 * 1024
    assert len(read) == 11, "reading stops at the first chunk past the limit"
    assert store.media.by_group(GROUP) == [] and hosted_files(storage) == [] and leftovers(tmp_path) == []

    # Exactly at the limit is allowed.
    photo = astronaut(tmp_path / "lin.jpg")
    item = intake.receive(
        chunks_of(photo), "lin.jpg", GROUP, source="computer", max_bytes=photo.stat().st_size
    )
    assert item.state == "ready"


def test_a_deleted_file_sent_again_is_hosted_again(intake, store, storage, tmp_path):
    photo = astronaut(tmp_path / "lin.jpg")
    first = intake.receive(chunks_of(photo), "lin.jpg", GROUP, source="computer")
    storage.delete(first.stored)
    store.media.mark_deleted(first.id, at=1.0)

    again = intake.receive(chunks_of(photo), "lin.jpg", GROUP, source="computer")
    assert not again.duplicate and again.id != first.id and again.state == "ready"
    assert (storage.root / again.stored.key).read_bytes() == photo.read_bytes()


def test_a_fix_makes_a_new_file_and_keeps_the_original(intake, store, storage, tmp_path):
    # 900 x 300: aspect 3.0, over the 2.5 limit; padding fixes it without cutting anything.
    wide = Image.new("RGB", (900, 300), (40, 40, 40))
    wide.paste(Image.fromarray(data.astronaut()).resize((300, 300)), (300, 0))
    wide.save(tmp_path / "wide.jpg", "JPEG", quality=90)
    original = intake.receive(chunks_of(tmp_path / "wide.jpg"), "wide.jpg", GROUP, source="computer")
    assert not original.report.passes and Fix.PAD_ASPECT in original.report.fixes

    fixed = intake.apply_fix(original.id, Fix.PAD_ASPECT)
    assert fixed.source == "fix" and fixed.derived_from == original.id and fixed.fix == "pad_aspect"
    assert fixed.report.passes and fixed.state == "ready" and fixed.id != original.id
    assert fixed.name == original.name
    kept = intake.get(original.id)
    assert kept.state == "ready"
    assert (storage.root / kept.stored.key).read_bytes() == (tmp_path / "wide.jpg").read_bytes()
    assert {p.name for p in hosted_files(storage)} == {original.stored.key, fixed.stored.key}
    assert leftovers(tmp_path) == []

    # The same fix again is the same file: found again, not hosted twice.
    assert intake.apply_fix(original.id, Fix.PAD_ASPECT).id == fixed.id
    assert len(hosted_files(storage)) == 2


def test_a_fix_not_offered_or_of_a_refused_file_is_an_error(intake, tmp_path):
    good = intake.receive(chunks_of(astronaut(tmp_path / "lin.jpg")), "lin.jpg", GROUP, source="computer")
    with pytest.raises(ValueError):
        intake.apply_fix(good.id, Fix.CROP_ASPECT)
    refused = intake.receive(iter([b""]), "empty.jpg", GROUP, source="computer")
    with pytest.raises(ValueError):
        intake.apply_fix(refused.id, Fix.TO_JPEG)
    with pytest.raises(KeyError):
        intake.apply_fix("no-such-id", Fix.TO_JPEG)


def test_media_ids_are_found_only_in_urls_this_app_made():
    media_id = "a" * 30 + "-_"
    assert media_id_from_url(f"https://desk.example.com/files/{media_id}.jpg") == media_id
    presigned = (
        f"https://bucket.s3.eu-west-1.amazonaws.com/{media_id}.mp4?X-Amz-Signature=abc&X-Amz-Expires=60"
    )
    assert media_id_from_url(presigned) == media_id
    assert media_id_from_url(f"http://127.0.0.1:9000/bucket/{media_id}.mov") == media_id
    for other in (
        "https://example.com/photos/lin.jpg",
        f"https://example.com/files/{media_id}",  # no extension: not a key
        f"https://example.com/files/{media_id}x.jpg",  # 33 characters
        "https://example.com/files/.jpg",
        "",
        "http://[::1",
    ):
        assert media_id_from_url(other) is None, other


def test_through_an_s3_bucket_only_checked_files_are_uploaded_and_a_fix_reads_the_original_back(
    store, moto_s3, tmp_path
):
    s3 = moto_s3.storage(presign_seconds=600)
    bucket = s3.bucket
    intake = Intake(store.media, s3, tmp_path / "intake")
    photo = astronaut(tmp_path / "lin.jpg")
    item = intake.receive(chunks_of(photo), "lin.jpg", GROUP, source="computer")
    assert item.stored.backend == "s3"
    url = intake.url_for(item, "http://ignored.example")
    assert media_id_from_url(url) == item.id
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == photo.read_bytes()

    intake.receive(iter([b"MZ" + bytes(500)]), "setup.jpg", GROUP, source="computer")
    assert moto_s3.keys(bucket) == [item.stored.key], "nothing uploaded for the refused file"

    wide = Image.new("RGB", (900, 300), (40, 40, 40))
    wide.paste(Image.fromarray(data.astronaut()).resize((300, 300)), (300, 0))
    wide.save(tmp_path / "wide.jpg", "JPEG", quality=90)
    original = intake.receive(chunks_of(tmp_path / "wide.jpg"), "wide.jpg", GROUP, source="computer")
    fixed = intake.apply_fix(original.id, Fix.PAD_ASPECT)
    assert fixed.report.passes and fixed.stored.backend == "s3"
    assert sorted(moto_s3.keys(bucket)) == sorted([item.stored.key, original.stored.key, fixed.stored.key])
    assert leftovers(tmp_path) == []
