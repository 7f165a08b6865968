"""Nothing forged: a callback moves only the page whose own secret it carries, and only for that page's token
while its link lives; the inbox stays bounded; the sandbox's control plane answers loopback or its token
only, and a live server mounts no sandbox. Real HTTP against the real sandbox; pages through AppTest."""

from __future__ import annotations

import contextlib
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from starlette.applications import Starlette
from starlette.routing import Route

from lib.callbacks import server_inbox
from lib.sandbox.control import TOKEN_ENV, TOKEN_HEADER, SandboxControl, is_loopback_host
from lib.sandbox.server import create_app
from lib.server import CALLBACK_PATH, callback_endpoint, server_routes
from lib.store.callbacks import StoredCallbackInbox
from tests.helpers.apptest import button, texts
from tests.helpers.serving import serve_asgi, streamlit_app

# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def callback_base():
    """The app's real /callback route over HTTP, writing the server inbox the pages read."""
    app = Starlette(routes=[Route(CALLBACK_PATH, callback_endpoint(server_inbox()), methods=["GET", "POST"])])
    with serve_asgi(app) as base:
        yield base


def attempt_of(app):
    return app.session_state["avatar_desk__workflow"].verification


def start_verification(app):
    app.switch_page("pages/verify.py").run()
    button(app, "verify__create").click().run()
    assert not app.exception, app.exception
    return attempt_of(app)


def token_queries(sandbox) -> int:
    log = SandboxControl(sandbox.base_url).get("requests")
    return len([r for r in log if r.get("selector") == "byted_token"])


def phone_finishes(sandbox, callback_base, attempt, outcome="approve") -> requests.Response:
    """The person finishes on the H5 page; the phone follows the redirect to the app's /callback."""
    redirect = SandboxControl(sandbox.base_url).post(f"h5/{attempt.byted_token}/{outcome}")["redirect_url"]
    query = urlsplit(redirect).query
    assert parse_qs(query)["s"] == [attempt.callback_secret], "the redirect carries the attempt's secret"
    return requests.get(f"{callback_base}{CALLBACK_PATH}?{query}", timeout=5)


def run_a_while(app, times=3):
    for _ in range(times):
        app.run()
        assert not app.exception, app.exception


# ---------------------------------------------------------------- the page and the callback


def test_forged_success_callbacks_change_nothing_and_the_token_is_never_queried(
    new_session, sandbox, callback_base
):
    app = new_session()
    attempt = start_verification(app)
    secret = attempt.callback_secret
    assert secret and len(secret) >= 32 and f"s={secret}" in attempt.callback_url
    forged = {"bytedToken": attempt.byted_token, "resultCode": "10000"}  # the token is in the QR code
    for params in (forged, {**forged, "s": "a-guessed-secret"}, {**forged, "s": secret[:-1]}):
        answer = requests.get(f"{callback_base}{CALLBACK_PATH}", params=params, timeout=5)
        assert answer.status_code == 403 and 'data-ok="false"' in answer.text
        assert requests.post(f"{callback_base}{CALLBACK_PATH}", params=params, timeout=5).status_code == 403
    # The secret with another token: refused too.
    other = {"s": secret, "bytedToken": "token_someone_else", "resultCode": "10000"}
    assert requests.get(f"{callback_base}{CALLBACK_PATH}", params=other, timeout=5).status_code == 403
    run_a_while(app)
    assert attempt_of(app).outcome is None and not attempt_of(app).queried
    assert not app.session_state["avatar_desk__workflow"].group_id
    assert token_queries(sandbox) == 0, "a forged callback made the page query the token"
    assert any("expires in" in p.proto.text for p in app.get("progress")), "still waiting"

    # The real phone then finishes: the page moves on by itself and the token is queried once.
    assert 'data-ok="true"' in phone_finishes(sandbox, callback_base, attempt).text
    run_a_while(app, 2)
    assert app.session_state["avatar_desk__workflow"].group_id.startswith("group-")
    assert token_queries(sandbox) == 1


