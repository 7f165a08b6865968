"""Sign-in in the browser (issue Teams): `streamlit run app.py` with AVATAR_DESK_SIGN_IN=required and a team
passphrase. The operator's tab shows only the sign-in until the right passphrase; the phone's routes (the H5
page's callback, /files, /capture) need none, so a person is verified from a phone as before; the server's log
says a try was refused and never what was typed."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import idle, operator_page, verify_with_phone
from tests.serving import ROOT, streamlit_server

pytest.importorskip("zxingcpp")

PASSPHRASE = "browser-team-passphrase-5521"


@pytest.fixture
def signed_server(tmp_path):
    env = {
        "AVATAR_DESK_DB": str(tmp_path / "registry.db"),
        "AVATAR_DESK_MEDIA_DIR": str(tmp_path / "media"),
        "AVATAR_DESK_SIGN_IN": "required",
        "AVATAR_DESK_PASSPHRASE": PASSPHRASE,
    }
    with streamlit_server(env, log_suffix="-sign-in") as server:
        yield server


def sign_in(page, name: str, passphrase: str) -> None:
    page.get_by_label("Your name, shown on what you do").fill(name)
    page.get_by_label("Team passphrase").fill(passphrase)
    page.get_by_role("button", name="Sign in").click()


def test_only_the_right_passphrase_opens_the_pages_and_the_phone_needs_none(
    browser, request, signed_server, phone_context
):
    base = signed_server.base
    with operator_page(browser, f"{base}/library", request.node.name) as page:
        # Asked for a page by its address: the sign-in, and no page, no menu.
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("link", name="1. Verify")).to_have_count(0)
        sign_in(page, "Mallory", "a wrong guess")
        expect(page.get_by_text("That passphrase is not the team's")).to_be_visible()
        idle(page)
        expect(page.get_by_role("link", name="1. Verify")).to_have_count(0)
        expect(page.get_by_label("Team passphrase")).to_have_value("")

        sign_in(page, "Lin Wei", PASSPHRASE)
        expect(page.get_by_role("link", name="1. Verify")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_be_visible()
        # The phone opens the sandbox's H5 page and its callback reaches the app: no sign-in on either.
        verify_with_phone(page, phone_context)

        # A phone's bad requests still get the routes' own plain refusals, never a sign-in.
        assert requests.get(f"{base}/callback", timeout=10).status_code == 403
        assert requests.get(f"{base}/files/{'x' * 32}.jpg", timeout=10).status_code == 404
        assert requests.get(f"{base}/capture/{'y' * 32}", timeout=10).status_code in (403, 404)

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("link", name="1. Verify")).to_have_count(0)

    log = (ROOT / "test-output" / f"streamlit-{signed_server.base.rsplit(':', 1)[1]}-sign-in.log").read_text()
    assert "sign-in refused: wrong passphrase" in log
    for typed in (PASSPHRASE, "a wrong guess"):
        assert typed not in log


def test_a_remembered_browser_stays_signed_in_until_it_signs_out(browser, request, signed_server):
    with operator_page(browser, signed_server.base, request.node.name) as page:
        sign_in(page, "Lin Wei", PASSPHRASE)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Signed in as")).to_be_visible()
        sidebar.get_by_role("button", name="Remember me on this browser (30 days)").click()
        # The route set the cookie and sent the browser back: a new session, signed in by the cookie.
        expect(page.get_by_role("link", name="1. Verify")).to_be_visible()
        cookie = next(c for c in page.context.cookies() if c["name"] == "avatar_desk_operator")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert PASSPHRASE not in cookie["value"]
        page.reload()
        expect(page.get_by_role("link", name="1. Verify")).to_be_visible()
        expect(sidebar.get_by_text("Signed in as")).to_be_visible()
        expect(sidebar.get_by_role("button", name="Remember me on this browser (30 days)")).to_have_count(0)
        # Another tab of the same browser is signed in too.
        other = page.context.new_page()
        other.goto(f"{signed_server.base}/library")
        expect(other.get_by_role("heading", name="Library")).to_be_visible()
        other.close()

        sidebar.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert not [c for c in page.context.cookies() if c["name"] == "avatar_desk_operator"]
        page.reload()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
