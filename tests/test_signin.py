"""Sign-in (issue Teams): when the operator's pages need it and how (lib.signin), and the real app in AppTest
behind it: a wrong passphrase refused with nothing changed, the rate limit, a right one opening the pages and
naming the operator on what they make, nothing configured leaving only the way to set it up, the laptop
default untouched, and st.login offered when [auth] is configured."""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import closing

import pytest
import requests
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import library, signin
from lib.connection import SANDBOX_KEY
from lib.store.database import Database
from lib.store.tables import people, verifications
from lib.store.workspace import Store
from lib.ui.components import sign_in
from lib.ui.text import unescape
from tests.helpers.apptest import button, framed_app, open_page, proto_fields, texts, verified

PASSPHRASE = "correct horse battery staple 7731"

# ------------------------------------------------------------------ the decision (lib.signin)


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_with_nothing_configured_needs_no_sign_in(address):
    assert signin.decide({}, {}, address) == signin.SignIn(signin.OPEN)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "192.168.1.20", "::"])
def test_beyond_loopback_needs_sign_in(address):
    # Unset server.address binds every interface: beyond loopback.
    how = signin.decide({}, {}, address)
    assert how.required and how.method == signin.UNCONFIGURED and "server.address" in how.why


def test_a_session_from_another_machine_or_through_a_proxy_needs_sign_in_on_loopback_too():
    assert signin.decide({}, {}, "127.0.0.1", client_ip="10.0.0.7").required
    assert signin.decide({}, {}, "127.0.0.1", headers={"X-Forwarded-For": "203.0.113.9"}).required
    assert signin.decide({}, {}, "127.0.0.1", headers={"Host": "desk.example.com"}).required
    # The laptop's own browser: loopback address, loopback host.
    assert not signin.decide(
        {}, {}, "127.0.0.1", client_ip="127.0.0.1", headers={"Host": "localhost:8501"}
    ).required
    assert not signin.decide({}, {}, "127.0.0.1", headers={"Host": "[::1]:8501"}).required


def test_the_headers_kept_for_a_session_decide_as_all_of_them_do():
    # The gate reads a session's connection once and keeps only these (lib/ui/components/sign_in._connection).
    everything = {"Cookie": "a=b", "User-Agent": "Firefox", "Accept-Language": "zh-CN"}
    for peer, headers in [
        (None, {**everything, "Host": "localhost:8501"}),
        (None, {**everything, "Host": "desk.example.com"}),
        ("127.0.0.1", {**everything, "Host": "127.0.0.1:8501", "X-Forwarded-For": "6.6.6.6, 203.0.113.9"}),
        ("172.18.0.5", {**everything, "host": "desk", "x-real-ip": "93.184.216.34"}),
        ("127.0.0.1", {**everything, "Forwarded": "for=203.0.113.9"}),
        ("10.0.0.7", everything),
    ]:
        kept = signin.headers_read(headers)
        assert "cookie" not in kept and "user-agent" not in kept
        for env, secrets in [({}, {}), ({}, {"passphrase": "p"})]:
            assert signin.decide(env, secrets, "127.0.0.1", peer, kept) == signin.decide(
                env, secrets, "127.0.0.1", peer, headers
            )
        assert signin.client_address(peer, kept) == signin.client_address(peer, headers)
    assert signin.headers_read(None) == {}


def test_required_is_required_everywhere_and_an_unknown_setting_never_opens_the_app():
    assert signin.decide({"AVATAR_DESK_SIGN_IN": "required"}, {}, "127.0.0.1").required
    assert signin.decide({"AVATAR_DESK_SIGN_IN": "requird"}, {}, "127.0.0.1").required
    assert not signin.decide({"AVATAR_DESK_SIGN_IN": "AUTO"}, {}, "127.0.0.1").required


def test_how_to_sign_in_follows_what_is_configured():
    env = {"AVATAR_DESK_SIGN_IN": "required"}
    by_env = signin.decide(
        {**env, "AVATAR_DESK_PASSPHRASE": " from-env "}, {"passphrase": "from-secrets"}, None
    )
    assert (by_env.method, by_env.passphrase) == (signin.PASSPHRASE, "from-env")
    assert signin.decide(env, {"passphrase": "from-secrets"}, None).passphrase == "from-secrets"
    assert "from-env" not in repr(by_env)  # the passphrase stays out of any repr (logs, tracebacks)
    # [auth] wins over a passphrase: its own settings, or a named provider's section.
    own = {"auth": {"redirect_uri": "u", "cookie_secret": "c", "client_id": "i", "client_secret": "s"}}
    assert signin.decide(env, {**own, "passphrase": "p"}, None) == signin.SignIn(
        signin.OIDC, provider=None, why=signin.decide(env, {}, None).why
    )
    named = {"auth": {"redirect_uri": "u", "cookie_secret": "c", "okta": {"client_id": "i"}}}
    assert signin.decide(env, named, None).provider == "okta"
    # An [auth] without any provider is not sign-in: the passphrase, else nothing configured.
    assert signin.decide(env, {"auth": {"redirect_uri": "u"}}, None).method == signin.UNCONFIGURED