def test_forged_failure_changes_nothing_and_a_real_failure_spends_nothing(new_session, sandbox, callback_base):
    app = new_session()
    attempt = start_verification(app)
    forged = {"bytedToken": attempt.byted_token, "resultCode": "60001"}
    assert requests.get(f"{callback_base}{CALLBACK_PATH}", params=forged, timeout=5).status_code == 403
    run_a_while(app)
    assert attempt_of(app).outcome is None and "failed" not in texts(app.error).lower()

    # A failure with the attempt's secret: shown, a new link offered, nothing spent or queried.
    assert 'data-ok="false"' in phone_finishes(sandbox, callback_base, attempt, "fail").text
    run_a_while(app, 2)
    assert "failed" in texts(app.error).lower() and not attempt_of(app).queried
    assert token_queries(sandbox) == 0
    # A later "success" under the same secret cannot overturn it: the first word stays.
    late = {"s": attempt.callback_secret, "bytedToken": attempt.byted_token, "resultCode": "10000"}
    assert requests.get(f"{callback_base}{CALLBACK_PATH}", params=late, timeout=5).status_code == 403
    button(app, "verify__renew").click().run()
    assert attempt_of(app).byted_token != attempt.byted_token
    assert attempt_of(app).callback_secret != attempt.callback_secret, "a new secret per attempt"


def test_a_callback_for_one_session_never_shows_up_in_another(new_session, sandbox, callback_base):
    first, second = new_session(), new_session()
    a, b = start_verification(first), start_verification(second)
    assert a.callback_secret != b.callback_secret
    # A's secret with B's token (or the reverse) is refused.
    crossed = {"s": a.callback_secret, "bytedToken": b.byted_token, "resultCode": "10000"}
    assert requests.get(f"{callback_base}{CALLBACK_PATH}", params=crossed, timeout=5).status_code == 403
    assert phone_finishes(sandbox, callback_base, a).ok
    run_a_while(second)
    run_a_while(first, 2)
    assert first.session_state["avatar_desk__workflow"].group_id.startswith("group-")
    assert attempt_of(second).outcome is None and not second.session_state["avatar_desk__workflow"].group_id
    assert token_queries(sandbox) == 1


def test_the_verify_page_path_takes_the_same_secret_and_rules(new_session, sandbox):
    operator = new_session()
    attempt = start_verification(operator)
    redirect = SandboxControl(sandbox.base_url).post(f"h5/{attempt.byted_token}/approve")["redirect_url"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(redirect).query).items()}

    def phone_lands_on_verify(query):
        phone = new_session()
        phone.query_params.update(query)
        phone.switch_page("pages/verify.py").run()
        assert not phone.exception, phone.exception
        return phone

    forged = phone_lands_on_verify({k: v for k, v in params.items() if k != "s"})
    assert "not valid" in texts(forged.warning)
    wrong = phone_lands_on_verify({**params, "s": "guessed"})
    assert "not valid" in texts(wrong.warning)
    run_a_while(operator)
    assert attempt_of(operator).outcome is None and token_queries(sandbox) == 0

    real = phone_lands_on_verify(params)
    assert "close this page" in texts(real.success)
    run_a_while(operator, 2)
    assert operator.session_state["avatar_desk__workflow"].group_id.startswith("group-")
    assert token_queries(sandbox) == 1


def test_the_h5_link_and_page_do_not_reveal_the_callback_url(sandbox):
    api = requests.Session()
    api.headers["Authorization"] = "Bearer sk-h5-reveal"
    callback = "http://127.0.0.1:9/callback?s=the-attempt-secret-0123456789"
    created = api.post(
        f"{sandbox.base_url}/v1/seedance2/real-avatar", json={"callback_url": callback}, timeout=5
    ).json()
    task = api.get(f"{sandbox.base_url}/v1/tasks/{created['data']['id']}", timeout=5).json()["data"]
    link = task["result"]["h5_link"]
    page = requests.get(link, timeout=5)
    assert page.status_code == 200
    for seen in (link, page.text, str(task)):
        assert "the-attempt-secret" not in seen and "callback" not in seen.lower()


# ---------------------------------------------------------------- the inbox


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_the_inbox_refuses_late_callbacks_and_evicts_expired_entries(db):
    clock = Clock()
    inbox = StoredCallbackInbox(db, clock=clock, keep_after_expiry=60.0)
    inbox.expect("sec-a", "token_a", expires_at=1120.0)
    inbox.expect("sec-b", "token_b", expires_at=1120.0)
    clock.now = 1130.0  # the link ended (and the grace for the redirect's trip is over)
    assert inbox.record("sec-a", {"bytedToken": "token_a", "resultCode": "10000"}) is None
    clock.now = 1119.0
    assert inbox.record("sec-b", {"bytedToken": "token_b", "resultCode": "10000"}).succeeded
    clock.now = 1170.0
    assert inbox.get("sec-b").succeeded, "readable for a while after the link ended"
    clock.now = 1181.0
    assert inbox.get("sec-b") is None and len(inbox) == 0


