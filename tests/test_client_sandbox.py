"""The client against the sandbox over real HTTP: every method, every error class, retries and Retry-After,
POST safety, polling, partial failures, batching, and the API key kept out of errors, logs and reprs."""

from __future__ import annotations

import contextlib
import logging
import time

import pytest
import requests

from lib.apimart import (
    ApiConnectionError,
    ApimartClient,
    ApimartError,
    ApiStatusError,
    ApiTimeoutError,
    AssetInput,
    AuthenticationError,
    BadRequestError,
    ImageWithRole,
    InsufficientBalanceError,
    MalformedResponseError,
    NotFoundError,
    PartialSubmitError,
    RateLimitError,
    ServerError,
    TaskFailedError,
    VideoRequest,
    WaitTimeoutError,
)
from lib.ui.errors import hint_for

REAL_AVATAR = "/v1/seedance2/real-avatar"
CALLBACK = "http://127.0.0.1:9/callback"
UNKNOWN_TASK = "task_01KZZZZZZZZZZZZZZZZZZZZZZZ"
CANARY = "sk-test-canary-0123456789abcdef"  # the conftest api_key; checked against it below


# --- helpers --------------------------------------------------------------------------------------


def control(sandbox, method: str, path: str, body: dict | None = None):
    response = requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=5)
    response.raise_for_status()
    return response.json() if response.content else None


def fault(sandbox, route: str, method: str, **spec) -> None:
    control(sandbox, "POST", "faults", {"route": route, "method": method, **spec})


def logged(sandbox, method: str | None = None, path_prefix: str = "/v1/") -> list[dict]:
    log = control(sandbox, "GET", "requests")
    entries = log["requests"] if isinstance(log, dict) else log
    return [
        e for e in entries if e["path"].startswith(path_prefix) and (method is None or e["method"] == method)
    ]


def sandbox_assets(sandbox) -> list:
    assets = control(sandbox, "GET", "assets")
    return assets["assets"] if isinstance(assets, dict) else assets


