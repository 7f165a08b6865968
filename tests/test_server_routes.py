"""The app's extra routes over real HTTP: the H5 callback and the mounted sandbox, alone and under
`streamlit run app.py` (one server, one port)."""

from __future__ import annotations

import time

import requests
from starlette.applications import Starlette

from lib.server import server_routes
from lib.store.callbacks import StoredCallbackInbox
from tests.helpers.serving import serve_asgi, streamlit_app


def expecting(inbox, token, secret, lifetime=120.0):
    inbox.expect(secret, token, time.time() + lifetime)
    return secret


def test_callback_get_records_and_thanks_the_person(db):
    inbox = StoredCallbackInbox(db)
    expecting(inbox, "token_a", "secret-a")
    expecting(inbox, "token_b", "secret-b")
    with serve_asgi(Starlette(routes=server_routes(inbox))) as base:
        ok = requests.get(
            f"{base}/callback",
            params={"s": "secret-a", "bytedToken": "token_a", "resultCode": "10000", "verify_type": "h5"},
            timeout=5,
        )
        assert ok.status_code == 200 and 'data-ok="true"' in ok.text and "close this page" in ok.text
        assert inbox.get("secret-a").succeeded
        failed = requests.get(
            f"{base}/callback",
            params={"s": "secret-b", "bytedToken": "token_b", "resultCode": "60001"},
            timeout=5,
        )
        assert 'data-ok="false"' in failed.text and not inbox.get("secret-b").succeeded
        nothing = requests.get(f"{base}/callback", timeout=5)
        assert (
            nothing.status_code == 403 and 'data-ok="false"' in nothing.text and "not valid" in nothing.text
        )
        assert len(inbox) == 2


def test_callback_post_accepts_json_and_form(db):
    inbox = StoredCallbackInbox(db)
    expecting(inbox, "t1", "s1")
    expecting(inbox, "t2", "s2")
    with serve_asgi(Starlette(routes=server_routes(inbox))) as base:
        assert requests.post(
            f"{base}/callback?s=s1", json={"bytedToken": "t1", "resultCode": 10000}, timeout=5
        ).json() == {"received": True}
        assert requests.post(
            f"{base}/callback?s=s2", data={"bytedToken": "t2", "resultCode": "10000"}, timeout=5
        ).ok
        assert (
            requests.post(f"{base}/callback?s=s1", json={"resultCode": "10000"}, timeout=5).status_code == 403
        )
        # The secret counts only from the URL the app gave, never from a body.
        assert (
            requests.post(
                f"{base}/callback", json={"s": "s1", "bytedToken": "t1", "resultCode": 10000}, timeout=5
            )
        ).status_code == 403
        assert inbox.get("s1").succeeded and inbox.get("s2").succeeded


def test_mounted_sandbox_builds_links_under_its_prefix(db):
    with serve_asgi(Starlette(routes=server_routes(StoredCallbackInbox(db)))) as base:
        api = requests.Session()
        api.headers["Authorization"] = "Bearer sk-mount-test"
        created = api.post(
            f"{base}/sandbox/v1/seedance2/real-avatar", json={"callback_url": f"{base}/callback"}, timeout=5
        ).json()
        task = api.get(f"{base}/sandbox/v1/tasks/{created['data']['id']}", timeout=5).json()
        link = task["data"]["result"]["h5_link"]
        assert link.startswith(f"{base}/sandbox/h5/")
        assert requests.get(link, timeout=5).status_code == 200


def test_streamlit_run_serves_app_callback_and_sandbox_on_one_port():
    with streamlit_app() as base:
        assert requests.get(f"{base}/_stcore/health", timeout=5).ok
        # Bound to loopback, with no public URL: a loopback client may use the control plane.
        assert requests.get(f"{base}/sandbox/_sandbox/health", timeout=5).json().get("ok") is True
        # A callback without an attempt's secret is refused: the token alone (it is in the QR) moves nothing.
        page = requests.get(
            f"{base}/callback", params={"bytedToken": "token_x", "resultCode": "10000"}, timeout=5
        )
        assert page.status_code == 403 and 'data-ok="false"' in page.text
        assert '<div id="root"' in requests.get(base, timeout=5).text or requests.get(base, timeout=5).ok
