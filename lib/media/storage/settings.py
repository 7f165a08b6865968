"""Which storage hosts uploaded files, from the environment or `.streamlit/secrets.toml`, without Streamlit:
AVATAR_DESK_STORAGE (app | s3; s3 by default once a bucket is set), AVATAR_DESK_MEDIA_DIR,
AVATAR_DESK_S3_BUCKET / _REGION / _ENDPOINT_URL / _ACCESS_KEY_ID / _SECRET_ACCESS_KEY,
AVATAR_DESK_S3_URL_SECONDS (presigned URL lifetime, default a day) and AVATAR_DESK_MEDIA_RETENTION_DAYS
(default 7). The environment wins; then secrets, each name either at the top level as written here or in
a [storage] table in lower case, with or without its prefix (`bucket` or `avatar_desk_s3_bucket`). Keys
left unset come from boto3's own chain (AWS_ACCESS_KEY_ID ...). The secret key never appears in a repr
or an error message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lib.media.storage.app_hosted import AppHostedStorage
from lib.media.storage.base import Storage

DEFAULT_MEDIA_DIR = Path("data") / "media"
DEFAULT_URL_SECONDS = 86400
DEFAULT_RETENTION_DAYS = 7.0

# setting -> its environment name; the [storage] table also takes the part after the prefix.
_NAMES = {
    "backend": "AVATAR_DESK_STORAGE",
    "media_dir": "AVATAR_DESK_MEDIA_DIR",
    "bucket": "AVATAR_DESK_S3_BUCKET",
    "region": "AVATAR_DESK_S3_REGION",
    "endpoint_url": "AVATAR_DESK_S3_ENDPOINT_URL",
    "access_key_id": "AVATAR_DESK_S3_ACCESS_KEY_ID",
    "secret_access_key": "AVATAR_DESK_S3_SECRET_ACCESS_KEY",
    "url_seconds": "AVATAR_DESK_S3_URL_SECONDS",
    "retention_days": "AVATAR_DESK_MEDIA_RETENTION_DAYS",
}


class StorageSettingsError(ValueError):
    """A setting that cannot work (named, its value never echoed when it is the secret)."""


@dataclass(frozen=True)
class StorageSettings:
    backend: str = "app"  # "app" | "s3"
    media_dir: Path = DEFAULT_MEDIA_DIR
    bucket: str = ""
    region: str = ""
    endpoint_url: str = ""
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    url_seconds: int = DEFAULT_URL_SECONDS
    retention_days: float = DEFAULT_RETENTION_DAYS

    @property
    def keep_seconds(self) -> float:
        """How long a file is kept after its review ends (lib.media.retention)."""
        return self.retention_days * 86400

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] = os.environ, secrets: Mapping[str, object] | None = None
    ) -> StorageSettings:
        values = {name: _lookup(name, env, secrets or {}) for name in _NAMES}
        bucket = values["bucket"]
        backend = (values["backend"] or ("s3" if bucket else "app")).lower()
        if backend not in ("app", "s3"):
            raise StorageSettingsError(f"{_NAMES['backend']} must be app or s3, not {backend!r}")
        if backend == "s3" and not bucket:
            raise StorageSettingsError(f"{_NAMES['backend']} is s3 but {_NAMES['bucket']} is not set")
        if bool(values["access_key_id"]) != bool(values["secret_access_key"]):
            raise StorageSettingsError(
                f"{_NAMES['access_key_id']} and {_NAMES['secret_access_key']} go together: set both or neither"
            )
        return cls(
            backend=backend,
            media_dir=Path(values["media_dir"] or DEFAULT_MEDIA_DIR),
            bucket=bucket,
            region=values["region"],
            endpoint_url=values["endpoint_url"].rstrip("/"),
            access_key_id=values["access_key_id"],
            secret_access_key=values["secret_access_key"],
            url_seconds=int(_number("url_seconds", values["url_seconds"], DEFAULT_URL_SECONDS, minimum=60)),
            retention_days=_number("retention_days", values["retention_days"], DEFAULT_RETENTION_DAYS),
        )


def _lookup(name: str, env: Mapping[str, str], secrets: Mapping[str, object]) -> str:
    upper = _NAMES[name]
    table = secrets.get("storage")
    table = table if isinstance(table, Mapping) else {}
    for value in (env.get(upper), secrets.get(upper), table.get(name), table.get(upper.lower())):
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _number(name: str, raw: str, default: float, minimum: float = 0) -> float:
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise StorageSettingsError(f"{_NAMES[name]} must be a number, not {raw!r}") from None
    if value < minimum:
        raise StorageSettingsError(f"{_NAMES[name]} must be at least {minimum:g}")
    return value


def make_storage(settings: StorageSettings) -> Storage:
    """The backend the settings name; an S3 client is made here, once."""
    if settings.backend == "s3":
        from lib.media.storage.s3 import S3Storage  # boto3 is loaded only when a bucket is used

        return S3Storage(
            settings.bucket,
            region=settings.region or None,
            endpoint_url=settings.endpoint_url or None,
            access_key_id=settings.access_key_id or None,
            secret_access_key=settings.secret_access_key or None,
            presign_seconds=settings.url_seconds,
        )
    return AppHostedStorage(settings.media_dir)
