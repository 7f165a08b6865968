"""Issue 15's "Several app servers" in the browser: two `streamlit run app.py` processes on two ports, one
registry (a real PostgreSQL started by the suite; the same on one shared SQLite file), one standalone sandbox
(`python -m lib.sandbox`, named by AVATAR_DESK_SANDBOX_URL), one shared media folder.

The operator works on server A. A's public address (AVATAR_DESK_PUBLIC_URL) is server B's, as when a proxy
sends the phone to whichever server it picks: the sandbox's H5 page redirects the phone to B's /callback, and
A's page, which only reads the callback inbox in the database, moves on to the group by itself (the time from
the phone's Approve is printed and written to test-output/two-servers.txt; the issue asks for 2 s; no timed
assert here).
Both servers list the same person; a page on each submits different URLs for that person at once, and the
registry and the sandbox hold every one of them exactly once. Both servers' media folder is one: A's Submit says
so, and a photo dropped on A is served by B's /files."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lib.sandbox.control import SandboxControl
from lib.store.database import Database
from lib.store.tables import assets, media, people
from tests.browser.helpers import (
    OUTPUT,
    decode_qr,
    fill_table,
    idle,
    label_group,
    menu,
    operator_page,
    quick_realistic_timing,
    submit_button,
)
from tests.helpers.media_files import write_photo
from tests.serving import ROOT, free_port, streamlit_server, wait_for

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

LABEL = "Lin Team"
FROM_A = [f"https://cdn.example.com/lin/a-take-{i}.mp4" for i in range(3)]
FROM_B = [f"https://cdn.example.com/lin/b-take-{i}.mp4" for i in range(3)]


@dataclass
class Team:
    a: str  # server A's base URL (the operator's)
    b: str  # server B's (where the phone's callback lands)
    sandbox: str
    registry: str  # AVATAR_DESK_DB of both


@contextlib.contextmanager
def standalone_sandbox():
    port = free_port()
    log = open(ROOT / "test-output" / f"sandbox-{port}.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.sandbox", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/_sandbox/health", timeout=30, process=process)
        yield base
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def team(request, tmp_path):
    registry = request.getfixturevalue("pg_url") if request.param == "postgresql" else str(tmp_path / "team.db")
    (ROOT / "test-output").mkdir(exist_ok=True)
    port_a, port_b = free_port(), free_port()
    while port_b == port_a:
        port_b = free_port()
    with contextlib.ExitStack() as stack:
        sandbox = stack.enter_context(standalone_sandbox())
        shared = {
            "AVATAR_DESK_DB": registry,
            "AVATAR_DESK_SANDBOX_URL": sandbox,
            "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "shared-media"),
        }
        a = stack.enter_context(
            streamlit_server(
                {**shared, "AVATAR_DESK_PUBLIC_URL": f"http://127.0.0.1:{port_b}"}, port_a, log_suffix="-A"
            )
        )
        b = stack.enter_context(streamlit_server(shared, port_b, log_suffix="-B"))
        yield Team(a.base, b.base, sandbox, registry)


def record(line: str) -> None:
    print(line)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT.parent / "two-servers.txt", "a", encoding="utf-8") as out:
        out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {line}\n")


def lists_the_person(page: Page) -> None:
    menu(page, "Library")
    expect(page.get_by_test_id("stDataFrame").first.get_by_text(LABEL, exact=True)).to_be_attached()
    idle(page)


def test_two_servers_share_the_callback_the_people_the_submissions_and_the_files(
    browser, phone_context, team, request, tmp_path
):
    sandbox = SandboxControl(team.sandbox)
    sandbox.post("reset")
    quick_realistic_timing(sandbox)
    name = request.node.name
    with (
        operator_page(browser, team.a, f"{name}-A") as on_a,
        operator_page(browser, team.b, f"{name}-B") as on_b,
    ):
        # The operator on A makes a verification; the H5 link is the standalone sandbox's.
        on_a.get_by_role("link", name="1. Verify").click()
        on_a.get_by_role("button", name="Create verification session").click()
        link = decode_qr(on_a)
        assert link.startswith(f"{team.sandbox}/h5/token_"), link

        # The phone approves: its redirect lands on server B, which records it in the shared inbox.
        phone = phone_context.new_page()
        phone.goto(link)
        approve = phone.locator("#approve")
        expect(approve).to_be_visible()
        clicked = time.monotonic()
        approve.click()
        expect(phone.get_by_text("close this page")).to_be_visible()
        landed = time.monotonic()
        assert phone.url.startswith(f"{team.b}/callback?"), "the callback reached server B"
        expect(on_a.get_by_text("Current group")).to_be_visible(timeout=15_000)
        moved = time.monotonic()
        record(
            f"[{request.node.callspec.id}] A's page at the group {moved - clicked:.2f} s after the phone's "
            f"Approve (the redirect to B and B's answer: {landed - clicked:.2f} s of it)"
        )

        # Both servers list the person named on A.
        label_group(on_a, LABEL)
        lists_the_person(on_a)
        lists_the_person(on_b)

        # A page on each server works on that person and sends different URLs, at once.
        on_b.get_by_role("button", name="Use this person").click()
        expect(on_b.get_by_role("button", name="Add to the table")).to_be_visible()
        menu(on_a, "3. Submit")
        expect(on_a.get_by_role("button", name="Add to the table")).to_be_visible()
        fill_table(on_a, FROM_A)
        fill_table(on_b, FROM_B)
        send_a, send_b = submit_button(on_a, len(FROM_A)), submit_button(on_b, len(FROM_B))
        for page, button in ((on_a, send_a), (on_b, send_b)):
            expect(button).to_be_enabled()
            idle(page)
        send_a.click()
        send_b.click()
        for page in (on_a, on_b):
            expect(page.get_by_role("heading", name=f"Approved ({len(FROM_A)})", exact=True)).to_be_visible()

        # One media folder for both: each says so, and a photo dropped on A is served by B.
        menu(on_a, "3. Submit")
        on_a.get_by_role("tab", name="From this computer").click()
        expect(on_a.get_by_text("Files are kept in the shared folder")).to_be_visible()
        expect(on_a.get_by_text("(2 servers)")).to_be_visible()
        zone = on_a.locator('[class*="st-key-submit__files_"] input[type="file"]')
        expect(zone).to_have_count(1)
        zone.set_input_files(str(write_photo(tmp_path / "lin-front.jpg")))
        expect(on_a.get_by_text("Added 1 file to the table.")).to_be_visible()

    # Nothing lost, nothing twice: upstream made one asset per URL, in one request per server...
    made = sandbox.get("assets")
    sends = [r for r in sandbox.get("requests") if r["method"] == "POST" and r["selector"] == "group_id"]
    assert sorted(a["url"] for a in made) == sorted(FROM_A + FROM_B), made
    assert sorted((r["status"], r["asset_count"]) for r in sends) == [(200, 3), (200, 3)]
    # ...and the registry both servers write holds each URL once, for the one person.
    db = Database(team.registry)
    try:
        rows = db.rows(select(assets.c.group_id, assets.c.source_url, assets.c.status, assets.c.asset_id))
        named = db.rows(select(people.c.group_id, people.c.label))
        hosted = db.rows(select(media.c.storage_key).where(media.c.state == "ready"))
    finally:
        db.close()
    assert [label for _, label in named] == [LABEL]
    assert {row.group_id for row in rows} == {named[0].group_id}
    kept = sorted(row.source_url for row in rows)
    assert kept == sorted(FROM_A + FROM_B), f"each URL exactly once in the registry, kept: {kept}"
    assert {row.status for row in rows} == {"usable"} and len({row.asset_id for row in rows}) == len(rows)
    [photo] = hosted
    served = requests.get(f"{team.b}/files/{photo.storage_key}", timeout=10)
    assert served.ok and served.content == (tmp_path / "lin-front.jpg").read_bytes(), "B serves A's upload"
