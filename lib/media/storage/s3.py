"""S3-compatible storage (AWS S3, Cloudflare R2, Alibaba OSS, Tencent COS, MinIO) through boto3: objects
under their key in one bucket, fetched by APIMart through presigned GET URLs. The secret key goes to
boto3's client and nowhere else: never kept on this object, never in its repr or an error's text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from lib.media.storage.base import Stored
from lib.media.storage.keys import is_valid_key

CHUNK = 256 * 1024
# SigV4 presigned URLs live at most 7 days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        presign_seconds: int = 86400,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 bucket name is required")
        self.bucket, self.region, self.endpoint_url = bucket, region or None, endpoint_url or None
        self.presign_seconds = int(presign_seconds)
        # Keys not given here come from boto3's own chain (AWS_ACCESS_KEY_ID ..., ~/.aws, an instance role).
        # Path-style addressing with a custom endpoint: MinIO and moto answer no per-bucket host names.
        self._client = boto3.session.Session().client(
            "s3",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def __repr__(self) -> str:
        return (
            f"S3Storage(bucket={self.bucket!r}, region={self.region!r}, endpoint_url={self.endpoint_url!r})"
        )

    __str__ = __repr__

    def put(self, source: Path, key: str, content_type: str) -> Stored:
        if not is_valid_key(key):
            raise ValueError(f"not a storage key: {key!r}")
        self._client.upload_file(str(source), self.bucket, key, ExtraArgs={"ContentType": content_type})
        return Stored(self.name, key, content_type, Path(source).stat().st_size)

    def url(self, stored: Stored, base_url: str = "", lifetime_seconds: int = 0) -> str:
        """A presigned GET of the object, valid `lifetime_seconds` (else the configured lifetime; at most
        7 days, SigV4's limit). `base_url` is not used: the bucket has its own address."""
        seconds = min(int(lifetime_seconds or self.presign_seconds), MAX_PRESIGN_SECONDS)
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": stored.key}, ExpiresIn=seconds
        )

    def delete(self, stored: Stored) -> None:
        if is_valid_key(stored.key):
            self._client.delete_object(Bucket=self.bucket, Key=stored.key)

    def size(self, key: str) -> int:
        """The object's size; KeyError when there is none."""
        if not is_valid_key(key):
            raise KeyError(key)
        try:
            return int(self._client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(key) from None
            raise

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if not is_valid_key(key):
            raise KeyError(key)
        extra = {} if start == 0 and end is None else {"Range": f"bytes={start}-{'' if end is None else end}"}
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(key) from None
            raise
        return _chunks(body)


def _chunks(body) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()
