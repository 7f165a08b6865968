"""Issue 10 in the browser: kill -9 of a real `streamlit run` process mid-submit and mid-generate, restart,
and every unknown outcome settled without a duplicate.

APIMart does not die with the app: the sandbox runs in this test's process (shared with the app through
AVATAR_DESK_SANDBOX_URL) and the registry is a file of the test's own (AVATAR_DESK_DB), read here with
sqlite3. The request being killed is held by a sandbox fault (`latency`, applied before the handler):
the app is SIGKILLed while the request sleeps in the sandbox, and the sandbox carries it out SLOW seconds
after it arrived, with nobody left to read the answer. So, in every run, the truth is "it was carried
out", and the tests wait for it (bounded) before counting what the sandbox holds."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.sandbox.control import SandboxControl
from lib.sandbox.runner import start_sandbox
from tests.browser.helpers import (
    expect_review_counts,
    fill_table,
    idle,
    label_group,
    make_video_button,
    menu,
    operator_page,
    quick_realistic_timing,
    submit_button,
    verify_with_phone,
)
from tests.serving import StreamlitServer, free_port, streamlit_server

pytest.importorskip("zxingcpp")
pytest.importorskip("PIL.Image")

SUBMIT_ROUTE = "/v1/seedance2/real-avatar"
GENERATE_ROUTE = "/v1/videos/generations"
SLOW = 30  # seconds the sandbox holds the request before carrying it out; the kill comes within ~1 s
LABEL = "Mara Kill"
URLS = [f"https://cdn.example.com/mara/take-{i}.mp4" for i in range(3)]


@dataclass
class Desk:
    """One operator's setup that outlives the app: the sandbox, the registry file and the port."""

    sandbox: SandboxControl
    db: Path
    env: dict[str, str]
    port: int

    def server(self, log_suffix: str = ""):
        return streamlit_server(self.env, self.port, log_suffix=log_suffix)

    def rows(self, sql: str, *params) -> list[dict]:
        """Rows of the app's registry file, read as any other process would (it is in WAL mode)."""
        conn = sqlite3.connect(self.db, timeout=5)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def posts(self, route: str, selector: str | None = None) -> list[dict]:
        """POSTs to `route` the sandbox logged (a request is logged when its handling ends)."""
        return [
            r
            for r in self.sandbox.get("requests")
            if r["method"] == "POST"
            and r["path"] == route
            and (selector is None or r["selector"] == selector)
        ]


@pytest.fixture
def desk(tmp_path):
    with start_sandbox() as apimart:
        control = SandboxControl(apimart.base_url)
        quick_realistic_timing(control)
        db = tmp_path / "desk.db"
        env = {"AVATAR_DESK_SANDBOX_URL": apimart.base_url, "AVATAR_DESK_DB": str(db)}
        yield Desk(control, db, env, free_port())


def wait_until(what: str, probe: Callable[[], object], timeout: float = 15.0):
    """Poll `probe` until it returns something truthy (returned), for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what} (last seen: {value!r})")
        time.sleep(0.1)


def kill_while_held(
    server: StreamlitServer, desk: Desk, send_key: str, route: str, selector: str | None = None
) -> float:
    """SIGKILL the app once the sandbox holds its request (logged on arrival, not answered: its status is
    still None); returns when that happened. No process of the app's group survives."""
    held = wait_until("the request held in the sandbox", lambda: desk.posts(route, selector))
    assert [(r["status"], r["idempotency_key"]) for r in held] == [(None, send_key)]
    assert desk.sandbox.get("faults") == [], "the armed fault was taken by that request"
    killed_at = time.time()
    server.kill()
    assert not server.group_alive(), "no orphan left of the killed server"
    return killed_at


def carried_out(desk: Desk, count: int, route: str, selector: str | None = None) -> list[dict]:
    """Wait (bounded: the held request lands SLOW s after it arrived) until `count` POSTs to `route` were
    answered by the sandbox, i.e. carried out; returns them."""

    def answered():
        posts = desk.posts(route, selector)
        return len(posts) == count and all(r["status"] is not None for r in posts) and posts

    return wait_until(f"{count} request(s) to {route} answered", answered, timeout=SLOW + 15)


def needs_decision(page: Page):
    return page.get_by_role("heading", name="Needs your decision")


def key(page: Page, widget_key: str):
    """The element Streamlit made for the widget with this key (it carries the class st-key-<key>)."""
    return page.locator(f".st-key-{widget_key}")


