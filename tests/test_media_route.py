"""The /files route served for real (uvicorn on a free loopback port): a ready file answers GET and HEAD with
its type, length and the headers that keep it private; single byte ranges give 206 and Content-Range, ranges
beyond the file 416; every miss (unknown key, deleted or refused row, /files/, traversal, another method, a
file gone from disk) is the same 404; and a big file is streamed, not read whole first."""

from __future__ import annotations

import http.client
import secrets
import time
from urllib.parse import urlsplit

import pytest
import requests
from starlette.applications import Starlette

from lib.media.routes import NOT_FOUND_BODY, media_routes, parse_range
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.database import Database
from lib.store.media import REFUSED
from lib.store.workspace import Store
from tests.helpers.media_rows import stored_media
from tests.helpers.serving import serve_asgi

CONTENT = bytes(range(256)) * 400  # 102,400 bytes


class CountingStorage(AppHostedStorage):
    """App-hosted storage that counts the bytes the route has taken from disk so far."""

    def __init__(self, root) -> None:
        super().__init__(root)
        self.bytes_read = 0

    def open_range(self, key, start=0, end=None):
        chunks = super().open_range(key, start, end)

        def counted():
            for chunk in chunks:
                self.bytes_read += len(chunk)
                yield chunk

        return counted()


class Hosted:
    """A database and app-hosted storage with files put in them as the intake would."""

    def __init__(self, tmp_path) -> None:
        self.db = Database(tmp_path / "media.db")
        self.storage = CountingStorage(tmp_path / "media")
        self.media = Store.for_connection(self.db, "sandbox", "http://x", "k").media
        self.tmp = tmp_path

    def add(self, content: bytes = CONTENT, **fields):
        return stored_media(self.media, self.storage, self.tmp, content, **fields)


@pytest.fixture
def hosted(tmp_path):
    return Hosted(tmp_path)


@pytest.fixture
def base(hosted):
    with serve_asgi(Starlette(routes=media_routes(hosted.db, hosted.storage))) as url:
        yield url


