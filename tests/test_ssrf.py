"""No URL a user types can make the app reach a private address: every spelling of loopback (and of the
other private ranges) is refused by the row check and by the probe, and a real loopback listener started
here receives nothing. A redirect from the one origin a test allows to a loopback address is refused too,
and the probe connects to the address it checked (no second DNS lookup to rebind)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time

import pytest
from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from lib.assets import AssetRow, check_rows
from lib.netguard import _system_resolver, parse_ipv4
from lib.probe import probe_url
from tests.helpers.serving import serve_asgi


class Listener:
    """A real TCP server on 127.0.0.1 (and ::1 on the same port when the machine has IPv6) that counts
    the connections it accepts."""

    def __init__(self):
        self.accepted = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.v4 = socket.create_server(("127.0.0.1", 0))
        self.port = self.v4.getsockname()[1]
        self.sockets = [self.v4]
        with contextlib.suppress(OSError):
            self.sockets.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        self.threads = [threading.Thread(target=self._serve, args=(s,), daemon=True) for s in self.sockets]
        for thread in self.threads:
            thread.start()

    def _serve(self, server: socket.socket) -> None:
        server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.accepted += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=2)
        for s in self.sockets:
            s.close()


@pytest.fixture
def listener():
    running = Listener()
    yield running
    running.close()


# Every way to write "this computer" (or another private place) in a URL's host. {port} is the listener's.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "0177.1",
    "127.000.000.001",
    "127.0.0.1.",
    "127.255.255.254",
    "0.0.0.0",
    "0",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "[::127.0.0.1]",
    "[::]",
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "localhost",
    "LOCALHOST",
    "localhost.",
    "foo.localhost",
    "ip6-localhost",
    "１２７.０.０.１",  # full-width digits, mapped by IDNA to 127.0.0.1
]
OTHER_PRIVATE = [
    "169.254.169.254",
    "2852039166",  # 169.254.169.254 in decimal: the cloud metadata service
    "0xa9fea9fe",
    "10.0.0.1",
    "012.0.0.1",  # octal 10.0.0.1
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "3232235777",  # 192.168.1.1
    "100.64.0.1",  # CGNAT
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    "224.0.0.1",
    "239.255.255.250",
    "[ff02::1]",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[2002:a00:1::]",  # 6to4 of 10.0.0.1
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of the metadata address
    "router",
    "printer.local",
    "db.internal",
]


def _url(host: str, port: int) -> str:
    return f"http://{host}:{port}/clip.mp4"


def test_the_legacy_spellings_mean_what_the_system_says_they_mean():
    for text in ("127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "127.0.1", "012.0.0.1"):
        assert parse_ipv4(text).packed == socket.inet_aton(text), text
    assert parse_ipv4("cdn.example.com") is None
    with pytest.raises(ValueError):
        parse_ipv4("1.2.3.08")  # looks numeric, is no address: refused rather than looked up


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + OTHER_PRIVATE)
def test_every_spelling_is_refused_and_the_listener_receives_nothing(host, listener):
    url = _url(host, listener.port)
    check = check_rows([AssetRow(url)], "Video")[0]
    assert not check.ok and "not public" in check.reason, (host, check.reason)
    result = probe_url(url, "Video", timeout=2)
    assert not result.ok and result.status is None, (host, result)
    assert "private" in result.problem or "local" in result.problem, (host, result.problem)
    assert listener.accepted == 0, f"{host} reached the loopback listener"


def test_the_listener_does_count_a_connection(listener):
    """The control: with the test's exact-origin allowance the same listener is reached, so the zero
    counts above mean something."""
    origin = f"http://127.0.0.1:{listener.port}"
    assert probe_url(f"{origin}/clip.mp4", "Video", timeout=2, allow_private=[origin], read_file=False).ok
    assert listener.accepted == 1


def test_the_allowance_is_one_exact_origin(listener):
    allowed = f"http://127.0.0.1:{listener.port + 1 if listener.port < 65535 else 1}"
    for host in ("127.0.0.1", "127.1", "localhost", "[::1]"):
        result = probe_url(_url(host, listener.port), "Video", timeout=2, allow_private=[allowed])
        assert not result.ok and ("private" in result.problem or "local" in result.problem), result
    assert listener.accepted == 0


def test_a_name_that_resolves_to_loopback_is_refused(listener):
    """A public-looking name whose DNS answer is loopback (here: whatever the system resolves for
    localhost), or a public answer with one loopback address among others (a rebinding name)."""

    def like_localhost(host, port):
        return _system_resolver("localhost", port)

    result = probe_url(_url("assets.example.com", listener.port), "Video", timeout=2, resolver=like_localhost)
    assert not result.ok and "resolves to" in result.problem, result.problem

    def mixed(host, port):
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("127.0.0.1")]

    result = probe_url(_url("assets.example.com", listener.port), "Video", timeout=2, resolver=mixed)
    assert not result.ok and "127.0.0.1" in result.problem
    assert listener.accepted == 0


def test_the_probe_connects_to_the_address_it_checked():
    """Resolved once per hop: a second answer (a rebinding DNS) is never asked for, and the name travels
    in the Host header only."""
    seen_hosts: list[str] = []

    async def clip(request):
        seen_hosts.append(request.headers["host"])
        return Response(headers={"Content-Type": "video/mp4", "Content-Length": "10"})

    app = Starlette(routes=[Route("/clip.mp4", clip, methods=["GET", "HEAD"])])
    with serve_asgi(app) as base:
        port = int(base.rsplit(":", 1)[1])
        answers: list[str] = []

        def rebinding(host, port_):
            answers.append(host)
            # First answer: the (allowed) test server; any later answer would be the metadata service.
            return [ipaddress.ip_address("127.0.0.1" if len(answers) == 1 else "169.254.169.254")]

        origin = f"http://assets.example.com:{port}"
        result = probe_url(
            f"{origin}/clip.mp4",
            "Video",
            timeout=3,
            allow_private=[origin],
            resolver=rebinding,
            read_file=False,
        )
    assert result.ok, result
    assert answers == ["assets.example.com"]
    assert seen_hosts == [f"assets.example.com:{port}"]


def _redirector(target_for):
    async def hop(request):
        return RedirectResponse(target_for(request), status_code=302)

    async def final(request):
        return Response(headers={"Content-Type": "video/mp4", "Content-Length": "10"})

    async def loop(request):
        return RedirectResponse("/loop.mp4", status_code=301)

    return Starlette(
        routes=[
            Route("/hop.mp4", hop, methods=["GET", "HEAD"]),
            Route("/final.mp4", final, methods=["GET", "HEAD"]),
            Route("/loop.mp4", loop, methods=["GET", "HEAD"]),
        ]
    )


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/clip.mp4",
        "http://127.1:{port}/clip.mp4",
        "http://2130706433:{port}/clip.mp4",
        "http://localhost:{port}/clip.mp4",
        "http://[::1]:{port}/clip.mp4",
        "http://[::ffff:127.0.0.1]:{port}/clip.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://user:pass@127.0.0.1:{port}/clip.mp4",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(target, listener):
    """The first hop is the one origin this test allows; where it redirects is checked like any URL."""
    app = _redirector(lambda request: target.format(port=listener.port))
    with serve_asgi(app) as base:
        result = probe_url(f"{base}/hop.mp4", "Video", timeout=3, allow_private=[base])
    assert not result.ok and result.status is None, result
    assert listener.accepted == 0


def test_redirects_are_followed_within_bounds():
    app = _redirector(lambda request: "/final.mp4")
    with serve_asgi(app) as base:
        followed = probe_url(f"{base}/hop.mp4", "Video", timeout=3, allow_private=[base])
        looping = probe_url(f"{base}/loop.mp4", "Video", timeout=3, allow_private=[base])
    assert followed.ok and followed.size == 10, followed
    assert not looping.ok and "redirects" in looping.problem


def test_a_silent_server_is_cut_off_at_the_deadline():
    """Time is bounded: a server that accepts and never answers costs the timeout, not more."""
    server = socket.create_server(("127.0.0.1", 0))
    origin = f"http://127.0.0.1:{server.getsockname()[1]}"
    try:
        started = time.monotonic()
        result = probe_url(f"{origin}/clip.mp4", "Video", timeout=0.5, allow_private=[origin])
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert not result.ok and "no answer" in result.problem
    assert elapsed < 2.0