def test_passphrase_check():
    assert signin.passphrase_matches(PASSPHRASE, PASSPHRASE)
    assert not signin.passphrase_matches(PASSPHRASE + " ", PASSPHRASE)
    assert not signin.passphrase_matches("", PASSPHRASE)
    assert not signin.passphrase_matches("", "")  # no passphrase configured never lets anyone in


def test_names_are_one_clean_line():
    assert signin.clean_name("  Lin\n\tWei\x00 ") == "Lin Wei"
    assert len(signin.clean_name("x" * 500)) == signin.NAME_MAX


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_counts_per_session_client_and_everyone_within_its_window():
    clock = Clock()
    limiter = signin.AttemptLimiter({"session": 2, "client": 3, "everyone": 5}, window=300, clock=clock)
    a = limiter.keys("session-a", "203.0.113.9")
    b = limiter.keys("session-b", "203.0.113.9")  # a new session from the same address
    limiter.failed(a)
    limiter.failed(a)
    assert limiter.wait(a) == 300  # the session's own count
    assert limiter.wait(b) == 0
    limiter.failed(b)
    assert limiter.wait(b) > 0  # the address's count: a new session starts no new one
    c = limiter.keys("session-c", "198.51.100.4")
    limiter.failed(c)
    limiter.failed(c)
    assert limiter.wait(limiter.keys("session-d", "192.0.2.1")) > 0  # everyone's ceiling
    clock.now += 301
    assert limiter.wait(a) == limiter.wait(b) == limiter.wait(c) == 0  # the window moved on
    assert not limiter._failures  # and nothing is kept for the keys once their failures leave it


def test_a_refusal_is_logged_without_what_was_typed(caplog):
    limiter = signin.AttemptLimiter()
    keys = limiter.keys("s", "203.0.113.9")
    with caplog.at_level(logging.INFO, logger="lib.signin"):
        refused = signin.try_passphrase("Mallory", "guess-41", PASSPHRASE, keys, limiter)
        accepted = signin.try_passphrase("Lin", PASSPHRASE, PASSPHRASE, keys, limiter)
    assert refused.operator is None and "not the team's" in refused.refusal
    assert accepted.operator == signin.Operator("Lin")
    assert "wrong passphrase" in caplog.text and "203.0.113.9" in caplog.text
    for typed in ("guess-41", PASSPHRASE, "Mallory"):
        assert typed not in caplog.text


def test_a_name_is_required():
    attempt = signin.try_passphrase(" -- ", PASSPHRASE, PASSPHRASE, {"session": "s"}, signin.AttemptLimiter())
    assert attempt.operator is None and "name" in attempt.refusal


def test_an_oidc_user_is_known_by_their_email():
    assert signin.oidc_operator({"email": "test@example.com"}) is None  # not logged in
    lin = signin.oidc_operator({"is_logged_in": True, "email": "lin@example.com", "name": "Lin Wei"})
    assert (lin.name, lin.actor, lin.method) == ("Lin Wei", "lin@example.com", signin.OIDC)


# ------------------------------------------------------------------ the app behind it (AppTest)


@pytest.fixture
def limiter(monkeypatch):
    """A fresh process-wide limiter for the test (the app's is one per process)."""
    fresh = signin.AttemptLimiter()
    monkeypatch.setattr(signin, "LIMITER", fresh)
    return fresh


@pytest.fixture
def passphrase_required(sandbox_env, monkeypatch, limiter):
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    monkeypatch.setenv("AVATAR_DESK_PASSPHRASE", PASSPHRASE)
    return sandbox_env


def registry(tmp_path) -> Database:
    return Database(tmp_path / "registry.db")


def dump(tmp_path) -> list[str]:
    """Every row of the registry file, as SQL."""
    with closing(sqlite3.connect(tmp_path / "registry.db")) as conn:
        return list(conn.iterdump())