def test_the_inbox_stays_bounded_under_a_flood(db):
    clock = Clock()
    inbox = StoredCallbackInbox(db, max_entries=50, clock=clock)
    inbox.expect("real", "token_real", expires_at=1120.0)
    # A flood of forged callbacks stores nothing and pushes nothing out.
    for i in range(5000):
        assert inbox.record(f"forged-{i}", {"bytedToken": "token_real", "resultCode": "10000"}) is None
    assert len(inbox) == 1
    assert inbox.record("real", {"bytedToken": "token_real", "resultCode": "10000"}).succeeded
    # A flood of attempts keeps at most max_entries, the oldest going first.
    for i in range(500):
        clock.now += 0.01
        inbox.expect(f"attempt-{i}", f"token_{i}", expires_at=1120.0)
    assert len(inbox) == 50 and inbox.get("real") is None
    assert inbox.record("attempt-499", {"bytedToken": "token_499", "resultCode": "10000"}) is not None
    # Expired ones are dropped when a new attempt comes in.
    clock.now = 1120.0 + 10_000
    inbox.expect("fresh", "token_fresh", expires_at=clock.now + 120)
    assert len(inbox) == 1


# ---------------------------------------------------------------- the sandbox's control plane


def test_loopback_is_told_apart():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "::ffff:127.0.0.1", "localhost"):
        assert is_loopback_host(host), host
    for host in ("testclient", "10.0.0.7", "192.168.1.2", "0.0.0.0", "::", "", "example.com"):
        assert not is_loopback_host(host), host


def as_seen_from(host, app):
    """The app as a client at `host` reaches it (what a proxy forwarding that client's address does)."""

    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "client": (host, 40000)}
        await app(scope, receive, send)

    return asgi


def non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback_host(address) else address


def test_the_control_plane_refuses_a_remote_client_and_accepts_the_token(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "control-token-for-tests")
    with serve_asgi(as_seen_from("203.0.113.7", create_app())) as base:
        control = f"{base}/_sandbox"
        assert requests.post(f"{control}/reset", timeout=5).status_code == 403
        assert (
            requests.post(f"{control}/faults", json={"route": "/v1", "status": 500}, timeout=5).status_code
            == 403
        )
        assert requests.post(f"{control}/h5/token_x/approve", timeout=5).status_code == 403
        assert requests.get(f"{control}/requests", timeout=5).status_code == 403
        assert (
            requests.get(f"{control}/health", headers={TOKEN_HEADER: "wrong"}, timeout=5).status_code == 403
        )
        with_token = requests.get(
            f"{control}/health", headers={TOKEN_HEADER: "control-token-for-tests"}, timeout=5
        )
        assert with_token.json() == {"ok": True}
        # The API and the H5 pages stay public: a phone must reach them.
        created = requests.post(
            f"{base}/v1/seedance2/real-avatar",
            json={"callback_url": "http://127.0.0.1:9/callback"},
            headers={"Authorization": "Bearer sk-remote"},
            timeout=5,
        )
        assert created.status_code == 200


def test_the_control_plane_refuses_a_client_on_another_interface():
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback interface")
    with serve_asgi(create_app(), host="0.0.0.0") as base:
        port = urlsplit(base).port
        control = f"http://{address}:{port}/_sandbox"
        assert requests.get(f"{control}/health", timeout=5).status_code == 403
        assert requests.post(f"{control}/reset", timeout=5).status_code == 403
        assert requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=5).json() == {"ok": True}


def test_the_control_plane_answers_a_loopback_client():
    with serve_asgi(create_app()) as base:
        assert requests.post(f"{base}/_sandbox/reset", timeout=5).json() == {"ok": True}
        assert SandboxControl(base).session_ttl() == 120.0


@contextlib.contextmanager
def served_routes(**kwargs):
    with serve_asgi(Starlette(routes=server_routes(**kwargs))) as base:
        yield base


