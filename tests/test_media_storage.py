"""Both storage backends through the one interface (put, url, open_range, delete): files on disk written
atomically, and an S3 bucket on moto's server over real HTTP, its presigned URL fetched with requests; keys
that are not "<id>.<ext>" never reach a disk or a bucket; the settings from the environment and secrets; the
secret key never in a repr, a str or an error."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lib.media.storage.app_hosted import AppHostedStorage
from lib.media.storage.base import Stored
from lib.media.storage.keys import is_valid_key
from lib.media.storage.s3 import MAX_PRESIGN_SECONDS, S3Storage
from lib.media.storage.settings import StorageSettings, StorageSettingsError, make_storage
from tests.helpers.s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY

CONTENT = bytes(range(256)) * 4096  # 1 MiB, every byte value, several read chunks
BAD_KEYS = ["../escape.jpg", "a/b.jpg", "", ".jpg", "short.jpg", "x" * 32, "x" * 32 + ".j/g", "x" * 32 + ".."]


def new_key(ext: str = "jpg") -> str:
    return f"{secrets.token_urlsafe(24)}.{ext}"


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def app_storage(tmp_path) -> AppHostedStorage:
    return AppHostedStorage(tmp_path / "media")


@pytest.fixture
def s3_storage(moto_s3) -> S3Storage:
    return moto_s3.storage(presign_seconds=3600)


@pytest.fixture(params=["app", "s3"])
def storage(request):
    return request.getfixturevalue(f"{request.param}_storage")


def read(storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(storage.open_range(key, start, end))


def test_keys_are_an_id_and_an_extension():
    assert is_valid_key(new_key()) and is_valid_key(new_key("mp4"))
    for key in BAD_KEYS:
        assert not is_valid_key(key), key


def test_put_then_read_whole_and_in_ranges(storage, source):
    key = new_key()
    stored = storage.put(source, key, "image/jpeg")
    assert stored == Stored(storage.name, key, "image/jpeg", len(CONTENT))
    assert read(storage, key) == CONTENT
    assert read(storage, key, 0, 0) == CONTENT[:1]
    assert read(storage, key, 1000, 299_999) == CONTENT[1000:300_000]
    assert read(storage, key, len(CONTENT) - 5) == CONTENT[-5:]
    assert storage.size(key) == len(CONTENT)


def test_delete_is_final_and_deleting_twice_is_fine(storage, source):
    key = new_key()
    stored = storage.put(source, key, "image/jpeg")
    storage.delete(stored)
    storage.delete(stored)
    with pytest.raises(KeyError):
        storage.open_range(key, 0, None)
    with pytest.raises(KeyError):
        storage.size(key)


def test_an_unknown_or_malformed_key_is_a_key_error(storage, source):
    storage.put(source, new_key(), "image/jpeg")
    with pytest.raises(KeyError):
        storage.open_range(new_key(), 0, None)
    for key in BAD_KEYS:
        with pytest.raises(KeyError):
            storage.open_range(key, 0, None)
        with pytest.raises(ValueError):
            storage.put(source, key, "image/jpeg")


def test_app_hosted_files_sit_under_their_key_with_nothing_left_over(app_storage, source):
    key = new_key("png")
    stored = app_storage.put(source, key, "image/png")
    assert sorted(p.name for p in app_storage.root.iterdir()) == [key]  # no temporary file left
    assert (app_storage.root / key).read_bytes() == CONTENT
    assert app_storage.url(stored, "https://desk.example/", 0) == f"https://desk.example/files/{key}"
    # Replacing a key is one rename: its old content or its new one, never a mix.
    smaller = source.parent / "smaller.bin"
    smaller.write_bytes(b"new")
    app_storage.put(smaller, key, "image/png")
    assert read(app_storage, key) == b"new"


def test_app_hosted_put_that_fails_leaves_nothing(app_storage, tmp_path):
    with pytest.raises(FileNotFoundError):
        app_storage.put(tmp_path / "missing.bin", new_key(), "image/jpeg")
    assert list(app_storage.root.iterdir()) == []


def test_s3_presigned_url_serves_the_file_over_http(s3_storage, source, moto_s3):
    key = new_key()
    stored = s3_storage.put(source, key, "image/jpeg")
    assert moto_s3.keys(s3_storage.bucket) == [key]
    url = s3_storage.url(stored, "https://ignored.example", 0)
    assert url.startswith(f"{moto_s3.endpoint_url}/{s3_storage.bucket}/{key}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["3600"]  # the configured lifetime
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"]
    assert SECRET_ACCESS_KEY not in url
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.content == CONTENT
    ranged = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == CONTENT[10:20]


def test_s3_url_lifetime_is_the_one_asked_for_within_sigv4s_limit(s3_storage, source):
    stored = s3_storage.put(source, new_key(), "image/jpeg")
    expires = lambda url: parse_qs(urlsplit(url).query)["X-Amz-Expires"][0]  # noqa: E731
    assert expires(s3_storage.url(stored, "", 600)) == "600"
    assert expires(s3_storage.url(stored, "", 30 * 86400)) == str(MAX_PRESIGN_SECONDS)


def test_the_secret_key_shows_nowhere(s3_storage, moto_s3, source):
    for text in (repr(s3_storage), str(s3_storage)):
        assert s3_storage.bucket in text and SECRET_ACCESS_KEY not in text
    assert SECRET_ACCESS_KEY not in repr(vars(s3_storage))
    settings = StorageSettings.from_env(
        {
            "AVATAR_DESK_S3_BUCKET": "b",
            "AVATAR_DESK_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AVATAR_DESK_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }
    )
    assert settings.secret_access_key == SECRET_ACCESS_KEY
    assert SECRET_ACCESS_KEY not in repr(settings) and SECRET_ACCESS_KEY not in str(settings)
    # A bucket that does not exist, and an endpoint nobody answers: the errors name neither secret.
    missing = moto_s3.storage("no-such-bucket")
    with pytest.raises(Exception) as error:
        missing.put(source, new_key(), "image/jpeg")
    assert SECRET_ACCESS_KEY not in str(error.value) and SECRET_ACCESS_KEY not in repr(error.value)
    closed = moto_s3.storage("b", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(Exception) as error:
        closed.size(new_key())
    assert SECRET_ACCESS_KEY not in str(error.value) and SECRET_ACCESS_KEY not in repr(error.value)


# -------------------------------------------------------------- settings


def test_app_hosted_by_default():
    settings = StorageSettings.from_env({}, {})
    assert settings.backend == "app" and settings.media_dir == Path("data/media")
    assert settings.url_seconds == 86400 and settings.keep_seconds == 7 * 86400
    storage = make_storage(settings)
    assert isinstance(storage, AppHostedStorage) and storage.root == Path("data/media")


def test_a_bucket_makes_it_s3_and_the_environment_wins_over_secrets(moto_s3):
    env = {
        "AVATAR_DESK_S3_BUCKET": "from-env",
        "AVATAR_DESK_S3_ENDPOINT_URL": moto_s3.endpoint_url + "/",
        "AVATAR_DESK_S3_URL_SECONDS": "1200",
        "AVATAR_DESK_MEDIA_RETENTION_DAYS": "2",
    }
    secrets_toml = {
        "storage": {
            "bucket": "from-secrets",
            "region": "eu-west-1",
            "access_key_id": "AKIAFROMTOML",
            "secret_access_key": "s3cr3t-from-toml",
        }
    }
    settings = StorageSettings.from_env(env, secrets_toml)
    assert (settings.backend, settings.bucket, settings.region) == ("s3", "from-env", "eu-west-1")
    assert settings.endpoint_url == moto_s3.endpoint_url
    assert settings.secret_access_key == "s3cr3t-from-toml"
    assert settings.url_seconds == 1200 and settings.keep_seconds == 2 * 86400
    storage = make_storage(settings)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.region, storage.presign_seconds) == ("from-env", "eu-west-1", 1200)


def test_secrets_take_the_long_names_too():
    top = StorageSettings.from_env({}, {"AVATAR_DESK_S3_BUCKET": "top-level"})
    table = StorageSettings.from_env(
        {}, {"storage": {"avatar_desk_s3_bucket": "long", "avatar_desk_storage": "s3"}}
    )
    app = StorageSettings.from_env({"AVATAR_DESK_STORAGE": "APP"}, {"storage": {"bucket": "ignored"}})
    assert (top.backend, top.bucket) == ("s3", "top-level")
    assert (table.backend, table.bucket) == ("s3", "long")
    assert app.backend == "app"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"AVATAR_DESK_STORAGE": "ftp"}, "AVATAR_DESK_STORAGE"),
        ({"AVATAR_DESK_STORAGE": "s3"}, "AVATAR_DESK_S3_BUCKET"),
        ({"AVATAR_DESK_S3_BUCKET": "b", "AVATAR_DESK_S3_URL_SECONDS": "soon"}, "AVATAR_DESK_S3_URL_SECONDS"),
        ({"AVATAR_DESK_S3_BUCKET": "b", "AVATAR_DESK_S3_URL_SECONDS": "5"}, "AVATAR_DESK_S3_URL_SECONDS"),
        ({"AVATAR_DESK_MEDIA_RETENTION_DAYS": "-1"}, "AVATAR_DESK_MEDIA_RETENTION_DAYS"),
        ({"AVATAR_DESK_S3_BUCKET": "b", "AVATAR_DESK_S3_ACCESS_KEY_ID": ""}, "AVATAR_DESK_S3_ACCESS_KEY_ID"),
    ],
)
def test_settings_that_cannot_work_are_named(env, named):
    keys = {
        "AVATAR_DESK_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AVATAR_DESK_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }
    env = {**keys, **env}  # the last case takes the key id away: a secret alone
    with pytest.raises(StorageSettingsError) as error:
        StorageSettings.from_env(env, {})
    assert named in str(error.value) and SECRET_ACCESS_KEY not in str(error.value)