def on_sign_in_page(at) -> bool:
    """The sign-in form and nothing else: no page ran, no workflow, no sidebar."""
    return (
        [t.value for t in at.title] == ["Sign in"]
        and "avatar_desk__workflow" not in at.session_state
        and not at.sidebar.children
    )


def attempt(at, name: str, passphrase: str):
    at.text_input(key=sign_in.NAME_KEY).set_value(name)
    at.text_input(key=sign_in.PASSPHRASE_KEY).set_value(passphrase)
    button(at, "FormSubmitter:sign_in__form-Sign in").click().run()
    assert not at.exception, at.exception
    return at


def test_a_wrong_passphrase_is_refused_and_changes_nothing(passphrase_required, monkeypatch, tmp_path):
    at = framed_app(monkeypatch)
    assert on_sign_in_page(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/library.py")  # no operator page is even listed
    registry(tmp_path).close()  # the registry as it stands (made now if the app has not yet)
    before = dump(tmp_path)
    attempt(at, "Mallory", "not-it")
    assert "not the team's" in texts(at.error)
    assert on_sign_in_page(at)
    assert dump(tmp_path) == before  # no record changed
    assert at.text_input(key=sign_in.PASSPHRASE_KEY).value == ""  # the box was emptied
    assert not any("not-it" in str(value) for _, value in proto_fields(at))


def test_too_many_wrong_tries_wait_even_with_the_right_passphrase(passphrase_required, monkeypatch):
    at = framed_app(monkeypatch)
    for _ in range(5):
        attempt(at, "Mallory", "guess")
    attempt(at, "Mallory", PASSPHRASE)
    assert "Too many wrong tries" in texts(at.error)
    assert on_sign_in_page(at)
    # Another session is counted apart (its own count; no client address under AppTest).
    other = attempt(framed_app(monkeypatch), "Lin", PASSPHRASE)
    assert not on_sign_in_page(other)


def test_the_right_passphrase_opens_the_pages_and_names_the_operator_on_what_they_make(
    passphrase_required, monkeypatch, tmp_path
):
    at = attempt(framed_app(monkeypatch), "Lin Wei", PASSPHRASE)
    assert not at.exception
    assert "avatar_desk__workflow" in at.session_state
    assert "Signed in as **Lin Wei**" in texts(at.sidebar.caption)
    assert not any(PASSPHRASE in str(value) for _, value in proto_fields(at))
    group_id = verified(at, passphrase_required)
    db = registry(tmp_path)
    (verification,) = db.rows(verifications.select())
    assert verification.created_by == "Lin Wei"
    (person,) = db.rows(people.select().where(people.c.group_id == group_id))
    assert person.created_by == "Lin Wei"
    # The Library says who added them.
    open_page(at, "library")
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert table["created_by"].tolist() == ["Lin Wei"]
    # Signing out ends the session's work: back to the sign-in, nothing of theirs kept.
    button(at, "sign_in__sign_out").click().run()
    assert on_sign_in_page(at)


def test_required_with_nothing_configured_shows_only_how_to_set_it_up(sandbox_env, monkeypatch, tmp_path):
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    monkeypatch.delenv("AVATAR_DESK_PASSPHRASE", raising=False)
    at = framed_app(monkeypatch)
    assert [t.value for t in at.title] == ["Sign-in is not set up"]
    said = texts(at.markdown) + texts(at.error)
    assert "AVATAR_DESK_PASSPHRASE" in said and "[auth]" in said and "--server.address 127.0.0.1" in said
    assert "avatar_desk__workflow" not in at.session_state and not at.sidebar.children
    assert not at.text_input  # no form to try anything on


def test_the_laptop_default_asks_nothing(sandbox_env, monkeypatch):
    for name in ("AVATAR_DESK_SIGN_IN", "AVATAR_DESK_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    at = framed_app(monkeypatch)
    assert "Sign in" not in [t.value for t in at.title]
    assert "avatar_desk__workflow" in at.session_state
    assert signin.OPERATOR_KEY not in at.session_state
    assert not [b for b in at.button if b.key == "sign_in__sign_out"]


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-for-tests-only-0123456789",
    "google": {
        "client_id": "desk-client",
        "client_secret": "desk-client-secret",
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
    },
}


def oidc_app(monkeypatch, user: dict | None = None) -> AppTest:
    """The framed app with [auth] in its secrets (and `user` as st.user), sign-in required."""
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    app = framed_app(monkeypatch)  # its first run had no [auth]: only how to set sign-in up
    app.secrets["auth"] = AUTH
    if user is not None:
        app.user = user
    return app.run()


def test_auth_configured_offers_st_login_with_its_provider(sandbox_env, monkeypatch):
    # No OIDC provider runs here: st.login itself is replaced by a recorder (it would redirect the browser).
    asked = []
    monkeypatch.setattr(st, "login", lambda provider=None: asked.append(provider))
    at = oidc_app(monkeypatch)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in"] and not at.text_input  # no passphrase form
    login = button(at, "sign_in__oidc")
    assert login.label == "Sign in with Google"
    login.click().run()
    assert asked == ["google"]
    assert "avatar_desk__workflow" not in at.session_state
    assert not any(AUTH["google"]["client_secret"] in str(v) for _, v in proto_fields(at))


def test_a_user_signed_in_with_st_login_is_recorded_by_email(sandbox_env, monkeypatch, sandbox, tmp_path):
    at = oidc_app(monkeypatch, {"is_logged_in": True, "email": "lin@example.com", "name": "Lin Wei"})
    assert not at.exception, at.exception
    assert "avatar_desk__workflow" in at.session_state
    assert "lin@example.com" in unescape(texts(at.sidebar.caption))
    group_id = verified(at, sandbox)
    (person,) = registry(tmp_path).rows(people.select().where(people.c.group_id == group_id))
    assert person.created_by == "lin@example.com"
    # Signing out is st.logout: st.user forgets them, and the sign-in is all there is again.
    button(at, "sign_in__sign_out").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in"] and button(at, "sign_in__oidc")
    assert "avatar_desk__workflow" not in at.session_state


def test_the_library_narrows_to_the_people_one_operator_added(passphrase_required, monkeypatch, tmp_path):
    db = registry(tmp_path)
    for group_id, who in [
        ("group-0", None),
        ("group-1", "Lin Wei"),
        ("group-2", "Ana"),
        ("group-3", "Lin Wei"),
    ]:
        team = Store.for_connection(db, "sandbox", passphrase_required.base_url, SANDBOX_KEY, actor=who)
        team.people.save(group_id, f"Person {group_id[-1]}")
    db.close()
    at = attempt(framed_app(monkeypatch), "Ana", PASSPHRASE)
    open_page(at, "library")
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert table["group_id"].tolist() == ["group-3", "group-2", "group-1", "group-0"]  # the team's people
    assert table["created_by"].tolist() == ["Lin Wei", "Ana", "Lin Wei", library.NOBODY]
    added_by = at.selectbox(key="library__added_by")
    assert added_by.options == ["Anyone", "Ana", "Lin Wei"]
    added_by.set_value("Lin Wei").run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert table["group_id"].tolist() == ["group-3", "group-1"]
    assert at.selectbox(key="library__person").options == ["Person 3", "Person 1"]
    # A search that leaves none of theirs falls back to anyone's.
    at.text_input(key="library__search").set_value("Person 2").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="library__added_by").value == ""
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert table["group_id"].tolist() == ["group-2"]


