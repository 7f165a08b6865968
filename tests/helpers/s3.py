"""An S3 endpoint for tests: moto's server mode (real HTTP) on a free loopback port, started once per test
session by the `moto_s3` fixture (tests/conftest.py), a fresh bucket per test, and the app's S3Storage on it."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import requests
from moto.server import ThreadedMotoServer

from lib.media.storage.s3 import S3Storage
from tests.helpers.serving import free_port

# moto accepts any keys; these are what the tests' storages sign with.
ACCESS_KEY_ID = "AKIATESTMOTO00000000"
SECRET_ACCESS_KEY = "moto-secret-" + "x" * 28
REGION = "us-east-1"


@dataclass(frozen=True)
class MotoS3:
    endpoint_url: str

    def client(self):
        return boto3.session.Session().client(
            "s3",
            region_name=REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def new_bucket(self) -> str:
        """A bucket of its own for one test (names are random: tests share the session's server)."""
        name = f"test-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage(self, bucket: str | None = None, **overrides) -> S3Storage:
        """The app's S3 storage on this server with the tests' keys: on a new bucket unless one is named (a
        name that was never made is a bucket that does not exist); `overrides` are S3Storage's own keyword
        arguments (presign_seconds=600, endpoint_url=... for one nobody answers)."""
        options = {
            "region": REGION,
            "endpoint_url": self.endpoint_url,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
        }
        return S3Storage(bucket or self.new_bucket(), **{**options, **overrides})

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return [item["Key"] for item in listing.get("Contents", [])]


@contextlib.contextmanager
def moto_s3_server() -> Iterator[MotoS3]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        requests.get(f"{endpoint}/moto-api/", timeout=10).raise_for_status()
        yield MotoS3(endpoint)
    finally:
        server.stop()