@pytest.mark.parametrize("choice", ["put_back", "send_again"])
def test_kill_mid_submit_then_settle_on_start(choice: str, desk: Desk, browser, phone_context, request):
    """3 assets written ahead as `sending`, the app killed while the sandbox holds their request, the app
    restarted: the Start page says they may have been sent and the operator settles them.

    Observed truth (every run): the held request is carried out SLOW s after it arrived, the killed app
    never reading the answer, so 3 assets exist upstream whatever the operator chooses.
    - "Put them back in the table": nothing is sent; the rows are in the Submit table again; the sandbox
      got exactly one submit and holds 3 assets (made by the request the app never heard back from).
    - "Send them again": the same assets with the same Idempotency-Key. The sandbox, like the contract,
      does not deduplicate by that key, so it then holds 6 assets: the documented risk the operator
      accepts with that button (3 if the first request had never been carried out).
    """
    with desk.server() as first, operator_page(browser, first.base, f"{request.node.name}-killed") as page:
        verify_with_phone(page, phone_context)
        label_group(page, LABEL)
        fill_table(page, URLS)
        desk.sandbox.post(
            "faults", route=SUBMIT_ROUTE, method="POST", selector="group_id", latency=SLOW, count=1
        )
        submit_button(page, 3).click()
        # Write-ahead: the rows are on disk, with their request's key, before the answer.
        ahead = wait_until(
            "3 rows written ahead as 'sending'",
            lambda: [r for r in desk.rows("SELECT * FROM assets") if r["status"] == "sending"],
        )
        assert len(ahead) == 3 and sorted(r["source_url"] for r in ahead) == URLS
        send_key = ahead[0]["send_key"]
        assert send_key and {r["send_key"] for r in ahead} == {send_key}, "one request, one key"
        killed_at = kill_while_held(first, desk, send_key, SUBMIT_ROUTE, "group_id")
        assert desk.sandbox.get("assets") == [], "held, not yet carried out"

    # On disk the rows are still 'sending': nothing could update them.
    assert [r["status"] for r in desk.rows("SELECT status FROM assets")] == ["sending"] * 3

    with desk.server("-restarted") as second, operator_page(browser, second.base, request.node.name) as page:
        expect(needs_decision(page)).to_be_visible()
        expect(page.get_by_text(re.compile(rf"^3 .+ for {LABEL} may have been sent$"))).to_be_visible()
        again = key(page, f"home__unsettled__again_{send_key}").get_by_role("button", name="Send them again")
        back = key(page, f"home__unsettled__back_{send_key}").get_by_role(
            "button", name="Put them back in the table"
        )
        expect(again).to_be_visible()
        expect(back).to_be_visible()
        idle(page)
        assert all(r["time"] < killed_at for r in desk.posts(SUBMIT_ROUTE)), "the restart sent nothing"
        assert [r["status"] for r in desk.posts(SUBMIT_ROUTE, "group_id")] == [None], "still held"

        if choice == "put_back":
            back.click()
            expect(page).to_have_url(re.compile(r"/submit$"))
            editor = page.get_by_test_id("stDataFrame").first
            for url in URLS:
                # Grid cells live in a hidden accessibility layer over the canvas: attached, not "visible".
                expect(editor.get_by_text(url, exact=True)).to_be_attached()
            expect(submit_button(page, 3)).to_be_enabled()
            expect(page.get_by_text("may have been sent")).to_have_count(0)
            assert desk.rows("SELECT * FROM assets") == [], "put back: no row left as sent or unknown"
        else:
            again.click()
            expect(needs_decision(page)).to_have_count(0)
            menu(page, "4. Review")
            expect_review_counts(page, 3, 0)
            assert {r["status"] for r in desk.rows("SELECT status FROM assets")} == {"usable"}

        # The held request lands SLOW s after it arrived; then everything upstream can be counted.
        expected = 1 if choice == "put_back" else 2
        submits = carried_out(desk, expected, SUBMIT_ROUTE, "group_id")
        assert [(r["status"], r["faulted"], r["asset_count"], r["idempotency_key"]) for r in submits] == [
            (200, False, 3, send_key)
        ] * expected, "every submit carried out, each with the key written ahead"
        assets = desk.sandbox.get("assets")
        assert sorted(a["url"] for a in assets) == sorted(URLS * expected)
        assert len(desk.sandbox.get("tasks?kind=review")) == expected
        # Settled: the Start page of a new session has nothing left to decide.
        menu(page, "Start")
        expect(page).to_have_url(f"{second.base}/")
        expect(page.get_by_role("heading", name="Avatar Desk")).to_be_visible()
        idle(page)
        expect(needs_decision(page)).to_have_count(0)