def test_attempts_behind_a_proxy_count_against_the_address_it_served():
    # nginx (deploy/nginx.conf) sets X-Real-IP and appends to X-Forwarded-For; the app sees the proxy's address.
    assert signin.client_address("127.0.0.1", {"X-Real-IP": "93.184.216.34"}) == "93.184.216.34"
    forwarded = {"X-Forwarded-For": "6.6.6.6, 93.184.216.34"}  # the first hop is whatever the client sent
    assert signin.client_address("172.18.0.5", forwarded) == "93.184.216.34"
    # A client connecting directly is counted by its own address, whatever it claims.
    assert signin.client_address("93.184.216.35", {"X-Real-IP": "6.6.6.6"}) == "93.184.216.35"
    assert signin.client_address("127.0.0.1", {}) == "127.0.0.1"
    assert signin.client_address("10.0.0.2", {"X-Real-IP": "not an address"}) == "10.0.0.2"
    assert signin.client_address(None, {"X-Real-IP": "93.184.216.34"}) is None


# ------------------------------------------------------------------ remembered on this browser


def test_tokens_name_their_operator_only_while_valid_and_only_for_their_purpose():
    key = signin.signing_key(PASSPHRASE)
    ticket = signin.issue("Lin Wei", key, signin.TICKET, 60, now=1000)
    assert signin.redeem(ticket, key, signin.TICKET, now=1059) == "Lin Wei"
    assert signin.redeem(ticket, key, signin.TICKET, now=1060) is None  # expired
    assert signin.redeem(ticket, key, signin.COOKIE, now=1000) is None  # a ticket is no cookie
    assert signin.redeem(ticket, signin.signing_key("another passphrase"), signin.TICKET, now=1000) is None
    payload, signature = ticket.split(".")
    forged = signin.issue("Mallory", b"guessed key", signin.TICKET, 60, now=1000).split(".")[0]
    assert signin.redeem(f"{forged}.{signature}", key, signin.TICKET, now=1000) is None
    for junk in ("", None, "x", "a.b.c", f"{payload}.", "%%%.###"):
        assert signin.redeem(junk, key, signin.TICKET, now=1000) is None
    assert PASSPHRASE not in ticket and key.hex() not in ticket
    cookie = {signin.COOKIE_NAME: signin.issue("Lin Wei", key, signin.COOKIE, 60)}
    assert signin.remembered_operator(cookie, PASSPHRASE) == signin.Operator("Lin Wei", remembered=True)
    assert signin.remembered_operator(cookie, "a changed passphrase") is None  # everyone signed out
    assert signin.remembered_operator({}, PASSPHRASE) is None


