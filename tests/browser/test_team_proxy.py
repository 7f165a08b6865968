"""deploy/nginx.conf, the team install's proxy (issue Teams), in front of two real app servers: nginx (Debian's
package) runs the very file, with only the two upstream addresses and the listening port put on loopback, in
front of two `streamlit run app.py` processes on one registry and one sandbox.

- A browser's page works through it: the app's script runs and draws (its websocket, /_stcore/stream, is
  upgraded: 101 in nginx's log), and every request of that browser reaches the same server.
- A first request without the route cookie gets one; any request carrying a cookie always reaches the same
  server, and different cookies reach both servers (the upstream is hashed on the cookie).

nginx's access log names, for each request, the upstream that answered it and the route cookie it carried."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import operator_page
from tests.serving import ROOT, free_port, streamlit_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx.conf"
COOKIE = "avatar_desk_route"
# The wrapper around deploy/nginx.conf (whose file is an http-level include, as in the nginx image).
MAIN = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format team '$request_uri|$status|$upstream_addr|$cookie_avatar_desk_route';
  access_log {folder}/access.log team;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  include {folder}/site.conf;
}}
"""


def site_conf(app_ports: tuple[int, int], listen: int) -> str:
    """deploy/nginx.conf with app1 and app2 on the two loopback ports and nginx on `listen` (nothing else)."""
    text = CONF.read_text()
    swaps = {
        "server app1:8501": f"server 127.0.0.1:{app_ports[0]}",
        "server app2:8501": f"server 127.0.0.1:{app_ports[1]}",
        "listen 80;": f"listen 127.0.0.1:{listen};",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"deploy/nginx.conf has one `{old}`"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx_in_front(folder: Path, app_ports: tuple[int, int]):
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `apt-get install nginx-light` (Debian's package)")
    port = free_port()
    (folder / "site.conf").write_text(site_conf(app_ports, port))
    (folder / "nginx.conf").write_text(MAIN.format(folder=folder))
    checked = subprocess.run([NGINX, "-t", "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = open(folder / "nginx.out", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [NGINX, "-c", str(folder / "nginx.conf")], stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"{base}/_stcore/health", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (folder / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def access_log(folder: Path) -> list[dict]:
    lines = (folder / "access.log").read_text().splitlines()
    rows = []
    for line in lines:
        uri, status, upstream, cookie = line.split("|")
        rows.append({"uri": uri, "status": int(status), "upstream": upstream, "cookie": cookie})
    return rows


@pytest.fixture
def team_behind_proxy(tmp_path, sandbox_server):
    """Two servers (one registry file, the shared sandbox of the test session) and nginx in front."""
    env = {
        "AVATAR_DESK_DB": str(tmp_path / "registry.db"),
        "AVATAR_DESK_SANDBOX_URL": sandbox_server.base_url,
        "AVATAR_DESK_SANDBOX": "off",
        "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media"),
    }
    with (
        streamlit_server(env, log_suffix="-proxy-a") as a,
        streamlit_server(env, log_suffix="-proxy-b") as b,
    ):
        ports = (int(a.base.rsplit(":", 1)[1]), int(b.base.rsplit(":", 1)[1]))
        folder = tmp_path / "nginx"
        folder.mkdir()
        with nginx_in_front(folder, ports) as base:
            yield base, folder, {f"127.0.0.1:{p}" for p in ports}


def test_a_page_works_through_the_proxy_on_one_server(browser, request, team_behind_proxy):
    base, folder, upstreams = team_behind_proxy
    with operator_page(browser, base, request.node.name) as page:
        # Drawn by the app's script: only a working websocket brings it.
        expect(page.locator('[data-testid="stMain"] [data-testid="stHeading"]').first).to_be_visible()
        cookie = next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)
        page.reload()
        expect(page.locator('[data-testid="stMain"] [data-testid="stHeading"]').first).to_be_visible()
    # nginx logs a websocket when it ends: the reload ended the first, closing the tab the second.
    deadline = time.monotonic() + 10
    while True:
        mine = [r for r in access_log(folder) if r["cookie"] == cookie]
        streams = [r for r in mine if r["uri"].startswith("/_stcore/stream")]
        if len(streams) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(streams) == 2 and all(r["status"] == 101 for r in streams), streams
    served_by = {r["upstream"] for r in mine}
    assert len(served_by) == 1 and served_by <= upstreams, (
        f"one server for the browser's requests: {served_by}"
    )


def test_the_route_cookie_is_given_once_and_picks_one_server(team_behind_proxy):
    base, folder, upstreams = team_behind_proxy
    first = requests.get(base, timeout=10)
    assert first.ok
    given = first.cookies.get(COOKIE)
    assert given and re.fullmatch(r"[0-9a-f]{32}", given), "a random route cookie on the first request"
    again = requests.get(base, cookies={COOKIE: given}, timeout=10)
    assert COOKIE not in again.cookies, "a browser that has the cookie is not given another"

    for i in range(24):
        for _ in range(3):
            requests.get(
                f"{base}/_stcore/health", cookies={COOKIE: f"browser-{i}"}, timeout=10
            ).raise_for_status()
    by_cookie = defaultdict(set)
    for row in access_log(folder):
        if row["cookie"].startswith("browser-"):
            by_cookie[row["cookie"]].add(row["upstream"])
    assert len(by_cookie) == 24
    assert all(len(served) == 1 for served in by_cookie.values()), dict(by_cookie)
    assert set().union(*by_cookie.values()) == upstreams, "different browsers reach both servers"
