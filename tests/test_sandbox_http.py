"""The sandbox over real HTTP with plain requests: the contract's shapes and refusals, the H5 page, single
use tokens, expiry, timed tasks, the served video, the control plane and mounting under a prefix."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from starlette.applications import Starlette
from starlette.routing import Mount

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import create_app
from lib.sandbox.store import Store
from tests.helpers.sandbox_http import REAL, api, new_session
from tests.helpers.serving import serve_asgi


def ctl(sandbox, path, http="POST", **body):
    response = requests.request(http, f"{sandbox.base_url}/_sandbox/{path}", json=body or None, timeout=5)
    response.raise_for_status()
    return response.json()


def verified_group(sandbox, s):
    token = new_session(s)["byted_token"]
    ctl(sandbox, f"h5/{token}/approve")
    task_id = s.post(s.url(REAL), json={"byted_token": token}).json()["data"]["id"]
    return s.get(s.url(f"/v1/tasks/{task_id}")).json()["data"]["result"]["group_id"]


def test_auth_and_tenants(sandbox):
    anonymous = api(sandbox, key=None)
    denied = anonymous.post(anonymous.url(REAL), json={"callback_url": "https://x.example/cb"})
    assert denied.status_code == 401 and denied.json()["error"]["type"] == "authentication_error"
    assert api(sandbox, key="").get(api(sandbox).url("/v1/tasks/task_X")).status_code == 401
    alice, bob = api(sandbox, "sk-alice"), api(sandbox, "sk-bob")
    created = alice.post(alice.url(REAL), json={"callback_url": "https://x.example/cb"}).json()["data"]["id"]
    assert bob.get(bob.url(f"/v1/tasks/{created}")).status_code == 404
    group = verified_group(sandbox, alice)
    refused = bob.post(
        bob.url(REAL), json={"group_id": group, "assets": [{"url": "https://x.example/a.mp4"}]}
    )
    assert refused.status_code == 400 and "group_id" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({}, "exactly one"),
        ({"callback_url": "https://x/cb", "byted_token": "t"}, "exactly one"),
        ({"callback_url": "ftp://x/cb"}, "http(s)"),
        ({"group_id": "GROUP", "assets": []}, "unknown group_id"),
    ],
)
def test_selector_and_field_refusals(sandbox, body, phrase):
    s = api(sandbox)
    response = s.post(s.url(REAL), json=body)
    assert response.status_code == 400 and phrase in response.json()["error"]["message"]


def test_asset_validation(sandbox):
    s = api(sandbox)
    group = verified_group(sandbox, s)
    cases = [
        ({"asset_type": "Audio", "assets": [{"url": "https://x/a.mp4"}]}, "asset_type"),
        ({"assets": []}, "non-empty"),
        ({"assets": [{"url": f"https://x/{i}.mp4"} for i in range(21)]}, "at most 20"),
        ({"assets": [{"url": "ftp://x/a.mp4"}]}, "assets[0].url"),
        ({"assets": [{"url": "https://x/a.mp4", "name": "n" * 65}]}, "64"),
    ]
    for extra, phrase in cases:
        response = s.post(s.url(REAL), json={"group_id": group, **extra})
        assert response.status_code == 400 and phrase in response.json()["error"]["message"], extra
    assert (
        s.post(s.url(REAL), data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    )


@pytest.mark.parametrize(("lng", "word"), [("zh", "通过认证"), ("en", "Approve"), ("zh-Hant", "通過認證")])
def test_h5_page_speaks_the_link_language(sandbox, lng, word):
    link = new_session(api(sandbox))["h5_link"]
    page = requests.get(link.replace("lng=zh", f"lng={lng}"), timeout=5)
    assert page.status_code == 200 and word in page.text and 'id="approve"' in page.text


def test_h5_buttons_redirect_to_the_callback(sandbox):
    s = api(sandbox)
    result = new_session(s)
    token = result["byted_token"]
    form = urlsplit(result["h5_link"])
    approve = requests.post(
        f"{form.scheme}://{form.netloc}{form.path}/approve", allow_redirects=False, timeout=5
    )
    assert approve.status_code == 303
    target = urlsplit(approve.headers["location"])
    params = parse_qs(target.query)
    assert target.netloc == "app.example" and params["keep"] == ["1"]
    assert params["bytedToken"] == [token] and params["resultCode"] == ["10000"]
    assert {"algorithmBaseRespCode", "reqMeasureInfoValue", "verify_type"} <= params.keys()
    # The link is spent: it now says so.
    assert requests.get(result["h5_link"], timeout=5).status_code == 410

    failed_token = new_session(s)["byted_token"]
    redirect = ctl(sandbox, f"h5/{failed_token}/fail")["redirect_url"]
    assert parse_qs(urlsplit(redirect).query)["resultCode"] != ["10000"]


def test_token_is_single_use_and_burned_by_an_early_query(sandbox):
    s = api(sandbox)
    token = new_session(s)["byted_token"]
    early = s.post(s.url(REAL), json={"byted_token": token})
    assert early.status_code == 400 and "not completed" in early.json()["error"]["message"]
    # Burned: approving afterwards no longer helps.
    assert requests.post(f"{sandbox.base_url}/_sandbox/h5/{token}/approve", timeout=5).status_code == 410
    good = new_session(s)["byted_token"]
    ctl(sandbox, f"h5/{good}/approve")
    first = s.post(s.url(REAL), json={"byted_token": good}).json()["data"]
    result = s.get(s.url(f"/v1/tasks/{first['id']}")).json()["data"]["result"]
    assert (
        result["group_id"].startswith("group-")
        and result["raw_response"]["Result"]["GroupId"] == result["group_id"]
    )
    again = s.post(s.url(REAL), json={"byted_token": good})
    assert again.status_code == 400 and "already used" in again.json()["error"]["message"]


def test_sessions_expire(sandbox):
    ctl(sandbox, "config", session_ttl=0.2)
    s = api(sandbox)
    result = new_session(s)
    time.sleep(0.3)  # the only way to let wall-clock expiry happen over HTTP; bounded and short
    assert requests.get(result["h5_link"], timeout=5).status_code == 410
    expired = s.post(s.url(REAL), json={"byted_token": result["byted_token"]})
    assert expired.status_code == 400 and "expired" in expired.json()["error"]["message"]


def test_review_takes_time_and_reports_partial_failure(sandbox):
    ctl(sandbox, "config", timing="realistic", image_review_seconds=0.4)
    s = api(sandbox)
    group = verified_group(sandbox, s)
    urls = [
        "https://x/ok.png",
        "https://x/mismatch.png",
        "https://x/unreachable.png",
        "https://x/noreason.png",
    ]
    reply = s.post(
        s.url(REAL), json={"group_id": group, "asset_type": "Image", "assets": [{"url": u} for u in urls]}
    ).json()["data"]
    assert (reply["object"], reply["status"], reply["model"]) == (
        "seedance.avatar.asset.task",
        "processing",
        "doubao-seedance-2.0",
    )
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        task = s.get(s.url(f"/v1/tasks/{reply['id']}")).json()["data"]
        seen.append((task["status"], task["progress"]))
        if task["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert seen[0][0] == "processing" and seen[-1] == ("failed", 100)
    assert any(10 < p < 100 for _, p in seen), "progress moves"
    result = task["result"]
    assert [a["asset_url"].startswith("asset://") for a in result["usable_assets"]] == [True]
    codes = [a.get("error", {}).get("code") for a in result["failed_assets"]]
    assert codes == ["FaceMismatch", "InvalidParameter.DownloadFailed", None]
    assert task["error"]["message"] == "3 of 4 assets failed review"


def test_video_generation_validates_and_serves_a_playable_file(sandbox):
    s = api(sandbox)
    group = verified_group(sandbox, s)
    review = s.post(s.url(REAL), json={"group_id": group, "assets": [{"url": "https://x/a.mp4"}]}).json()[
        "data"
    ]
    asset_url = s.get(s.url(f"/v1/tasks/{review['id']}")).json()["data"]["result"]["usable_assets"][0][
        "asset_url"
    ]
    gen = "/v1/videos/generations"
    base = {"model": "doubao-seedance-2.0-face", "prompt": "image 1 waves", "image_urls": [asset_url]}
    refusals = [
        ({"model": "other"}, "model"),
        ({"prompt": "x" * 4001}, "4000"),
        ({"duration": 3}, "duration"),
        ({"size": "2:1"}, "size"),
        ({"model": "doubao-seedance-2.0-fast-face", "resolution": "1080p"}, "1080p"),
        ({"image_with_roles": [{"url": asset_url, "role": "first_frame"}]}, "together"),
        ({"image_urls": ["asset://asset-nope"]}, "not an Active asset"),
        ({"video_urls": [f"https://x/{i}.mp4" for i in range(4)]}, "video_urls"),
    ]
    for extra, phrase in refusals:
        response = s.post(s.url(gen), json={**base, **extra})
        assert response.status_code == 400 and phrase in response.json()["error"]["message"], extra
    # Another tenant cannot use this tenant's asset.
    other = api(sandbox, "sk-other")
    assert other.post(other.url(gen), json=base).status_code == 400

    data = s.post(s.url(gen), json=base).json()["data"]
    assert isinstance(data, list) and data[0]["status"] == "submitted"
    task = s.get(s.url(f"/v1/tasks/{data[0]['task_id']}")).json()["data"]
    video = requests.get(task["result"]["videos"][0]["url"][0], timeout=5)
    assert (
        video.headers["content-type"] == "video/mp4"
        and video.content[4:8] == b"ftyp"
        and len(video.content) > 10_000
    )
    failed = s.post(s.url(gen), json={**base, "prompt": "force-fail please"}).json()["data"][0]["task_id"]
    assert s.get(s.url(f"/v1/tasks/{failed}")).json()["data"]["status"] == "failed"


def test_faults_are_applied_before_the_handler_and_logged(sandbox):
    s = api(sandbox)
    ctl(sandbox, "faults", route="/v1/tasks", method="GET", status=429, retry_after=3, count=2)
    for _ in range(2):
        limited = s.get(s.url("/v1/tasks/task_X"))
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert s.get(s.url("/v1/tasks/task_X")).status_code == 404, "count exhausted"
    ctl(sandbox, "faults", route=REAL, status=500, count=1)
    assert s.post(s.url(REAL), json={"callback_url": "https://x/cb"}).status_code == 500
    ctl(sandbox, "faults", route=REAL, malformed=True, count=1)
    with pytest.raises(ValueError):
        s.post(s.url(REAL), json={"callback_url": "https://x/cb"}).json()
    ctl(sandbox, "faults", route=REAL, drop=True, count=1)
    with pytest.raises(requests.exceptions.RequestException):
        s.post(s.url(REAL), json={"callback_url": "https://x/cb"})
    ctl(sandbox, "faults", route="/v1/tasks", latency=0.3, count=1)
    started = time.monotonic()
    s.get(s.url("/v1/tasks/task_X"))
    assert time.monotonic() - started >= 0.3
    log = ctl(sandbox, "requests", http="GET")
    assert [e["status"] for e in log if e["path"] == REAL] == [500, 200, 0]
    assert sum(e["faulted"] for e in log) == 5 and all("sk-a" not in str(e) for e in log)
    assert ctl(sandbox, "faults", http="GET") == []
    # Every POST above was faulted, and a faulted request changes nothing: no session was created.
    assert all(e["faulted"] for e in log if e["path"] == REAL)
    assert ctl(sandbox, "tasks", http="GET") == [] and ctl(sandbox, "assets", http="GET") == []


def test_mounted_under_a_prefix_links_stay_under_it():
    with serve_asgi(Starlette(routes=[Mount("/sandbox", app=create_app())])) as base:
        s = api(f"{base}/sandbox")
        result = new_session(s)
        assert result["h5_link"].startswith(f"{base}/sandbox/h5/")
        assert requests.get(result["h5_link"], timeout=5).status_code == 200
        ctl_url = f"{base}/sandbox/_sandbox/faults"
        requests.post(ctl_url, json={"route": "/v1/tasks", "status": 503, "count": 1}, timeout=5)
        assert s.get(s.url("/v1/tasks/task_X")).status_code == 503, "fault routes are relative to the mount"


def test_control_plane_refuses_bad_settings(sandbox):
    assert (
        requests.post(f"{sandbox.base_url}/_sandbox/config", json={"timing": "fast"}, timeout=5).status_code
        == 400
    )
    assert (
        requests.post(f"{sandbox.base_url}/_sandbox/faults", json={"status": 500}, timeout=5).status_code
        == 400
    )
    assert ctl(sandbox, "health", http="GET") == {"ok": True}


def test_tasks_follow_the_declared_state_machine_when_read():
    """pending -> processing -> completed for a video (the first fifth of its time pending), processing ->
    failed for a review with a refused asset; states move only when read and never go back."""
    now = [1000.0]
    store = Store(SandboxConfig(generation_seconds=10, image_review_seconds=4), clock=lambda: now[0])
    video = store.generate("t", {"model": "doubao-seedance-2.0", "prompt": "waves"}, "http://x")[0]["task_id"]
    seen = []
    for at in (1000.0, 1001.0, 1003.0, 1010.0):
        now[0] = at
        view = store.task_view("t", video)
        seen.append((view["status"], view["progress"], view["completed"]))
    assert seen == [
        ("pending", 0, None),
        ("pending", 10, None),
        ("processing", 30, None),
        ("completed", 100, 1010),
    ]
    assert store.video_ready(video)
    store.backend.tenant("t").groups.add("group-1")
    review = store.private_avatar("t", {"group_id": "group-1", "url": "https://x/mismatch.png"})["id"]
    assert store.task_view("t", review)["status"] == "processing"
    now[0] += 4
    assert store.task_view("t", review)["status"] == "failed"
    now[0] -= 3  # a clock that goes back does not undo a final state
    assert store.task_view("t", review)["status"] == "failed"
    with pytest.raises(Exception, match="not found"):
        store.task_view("another tenant", review)