def test_the_remember_routes_set_and_clear_an_http_only_cookie_once_per_ticket():
    from starlette.applications import Starlette

    from lib.signin_routes import sign_in_routes
    from tests.helpers.serving import serve_asgi

    assert sign_in_routes({}, {}) == []  # no passphrase: nothing to remember
    key = signin.signing_key(PASSPHRASE)
    routes = sign_in_routes({"AVATAR_DESK_PASSPHRASE": PASSPHRASE}, {})
    with serve_asgi(Starlette(routes=routes)) as base:
        remember = f"{base}{signin.REMEMBER_PATH}"
        ticket = signin.issue("Lin Wei", key, signin.TICKET, 60)
        first = requests.post(remember, data={"ticket": ticket}, allow_redirects=False, timeout=5)
        assert first.status_code == 303 and first.headers["location"] == "/"
        set_cookie = first.headers["set-cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Path=/" in set_cookie
        assert "Secure" not in set_cookie  # plain http on loopback
        cookie = first.cookies[signin.COOKIE_NAME]
        assert signin.remembered_operator({signin.COOKIE_NAME: cookie}, PASSPHRASE).name == "Lin Wei"
        again = requests.post(remember, data={"ticket": ticket}, allow_redirects=False, timeout=5)
        assert again.status_code == 403 and signin.COOKIE_NAME not in again.cookies  # once per ticket
        forged = signin.issue("Mallory", signin.signing_key("guess"), signin.TICKET, 60)
        assert requests.post(remember, data={"ticket": forged}, timeout=5).status_code == 403
        assert requests.post(remember, timeout=5).status_code == 403
        assert requests.get(remember, timeout=5).status_code == 405
        behind_https = requests.post(
            remember,
            data={"ticket": signin.issue("Lin Wei", key, signin.TICKET, 60)},
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=5,
        )
        assert "Secure" in behind_https.headers["set-cookie"]
        forget = requests.post(f"{base}{signin.FORGET_PATH}", allow_redirects=False, timeout=5)
        assert forget.status_code == 303
        assert (
            f'{signin.COOKIE_NAME}=""' in forget.headers["set-cookie"]
            and "Max-Age=0" in forget.headers["set-cookie"]
        )


def test_the_sidebar_offers_to_remember_a_passphrase_sign_in(passphrase_required, monkeypatch):
    at = attempt(framed_app(monkeypatch), "Lin Wei", PASSPHRASE)
    (form,) = [h.proto.body for h in at.sidebar.get("html")]
    assert f'action="{signin.REMEMBER_PATH}"' in form and "Remember me on this browser" in form
    ticket = re.search(r'name="ticket" value="([^"]+)"', form).group(1)
    assert signin.redeem(ticket, signin.signing_key(PASSPHRASE), signin.TICKET) == "Lin Wei"
    at.run()
    assert [h.proto.body for h in at.sidebar.get("html")] == [form]  # the same ticket on every rerun


def test_a_configured_sign_in_is_asked_for_on_loopback_too():
    # Whoever set a passphrase or [auth] wants it used: a proxy on the same machine makes every browser loopback.
    how = signin.decide({"AVATAR_DESK_PASSPHRASE": PASSPHRASE}, {}, "127.0.0.1")
    assert (how.method, how.passphrase) == (signin.PASSPHRASE, PASSPHRASE)
    assert signin.decide({}, {"auth": AUTH}, "127.0.0.1").method == signin.OIDC
    assert signin.decide({}, {}, "127.0.0.1").method == signin.OPEN