class Recorder:
    """An injected sleep that records what the client asked for and returns at once."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def slept() -> Recorder:
    return Recorder()


@pytest.fixture
def make_client(sandbox, api_key, slept):
    made: list[ApimartClient] = []

    def make(key: str | None = None, **kwargs) -> ApimartClient:
        kwargs.setdefault("sleep", slept)
        kwargs.setdefault("jitter", 0.0)
        kwargs.setdefault("timeout", (2.0, 5.0))
        client = ApimartClient(api_key if key is None else key, sandbox.base_url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        assert api_key not in repr(client)
        client.close()


@pytest.fixture
def client(make_client) -> ApimartClient:
    return make_client()


@pytest.fixture(autouse=True)
def key_never_logged(caplog, api_key):
    assert api_key == CANARY
    caplog.set_level(logging.DEBUG)
    yield
    assert api_key not in caplog.text


@contextlib.contextmanager
def raises(error_class, api_key: str = CANARY):
    """pytest.raises, plus the canary: the key is in no message, repr, body or cause of the error."""
    with pytest.raises(error_class) as raised:
        yield raised
    error = raised.value
    seen: BaseException | None = error
    while seen is not None:
        assert api_key not in str(seen) and api_key not in repr(seen)
        seen = seen.__cause__ or seen.__context__
    assert api_key not in repr(getattr(error, "body", None))
    assert api_key not in hint_for(error)
    assert error.message and error.message[0].isupper()


def verified_group(sandbox, client: ApimartClient) -> str:
    session = client.start_verification(CALLBACK)
    control(sandbox, "POST", f"h5/{session.byted_token}/approve")
    return client.query_verification_result(session.byted_token).group_id


# --- the happy path, method by method -------------------------------------------------------------


def test_check_connection(client):
    client.check_connection()
    assert client.request_count == 1


def test_verification_session_in_two_steps(client):
    submitted = client.create_verification_session(CALLBACK)
    assert submitted.id.startswith("task_") and len(submitted.id) == 31
    assert submitted.status == "completed"
    session = client.get_verification_session(submitted.id, language="zh-Hant")
    assert session.task_id == submitted.id
    assert session.h5_link.startswith("http") and "\\u0026" not in session.h5_link
    assert session.h5_link.endswith("lng=zh-Hant") and session.h5_link.count("lng=") == 1
    assert session.byted_token


def test_start_verification_then_query_after_approval(sandbox, client):
    session = client.start_verification(CALLBACK, language="en")
    assert "lng=en" in session.h5_link
    control(sandbox, "POST", f"h5/{session.byted_token}/approve")
    result = client.query_verification_result(session.byted_token)
    assert result.group_id.startswith("group-")
    # Step 2's POST was sent once; any further read of its task is a GET.
    assert len(logged(sandbox, "POST", REAL_AVATAR)) == 2


def test_query_before_approval_is_refused(client):
    session = client.start_verification(CALLBACK)
    with raises(BadRequestError) as raised:
        client.query_verification_result(session.byted_token)
    assert raised.value.status_code == 400 and hint_for(raised.value)


def test_query_after_a_failed_check_is_refused(sandbox, client):
    session = client.start_verification(CALLBACK)
    control(sandbox, "POST", f"h5/{session.byted_token}/fail")
    with raises(BadRequestError):
        client.query_verification_result(session.byted_token)


def test_query_an_unknown_token_is_refused(client):
    with raises(BadRequestError):
        client.query_verification_result("token_that_never_existed")


def test_submit_and_review_a_partial_failure(sandbox, client):
    group_id = verified_group(sandbox, client)
    assets = [
        AssetInput("https://example.com/real-face-a.mp4", "good"),
        AssetInput("https://example.com/mismatch-b.mp4", "other-person"),
        AssetInput("https://example.com/unreachable-c.mp4", "gone"),
        AssetInput("https://example.com/noreason-d.mp4", "silent"),
    ]
    (task,) = client.submit_assets(group_id, assets)
    assert task.id.startswith("task_")
    review = client.get_review(task.id)
    assert review.is_final and review.is_partial and review.task.status == "failed"
    (usable,) = review.usable
    assert usable.usable and usable.asset_url.startswith("asset://") and usable.name == "good"
    assert usable.source_url == "https://example.com/real-face-a.mp4"
    reasons = {a.name: a.error_code for a in review.failed}
    assert reasons == {
        "other-person": "FaceMismatch",
        "gone": "InvalidParameter.DownloadFailed",
        "silent": None,
    }


def test_all_approved_review(sandbox, client):
    group_id = verified_group(sandbox, client)
    (task,) = client.submit_assets(
        group_id, [AssetInput("https://example.com/a.jpg", "a")], asset_type="Image"
    )
    review = client.get_review(task.id)
    assert review.task.is_success and not review.is_partial and review.failed == ()
    assert [a.name for a in review.usable] == ["a"]


def test_25_assets_go_in_two_requests_and_two_tasks(sandbox, client):
    group_id = verified_group(sandbox, client)
    assets = [AssetInput(f"https://example.com/face-{i:02d}.mp4", f"face-{i:02d}") for i in range(25)]
    tasks = client.submit_assets(group_id, assets)
    assert len(tasks) == 2 and len({t.id for t in tasks}) == 2
    posts = [e for e in logged(sandbox, "POST", REAL_AVATAR) if e.get("selector") == "group_id"]
    assert [e["asset_count"] for e in posts] == [20, 5]
    names = [a.name for t in tasks for a in client.get_review(t.id).usable]
    assert names == [a.name for a in assets]  # in order, batch by batch


def test_a_failing_second_batch_keeps_the_first_task(sandbox, make_client):
    client = make_client()
    group_id = verified_group(sandbox, client)
    # Once the first batch is accepted, make the next submit fail (the sandbox fault fires on the next POST).
    armed: list[bool] = []

    def arm(response, *args, **kwargs):
        if response.request.method == "POST" and b"group_id" in (response.request.body or b"") and not armed:
            armed.append(True)
            fault(sandbox, REAL_AVATAR, "POST", status=503, body={"msg": "upstream down"}, count=1)

    client._session.hooks["response"].append(arm)
    assets = [AssetInput(f"https://example.com/face-{i:02d}.mp4") for i in range(25)]
    with raises(PartialSubmitError) as raised:
        client.submit_assets(group_id, assets)
    error = raised.value
    assert len(error.submitted) == 1 and error.submitted[0].id.startswith("task_")
    assert isinstance(error.cause, ServerError) and error.sent == 20 and error.total == 25
    assert client.get_review(error.submitted[0].id).task.is_success


def test_private_avatar_new_group_and_existing_group(client):
    (created,) = client.submit_private_avatar(
        group_name="Virtual Ada",
        group_description="demo",
        assets=[AssetInput("https://example.com/ada.png", "ada")],
    )
    review = client.get_review(created.id)
    assert review.task.is_success and review.usable
    group_id = review.group_id
    assert group_id, "the review of a new private group should name it"
    (added,) = client.submit_private_avatar(
        group_id=group_id, assets=[AssetInput("https://example.com/ada-2.png")]
    )
    assert client.get_review(added.id).task.is_final


def test_generate_and_get_a_video(sandbox, client):
    group_id = verified_group(sandbox, client)
    (task,) = client.submit_assets(group_id, [AssetInput("https://example.com/a.jpg", "a")], "Image")
    asset_url = client.get_review(task.id).usable[0].asset_url
    request = VideoRequest(
        "The person waves at the camera",
        image_with_roles=(ImageWithRole(asset_url),),
        duration=5,
    )
    submitted = client.generate_video(request)
    assert submitted.id.startswith("task_")
    video = client.get_video(submitted.id)
    assert video.task.is_success and video.video_url and video.video_url.startswith("http")


def test_a_failed_generation_is_returned_by_wait_and_reported_by_the_task(client):
    submitted = client.generate_video(
        VideoRequest("force-fail please", image_urls=("https://example.com/a.png",))
    )
    task = client.wait_for_task(submitted.id, interval=0.05, timeout=5)
    assert task.status == "failed" and task.error is not None
    assert client.get_video(submitted.id).video_url is None
    assert "failed" in str(TaskFailedError(task))


def test_get_task_with_a_language(client):
    submitted = client.create_verification_session(CALLBACK)
    assert client.get_task(submitted.id, language="en").id == submitted.id


def test_tasks_are_private_to_their_key(make_client):
    mine = make_client().create_verification_session(CALLBACK)
    with raises(NotFoundError):
        make_client("sk-someone-else-0000000000").get_task(mine.id)


# --- polling with realistic timing ----------------------------------------------------------------


def test_wait_for_a_review_with_realistic_timing(sandbox, client):
    group_id = verified_group(sandbox, client)
    control(sandbox, "POST", "config", {"timing": "realistic", "image_review_seconds": 0.3})
    (task,) = client.submit_assets(group_id, [AssetInput("https://example.com/a.jpg", "a")], "Image")
    updates: list[str] = []
    started = time.monotonic()
    final = client.wait_for_task(
        task.id, interval=0.1, timeout=10, sleep=time.sleep, on_update=lambda t: updates.append(t.status)
    )
    assert final.is_success and time.monotonic() - started < 5
    assert updates[0] in ("pending", "processing") and updates[-1] == "completed"
    assert client.get_review(task.id).usable


def test_wait_gives_up_with_the_task_id(sandbox, client):
    group_id = verified_group(sandbox, client)
    control(sandbox, "POST", "config", {"timing": "realistic", "image_review_seconds": 600})
    (task,) = client.submit_assets(group_id, [AssetInput("https://example.com/a.jpg")], "Image")
    now = [0.0]

    def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    with raises(WaitTimeoutError) as raised:
        client.wait_for_task(task.id, interval=2, timeout=6, sleep=fake_sleep, clock=lambda: now[0])
    assert raised.value.task_id == task.id and raised.value.waited == 6


def test_an_expired_session_cannot_be_queried(sandbox, client):
    control(sandbox, "POST", "config", {"session_ttl": 0.2})
    session = client.start_verification(CALLBACK)
    time.sleep(0.3)
    with contextlib.suppress(requests.HTTPError):  # approving an expired link may itself be refused
        control(sandbox, "POST", f"h5/{session.byted_token}/approve")
    with raises(BadRequestError):
        client.query_verification_result(session.byted_token)


# --- every error class ----------------------------------------------------------------------------


def test_an_empty_key_is_refused(make_client):
    client = make_client("")
    with raises(AuthenticationError) as raised:
        client.check_connection()
    assert raised.value.status_code == 401 and "API key" in hint_for(raised.value)


def test_401_from_a_fault_with_a_string_code(sandbox, client):
    body = {
        "error": {"code": "invalid_api_key", "message": "Invalid API key", "type": "authentication_error"}
    }
    fault(sandbox, "/v1/tasks", "GET", status=401, body=body, count=1)
    with raises(AuthenticationError) as raised:
        client.check_connection()
    assert raised.value.code == "invalid_api_key" and "Invalid API key" in str(raised.value)


def test_402_insufficient_balance(sandbox, client):
    fault(
        sandbox,
        REAL_AVATAR,
        "POST",
        status=402,
        body={"code": 402, "message": "Insufficient balance"},
        count=1,
    )
    with raises(InsufficientBalanceError) as raised:
        client.create_verification_session(CALLBACK)
    assert raised.value.code == "402" and "balance" in str(raised.value)


def test_404_unknown_task(client):
    with raises(NotFoundError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert raised.value.status_code == 404


def test_429_exhausted_keeps_retry_after(sandbox, make_client, slept):
    client = make_client(max_retries=1)
    fault(sandbox, "/v1/tasks", "GET", status=429, body={"msg": "slow down"}, retry_after=2, count=5)
    with raises(RateLimitError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert raised.value.retry_after == 2.0 and slept.slept == [2.0]
    assert "slow down" in str(raised.value)


def test_5xx_retried_then_raised(sandbox, client, slept):
    fault(sandbox, "/v1/tasks", "GET", status=502, body={"code": "502", "message": "bad gateway"}, count=10)
    with raises(ServerError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert raised.value.status_code == 502
    assert slept.slept == [1.0, 2.0] and client.request_count == 4  # urllib3: at once, then 2x, 4x
    assert len([e for e in logged(sandbox, "GET") if e.get("faulted")]) == 4


def test_get_retries_honour_retry_after_then_succeed(sandbox, client, slept):
    submitted = client.create_verification_session(CALLBACK)
    fault(sandbox, "/v1/tasks", "GET", status=503, body={"msg": "busy"}, retry_after=1, count=2)
    assert client.get_task(submitted.id).is_success
    assert slept.slept == [1.0, 1.0]


def test_get_retries_without_retry_after_use_backoff(sandbox, client, slept):
    submitted = client.create_verification_session(CALLBACK)
    fault(sandbox, "/v1/tasks", "GET", status=500, body={"msg": "oops"}, count=2)
    assert client.get_task(submitted.id).id == submitted.id
    assert slept.slept == [1.0]


def test_malformed_json(sandbox, client):
    fault(sandbox, "/v1/tasks", "GET", malformed=True, count=1)
    with raises(MalformedResponseError):
        client.get_task(UNKNOWN_TASK)


def test_a_dropped_connection_on_a_get_is_retried(sandbox, client, slept):
    submitted = client.create_verification_session(CALLBACK)
    fault(sandbox, "/v1/tasks", "GET", drop=True, count=1)
    assert client.get_task(submitted.id).id == submitted.id
    assert slept.slept == [] and len(logged(sandbox, "GET", "/v1/tasks")) == 2


def test_a_connection_that_keeps_dropping(sandbox, client):
    fault(sandbox, "/v1/tasks", "GET", drop=True, count=10)
    with raises(ApiConnectionError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert not isinstance(raised.value, ApiTimeoutError) and not raised.value.maybe_sent


def test_a_dropped_post_is_not_repeated(sandbox, client, slept):
    fault(sandbox, REAL_AVATAR, "POST", drop=True, count=1)
    with raises(ApiConnectionError) as raised:
        client.create_verification_session(CALLBACK)
    assert raised.value.maybe_sent and "may still have been carried out" in hint_for(raised.value)
    assert len(logged(sandbox, "POST")) == 1 and slept.slept == []


def test_a_slow_answer_times_out(sandbox, make_client):
    client = make_client(timeout=(2.0, 0.2), max_retries=1)
    fault(sandbox, "/v1/tasks", "GET", latency=1.0, count=5)
    started = time.monotonic()
    with raises(ApiTimeoutError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert time.monotonic() - started < 1.5 and client.request_count == 2
    assert "0.2 s" in str(raised.value)


def test_bad_requests_from_the_server(sandbox, client):
    with raises(BadRequestError):
        client.submit_assets("group-does-not-exist", [AssetInput("https://example.com/a.mp4")])
    fault(
        sandbox,
        REAL_AVATAR,
        "POST",
        status=400,
        body={"code": 400, "msg": "callback_url is required"},
        count=1,
    )
    with raises(BadRequestError) as raised:
        client.create_verification_session(CALLBACK)
    assert "callback_url is required" in str(raised.value)


def test_other_statuses_map_to_the_base_status_error(sandbox, client):
    fault(sandbox, "/v1/tasks", "GET", status=403, body={"message": "forbidden"}, count=1)
    with raises(ApiStatusError) as raised:
        client.get_task(UNKNOWN_TASK)
    assert type(raised.value) is ApiStatusError and raised.value.status_code == 403


# --- POST safety ----------------------------------------------------------------------------------


def test_a_post_is_not_repeated_on_500_and_creates_nothing(sandbox, client, slept):
    group_id = verified_group(sandbox, client)
    before = len(sandbox_assets(sandbox))
    fault(sandbox, REAL_AVATAR, "POST", status=500, body={"msg": "internal"}, count=1)
    with raises(ServerError):
        client.submit_assets(group_id, [AssetInput("https://example.com/a.mp4", "a")])
    submits = [e for e in logged(sandbox, "POST", REAL_AVATAR) if e.get("selector") == "group_id"]
    assert len(submits) == 1 and submits[0].get("faulted")
    assert len(sandbox_assets(sandbox)) == before
    assert slept.slept == []


def test_a_post_is_repeated_on_429_with_the_same_idempotency_key(sandbox, client, slept):
    group_id = verified_group(sandbox, client)
    fault(sandbox, REAL_AVATAR, "POST", status=429, body={"msg": "slow down"}, retry_after=1, count=1)
    (task,) = client.submit_assets(group_id, [AssetInput("https://example.com/a.mp4", "a")])
    assert client.get_review(task.id).is_final
    assert slept.slept == [1.0]
    submits = [e for e in logged(sandbox, "POST", REAL_AVATAR) if e.get("selector") == "group_id"]
    assert [bool(e.get("faulted")) for e in submits] == [True, False]
    keys = [e["idempotency_key"] for e in submits]
    assert keys[0] and keys[0] == keys[1]


def test_query_retries_its_get_but_never_its_post(sandbox, client, slept):
    session = client.start_verification(CALLBACK)
    control(sandbox, "POST", f"h5/{session.byted_token}/approve")
    fault(sandbox, "/v1/tasks", "GET", status=503, retry_after=0, count=1)
    result = client.query_verification_result(session.byted_token)
    assert result.group_id.startswith("group-")
    assert len([e for e in logged(sandbox, "POST") if e.get("selector") == "byted_token"]) == 1


def test_every_raised_error_is_an_apimart_error(sandbox, client):
    fault(sandbox, "/v1/tasks", "GET", status=418, body="I'm a teapot", count=1)
    with raises(ApimartError):
        client.get_task(UNKNOWN_TASK)
