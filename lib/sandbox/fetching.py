"""Which submitted asset URLs the sandbox downloads, and the bounded download itself. It must never fetch
anything outside this allow-list, never follow a redirect, and never connect anywhere a URL names unless the
address is one listed here.

The allow-list (`FileHosts`), fixed for each submit request:
- the app's own media route: `/files/<one name>` on the origin of the server the sandbox is served by (when
  it is mounted in the app, that is the app) or on the origin of the sandbox's `public_url` (the app's
  public address); fetched from the very socket the submit request arrived on, whatever the URL's host
  says, so a public address (a tunnel, a LAN address) is read on this machine;
- `/files/<one name>` on each of the config's `media_origins` (loopback origins only: an app that serves its
  media route in another process);
- any path on the S3-compatible endpoint `s3_endpoint_url` (by default AVATAR_DESK_S3_ENDPOINT_URL), only
  when that endpoint is on loopback (a local MinIO or moto server).
Everything else is judged by its text alone (lib.sandbox.assets). A download is bounded by MAX_BYTES and
TIMEOUT seconds in all; a non-200 answer, a redirect, an error or the deadline is DownloadFailed."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import urllib3

from lib.sandbox.config import SandboxConfig
from lib.sandbox.control import is_loopback_host

MAX_BYTES = 60 * 1024 * 1024  # above both upstream limits (30 MB photos, 50 MB clips)
TIMEOUT = 10.0  # seconds for the whole download
MEDIA_PATH = "/files/"
_CHUNK = 256 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DownloadError(Exception):
    """The file could not be had: `code` and `message` as the review reports them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def error(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int

    @classmethod
    def of(cls, url: str | None) -> Origin | None:
        """The origin of an http(s) URL without user info, else None."""
        try:
            parts = urlsplit((url or "").strip())
            port = parts.port
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
            return None
        return cls(scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme])

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    def same_as(self, other: Origin | None) -> bool:
        """The same origin; two loopback names (localhost, 127.0.0.1, ::1) on one port count as one."""
        if other is None or (self.scheme, self.port) != (other.scheme, other.port):
            return False
        return self.host == other.host or (self.loopback and other.loopback)

    def address(self) -> str:
        """The address to connect to (only loopback origins and this server's own are ever connected to):
        its literal, or 127.0.0.1 for a name (localhost)."""
        try:
            return str(ipaddress.ip_address(self.host))
        except ValueError:
            return "127.0.0.1"


@dataclass(frozen=True)
class Target:
    """Where an allowed URL is read: the address connected to, and the request sent there."""

    scheme: str
    address: str  # an IP literal: loopback, or the local address of this server's own socket
    port: int
    path: str  # with its query
    host_header: str  # the URL's own host (a presigned URL signs it)
    server_name: str  # the name TLS checks the certificate against


def _target(url: str, origin: Origin, connect: Origin) -> Target:
    """Reads `url` (of `origin`) at `connect`: its scheme, address and port, with the URL's own Host."""
    parts = urlsplit(url.strip())
    default = _DEFAULT_PORTS[origin.scheme]
    netloc_host = f"[{origin.host}]" if ":" in origin.host else origin.host
    host_header = netloc_host if origin.port == default else f"{netloc_host}:{origin.port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(connect.scheme, connect.address(), connect.port, path, host_header, origin.host)


def _media_name(path: str) -> bool:
    """`/files/<name>`: one path segment, no way up or sideways."""
    if not path.startswith(MEDIA_PATH):
        return False
    name = path[len(MEDIA_PATH) :]
    return bool(name) and "/" not in name and "\\" not in name and "%" not in name and name not in (".", "..")


@dataclass(frozen=True)
class FileHosts:
    """The allow-list for one submit (see the module's docstring)."""

    server: Origin | None  # the local socket the request came in on: scheme, address, port
    public: Origin | None  # the sandbox's public_url's origin
    media: tuple[Origin, ...]
    s3: Origin | None  # only when on loopback

    @classmethod
    def of(cls, config: SandboxConfig, server: Origin | None) -> FileHosts:
        s3 = Origin.of(config.s3_endpoint_url)
        media = tuple(o for o in (Origin.of(u) for u in config.media_origins) if o and o.loopback)
        return cls(server, Origin.of(config.public_url), media, s3 if s3 and s3.loopback else None)

    def target(self, url: str) -> Target | None:
        """Where to read `url` from, or None: it is not on the allow-list and must not be fetched."""
        origin = Origin.of(url)
        if origin is None:
            return None
        path = urlsplit(url.strip()).path
        if _media_name(path):
            if self.server and (origin.same_as(self.server) or origin.same_as(self.public)):
                return _target(url, origin, self.server)
            for media in self.media:
                if origin.same_as(media):
                    return _target(url, origin, media)
        if self.s3 and origin.same_as(self.s3):
            return _target(url, origin, self.s3)
        return None


def server_origin(scope: dict) -> Origin | None:
    """The local end of the request's connection (ASGI `server`), as an origin; None when not known."""
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    try:
        host = str(ipaddress.ip_address(str(server[0]).strip("[]")))
    except ValueError:
        return None  # a unix socket or a name: nothing to connect back to
    return Origin("https" if scope.get("scheme") == "https" else "http", host, int(server[1]))


def _pool(target: Target, timeout: float) -> urllib3.HTTPConnectionPool:
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=limits,
            retries=False,
            maxsize=1,
            server_hostname=target.server_name,
            assert_hostname=target.server_name,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=limits, retries=False, maxsize=1)


def download(target: Target, dest: Path, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT) -> int:
    """Reads the target's body into `dest` (bytes written); raises DownloadError."""
    deadline = time.monotonic() + timeout
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            "GET",
            target.path,
            headers={"Host": target.host_header, "User-Agent": "apimart-sandbox/1", "Accept": "*/*"},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            if response.status != 200:
                raise DownloadError(
                    "InvalidParameter.DownloadFailed",
                    f"The asset could not be downloaded from its URL (HTTP {response.status})",
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _too_big(max_bytes)
            written = 0
            with open(dest, "wb") as out:
                for chunk in response.stream(_CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise _too_big(max_bytes)
                    if time.monotonic() > deadline:
                        raise _too_slow(timeout)
                    out.write(chunk)
            return written
        finally:
            response.release_conn()
    except urllib3.exceptions.TimeoutError as error:
        raise _too_slow(timeout) from error
    except urllib3.exceptions.HTTPError as error:
        raise DownloadError(
            "InvalidParameter.DownloadFailed", "The asset could not be downloaded from its URL"
        ) from error
    finally:
        pool.close()


def _too_big(max_bytes: int) -> DownloadError:
    return DownloadError(
        "InvalidParameter.FileSize", f"The file is larger than {max_bytes // (1024 * 1024)} MB"
    )


def _too_slow(timeout: float) -> DownloadError:
    return DownloadError(
        "InvalidParameter.DownloadFailed", f"The asset could not be downloaded within {timeout:g} s"
    )