@pytest.mark.parametrize(
    "setting",
    [
        {"env": {"AVATAR_DESK_PUBLIC_URL": "https://desk.example.com"}},
        {"env": {}, "server_address": "0.0.0.0"},
    ],
    ids=["behind-a-public-url", "bound-beyond-loopback"],
)
def test_behind_a_proxy_loopback_needs_the_token_and_the_app_still_reads_its_sandbox(setting):
    with served_routes(**setting) as base:
        control = f"{base}/sandbox/_sandbox"
        assert requests.get(f"{control}/health", timeout=5).status_code == 403
        assert requests.post(f"{control}/reset", timeout=5).status_code == 403
        # The app's own client holds this process's token: its countdown still follows the sandbox.
        assert SandboxControl(f"{base}/sandbox").session_ttl() == 120.0
        assert (
            requests.get(f"{control}/health", headers={TOKEN_HEADER: "guess"}, timeout=5).status_code == 403
        )


def test_behind_a_proxy_the_configured_token_opens_the_control_plane():
    env = {"AVATAR_DESK_PUBLIC_URL": "https://desk.example.com", TOKEN_ENV: "shared-with-tests"}
    with served_routes(env=env) as base:
        control = f"{base}/sandbox/_sandbox"
        assert requests.get(f"{control}/health", timeout=5).status_code == 403
        answer = requests.get(f"{control}/health", headers={TOKEN_HEADER: "shared-with-tests"}, timeout=5)
        assert answer.json() == {"ok": True}


def test_a_loopback_public_url_keeps_loopback_trusted():
    with served_routes(
        env={"AVATAR_DESK_PUBLIC_URL": "http://127.0.0.1:8501"}, server_address="127.0.0.1"
    ) as base:
        assert requests.get(f"{base}/sandbox/_sandbox/health", timeout=5).json() == {"ok": True}


@pytest.mark.parametrize(
    "setting",
    [
        {"env": {"APIMART_API_KEY": "sk-live-configured"}},
        {"env": {}, "secrets": {"APIMART_API_KEY": "sk-live-in-secrets"}},
        {"env": {"AVATAR_DESK_SANDBOX": "off"}},
    ],
    ids=["key-in-environment", "key-in-secrets", "sandbox-off"],
)
def test_live_mode_mounts_no_sandbox(setting):
    with served_routes(**setting) as base:
        assert requests.get(f"{base}/sandbox/_sandbox/health", timeout=5).status_code == 404
        assert requests.post(f"{base}/sandbox/_sandbox/reset", timeout=5).status_code == 404
        assert (
            requests.post(f"{base}/sandbox/v1/seedance2/real-avatar", json={}, timeout=5).status_code == 404
        )
        assert requests.get(f"{base}/callback", timeout=5).status_code == 403, "the callback route stays"
    with served_routes(env={}) as base:  # the same routes with no key do mount it
        assert requests.get(f"{base}/sandbox/_sandbox/health", timeout=5).json() == {"ok": True}


def test_streamlit_run_with_a_key_serves_no_sandbox():
    with streamlit_app(
        {"APIMART_API_KEY": "sk-live-at-start", "APIMART_BASE_URL": "http://127.0.0.1:9"}
    ) as base:
        # Streamlit answers an unknown GET with its own page (200, HTML); the sandbox is not behind it.
        health = requests.get(f"{base}/sandbox/_sandbox/health", timeout=5)
        assert "application/json" not in health.headers.get("content-type", "")
        assert requests.post(f"{base}/sandbox/_sandbox/reset", timeout=5).status_code in (404, 405)
        created = requests.post(
            f"{base}/sandbox/v1/seedance2/real-avatar",
            json={"callback_url": f"{base}/callback"},
            headers={"Authorization": "Bearer sk-anyone"},
            timeout=5,
        )
        assert created.status_code in (404, 405)
        assert requests.get(f"{base}/callback", timeout=5).status_code == 403
    with streamlit_app({"AVATAR_DESK_PUBLIC_URL": "https://desk.example.com"}) as base:
        # Sandbox mode behind a public URL: mounted, its control plane closed to a loopback client without the token.
        assert requests.get(f"{base}/sandbox/_sandbox/health", timeout=5).status_code == 403
        assert requests.post(f"{base}/sandbox/_sandbox/reset", timeout=5).status_code == 403