def test_kill_mid_generate_then_dont_send_again(desk: Desk, browser, phone_context, request):
    """A video request written ahead as `submitting`, the app killed while the sandbox holds it, the app
    restarted: the Start page shows the video card, "Send again" waits for the consent box, and "Don't
    send again" settles it. The held request is carried out after the kill (observed in every run): the
    sandbox then holds exactly 1 video, the one nobody will follow; never 2."""
    with desk.server() as first, operator_page(browser, first.base, f"{request.node.name}-killed") as page:
        verify_with_phone(page, phone_context)
        label_group(page, LABEL)
        fill_table(page, URLS[:1])
        submit_button(page, 1).click()
        expect_review_counts(page, 1, 0)

        menu(page, "5. Make a video")
        # The current person's approved clip is picked already; pick it when it is not.
        picker = page.get_by_test_id("stMultiSelect")
        expect(picker).to_be_visible()
        idle(page)
        if picker.get_by_text("take-0").count() == 0:
            picker.click()
            page.get_by_role("option", name=re.compile("take-0")).click()
            page.keyboard.press("Escape")
            idle(page)
        expect(picker.get_by_text("take-0")).to_be_visible()
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.fill("The person waves at the camera.")
        prompt.press("Control+Enter")
        idle(page)
        generate = make_video_button(page)
        expect(generate).to_be_enabled()
        desk.sandbox.post("faults", route=GENERATE_ROUTE, method="POST", latency=SLOW, count=1)
        generate.click()
        row = wait_until(
            "the video row written ahead as 'submitting'",
            lambda: [r for r in desk.rows("SELECT * FROM videos") if r["status"] == "submitting"],
        )
        assert len(row) == 1 and row[0]["send_key"] and row[0]["task_id"] is None
        video_id, send_key = row[0]["id"], row[0]["send_key"]
        killed_at = kill_while_held(first, desk, send_key, GENERATE_ROUTE)
        assert desk.sandbox.get("tasks?kind=video") == [], "held, not yet carried out"

    assert [(r["status"], r["task_id"]) for r in desk.rows("SELECT * FROM videos")] == [("submitting", None)]

    with desk.server("-restarted") as second, operator_page(browser, second.base, request.node.name) as page:
        expect(needs_decision(page)).to_be_visible()
        expect(page.get_by_text("This video may have been created, and charged")).to_be_visible()
        send_again = key(page, f"home__unsettled__again_{video_id}").get_by_role(
            "button", name="Send again", exact=True
        )
        expect(send_again).to_be_disabled()
        consent = key(page, f"home__unsettled__accept_{video_id}")
        consent.get_by_text("Send again: I accept a possible second charge").click()
        expect(consent.get_by_role("checkbox")).to_be_checked()
        expect(send_again).to_be_enabled()
        idle(page)
        assert all(r["time"] < killed_at for r in desk.posts(GENERATE_ROUTE)), "the restart sent nothing"

        key(page, f"home__unsettled__dismiss_{video_id}").get_by_role(
            "button", name="Don't send again"
        ).click()
        expect(needs_decision(page)).to_have_count(0)
        expect(page.get_by_text("This video may have been created")).to_have_count(0)
        assert [(r["status"], r["task_id"]) for r in desk.rows("SELECT * FROM videos")] == [
            ("dismissed", None)
        ]

        # The held request lands SLOW s after it arrived: the one video it made is all there is.
        generations = carried_out(desk, 1, GENERATE_ROUTE)
        assert [(r["status"], r["idempotency_key"]) for r in generations] == [(200, send_key)]
        assert len(desk.sandbox.get("tasks?kind=video")) == 1, "one video created upstream, never 2"
        assert all(r["time"] < killed_at for r in generations), "nothing sent after the kill"

        # A new session reads the same registry: nothing left to decide.
        page.reload()
        expect(page.get_by_role("heading", name="Avatar Desk")).to_be_visible()
        idle(page)
        expect(needs_decision(page)).to_have_count(0)