def raw(base: str, method: str, path: str) -> tuple[int, bytes]:
    """A request with its path sent exactly as written (requests would normalise '..' away)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_a_ready_file_is_served_whole_with_its_headers(hosted, base):
    row = hosted.add()
    answer = requests.get(f"{base}/files/{row.storage_key}", timeout=10)
    assert answer.status_code == 200
    assert answer.content == CONTENT
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["Content-Length"] == str(len(CONTENT))
    assert answer.headers["Accept-Ranges"] == "bytes"
    assert answer.headers["Cache-Control"].startswith("private")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["ETag"] == f'"{row.sha256}"'


def test_head_answers_the_same_headers_without_a_body(hosted, base):
    row = hosted.add(ext="mp4", content_type="video/mp4")
    answer = requests.head(f"{base}/files/{row.storage_key}", timeout=10)
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["Content-Type"] == "video/mp4"
    assert answer.headers["Content-Length"] == str(len(CONTENT))
    assert answer.headers["Accept-Ranges"] == "bytes"
    ranged = requests.head(f"{base}/files/{row.storage_key}", headers={"Range": "bytes=0-99"}, timeout=10)
    assert ranged.status_code == 206
    assert ranged.headers["Content-Range"] == f"bytes 0-99/{len(CONTENT)}"
    assert ranged.headers["Content-Length"] == "100"


@pytest.mark.parametrize(
    "spec, first, last",
    [
        ("bytes=0-0", 0, 0),
        ("bytes=10-19", 10, 19),
        ("bytes=100000-", 100_000, 102_399),
        ("bytes=-5", 102_395, 102_399),
    ],
)
def test_a_single_range_is_206_with_its_content_range(hosted, base, spec, first, last):
    row = hosted.add(ext="mp4", content_type="video/mp4")
    answer = requests.get(f"{base}/files/{row.storage_key}", headers={"Range": spec}, timeout=10)
    assert answer.status_code == 206
    assert answer.content == CONTENT[first : last + 1]
    assert answer.headers["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert answer.headers["Content-Length"] == str(last - first + 1)


def test_a_range_past_the_end_is_clipped_and_one_beyond_it_is_416(hosted, base):
    row = hosted.add()
    url = f"{base}/files/{row.storage_key}"
    clipped = requests.get(url, headers={"Range": "bytes=102300-999999"}, timeout=10)
    assert clipped.status_code == 206 and clipped.content == CONTENT[102_300:]
    for spec in (f"bytes={len(CONTENT)}-", "bytes=999999-1000000", "bytes=-0"):
        answer = requests.get(url, headers={"Range": spec}, timeout=10)
        assert answer.status_code == 416, spec
        assert answer.headers["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_ranges_it_does_not_serve_as_ranges_get_the_whole_file(hosted, base):
    row = hosted.add()
    url = f"{base}/files/{row.storage_key}"
    for spec in ("bytes=0-1,5-6", "bytes=9-3", "pages=1-2", "bytes=x-y"):
        answer = requests.get(url, headers={"Range": spec}, timeout=10)
        assert answer.status_code == 200 and answer.content == CONTENT, spec
    # If-Range: a part only while the file is the one the client started on.
    same = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{row.sha256}"'}, timeout=10)
    changed = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'}, timeout=10)
    assert same.status_code == 206 and same.content == CONTENT[:10]
    assert changed.status_code == 200 and changed.content == CONTENT


def test_every_miss_is_the_same_404(hosted, base):
    served = hosted.add()
    deleted = hosted.add()
    hosted.media.mark_deleted(deleted.id, at=time.time())
    refused = hosted.add(state=REFUSED)
    gone_from_disk = hosted.add()
    (hosted.storage.root / gone_from_disk.storage_key).unlink()
    in_a_bucket = hosted.add(backend="s3")
    assert requests.get(f"{base}/files/{served.storage_key}", timeout=10).status_code == 200
    paths = [
        f"/files/{secrets.token_urlsafe(24)}.jpg",  # never issued
        f"/files/{deleted.id}.jpg",
        f"/files/{refused.storage_key}",
        f"/files/{gone_from_disk.storage_key}",
        f"/files/{in_a_bucket.storage_key}",
        f"/files/{served.id}",  # the id without its extension
        f"/files/{served.id}.png",  # another extension
        "/files/",
        "/files",
        "/files/../files.db",
        "/files/..%2fmedia.db",
        "/files/%2e%2e/files.db",
        f"/files/x/../{served.storage_key}",
        f"/files/{served.storage_key}/",
        f"/files/.{served.storage_key}",
    ]
    for path in paths:
        for method in ("GET", "HEAD"):
            status, body = raw(base, method, path)
            assert status == 404, (method, path)
            assert body == (NOT_FOUND_BODY if method == "GET" else b""), path
    for method in ("POST", "PUT", "DELETE"):
        assert raw(base, method, f"/files/{served.storage_key}") == (404, NOT_FOUND_BODY)
    # The file is still there, untouched.
    assert requests.get(f"{base}/files/{served.storage_key}", timeout=10).content == CONTENT


def test_a_big_file_is_streamed_not_read_whole(hosted, base):
    big = 64 * 1024 * 1024
    row = hosted.add(content=b"\0" * big, ext="mp4", content_type="video/mp4")
    with requests.get(f"{base}/files/{row.storage_key}", stream=True, timeout=10) as answer:
        assert answer.status_code == 200 and answer.headers["Content-Length"] == str(big)
        first = next(answer.iter_content(64 * 1024))
        time.sleep(0.5)  # time enough for a server that reads ahead to read it all
        # Only what the socket buffers hold has been read from disk.
        assert len(first) > 0 and hosted.storage.bytes_read < big // 2
        received = len(first) + sum(len(chunk) for chunk in answer.iter_content(1024 * 1024))
    assert received == big
    assert hosted.storage.bytes_read == big


def test_parse_range_reads_the_three_forms():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-4", 10) == (2, 4)
    assert parse_range("bytes=7-", 10) == (7, 9)
    assert parse_range("bytes=-3", 10) == (7, 9)
    assert parse_range("bytes=-30", 10) == (0, 9)
