"""The client's policies without the sandbox: Retry-After parsing, polling with a fake clock, and which
failures urllib3's Retry repeats (a scripted HTTP server stands in for APIMart, so retries run through the
real requests + urllib3 stack)."""

from __future__ import annotations

import email.utils
import logging
import socket

import pytest
import requests

from lib.apimart import (
    ApiConnectionError,
    ApimartClient,
    ApiTimeoutError,
    AssetInput,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    Task,
    WaitTimeoutError,
)
from lib.apimart.polling import poll_until_final
from lib.apimart.retry import parse_retry_after
from lib.ui.errors import hint_for
from tests.helpers.scripted_http import KEY, TASK_ID, client_with, cut, dropped, response, slow

# --- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        ("0.5", 0.5),
        (" 7 ", 7.0),
        ("-3", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after_seconds(value, seconds):
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date():
    now = 1_800_000_000.0
    later = email.utils.formatdate(now + 30, usegmt=True)
    earlier = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(later, now=lambda: now) == pytest.approx(30.0)
    assert parse_retry_after(earlier, now=lambda: now) == 0.0


# --- polling with a fake clock --------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def scripted_tasks(*statuses: str):
    tasks = iter(Task.from_data({"id": TASK_ID, "status": s}) for s in statuses)
    return lambda: next(tasks)


def test_poll_returns_the_final_task_and_reports_each_update():
    clock, seen = FakeClock(), []
    final = poll_until_final(
        scripted_tasks("pending", "processing", "failed"),
        TASK_ID,
        interval=2.0,
        sleep=clock.sleep,
        clock=clock,
        on_update=lambda t: seen.append(t.status),
    )
    assert final.status == "failed"  # a failed task is returned, not raised: the caller decides
    assert seen == ["pending", "processing", "failed"]
    assert clock.slept == [2.0, 2.0]


def test_poll_times_out_with_the_last_task():
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError) as raised:
        poll_until_final(
            scripted_tasks(*["processing"] * 10),
            TASK_ID,
            interval=2.0,
            timeout=5.0,
            sleep=clock.sleep,
            clock=clock,
        )
    assert clock.slept == [2.0, 2.0, 1.0]  # the last nap ends right at the deadline
    assert raised.value.task_id == TASK_ID and raised.value.waited == 5.0
    assert raised.value.task.status == "processing"


def test_poll_refuses_a_zero_interval():
    with pytest.raises(ValueError):
        poll_until_final(scripted_tasks("completed"), TASK_ID, interval=0)


# --- the client over a scripted server ------------------------------------------------------------


TASK_OK = {"code": 200, "data": {"id": TASK_ID, "status": "completed", "result": {}}}
SUBMITTED = {"code": 200, "data": {"id": TASK_ID, "status": "processing"}}


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    return f"http://127.0.0.1:{port}"


def test_session_carries_the_key_once_and_every_call_a_timeout(monkeypatch):
    client, server, _ = client_with(response(200, TASK_OK), timeout=(1.5, 4.0))
    assert client._session.headers["Authorization"] == f"Bearer {KEY}"
    seen: list = []
    send = requests.adapters.HTTPAdapter.send
    monkeypatch.setattr(
        requests.adapters.HTTPAdapter,
        "send",
        lambda self, r, **kw: seen.append(kw["timeout"]) or send(self, r, **kw),
    )
    client.get_task(TASK_ID)
    (call,) = server.calls
    assert seen == [(1.5, 4.0)]
    assert "Idempotency-Key" not in call["headers"] and call["headers"]["Authorization"] == f"Bearer {KEY}"
    assert call["path"] == f"/v1/tasks/{TASK_ID}"


def test_timeout_is_never_none():
    assert ApimartClient(KEY, timeout=None).timeout == (5.0, 30.0)  # type: ignore[arg-type]
    assert ApimartClient(KEY, timeout=3).timeout == (3.0, 3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_get_retries_transient_statuses_with_exponential_backoff(status):
    outcomes = [response(status, {"msg": "busy"})] * 3 + [response(200, TASK_OK)]
    client, server, slept = client_with(*outcomes)
    assert client.get_task(TASK_ID).is_success
    assert slept == [1.0, 2.0]  # urllib3's backoff: the first retry at once, then 2x, 4x the factor
    assert client.request_count == 4 == len(server.calls)


def test_get_gives_up_after_max_retries():
    client, _, slept = client_with(*[response(503, {"msg": "down"})] * 3, max_retries=2, backoff_base=1.0)
    with pytest.raises(ServerError, match="down"):
        client.get_task(TASK_ID)
    assert slept == [2.0]


def test_backoff_is_capped():
    client, _, slept = client_with(*[response(503, {})] * 6, max_retries=5, backoff_base=1.0, backoff_max=3.0)
    with pytest.raises(ServerError):
        client.get_task(TASK_ID)
    assert slept == [2.0, 3.0, 3.0, 3.0]


def test_get_honours_retry_after_seconds_and_dates():
    later = email.utils.formatdate(usegmt=True)  # "now": at most a second or so away
    client, _, slept = client_with(
        response(429, {}, headers={"Retry-After": "3"}),
        response(503, {}, headers={"Retry-After": later}),
        response(200, TASK_OK),
    )
    client.get_task(TASK_ID)
    assert slept[0] == 3.0 and all(0.0 <= s <= 1.0 for s in slept[1:])


def test_an_unreadable_retry_after_falls_back_to_the_backoff():
    client, _, slept = client_with(
        response(503, {}, headers={"Retry-After": "soon"}),
        response(503, {}, headers={"Retry-After": "soon"}),
        response(200, TASK_OK),
    )
    assert client.get_task(TASK_ID).is_success
    assert slept == [1.0]


def test_a_very_long_retry_after_is_not_waited_out():
    client, server, slept = client_with(response(429, {"msg": "quota"}, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as raised:
        client.get_task(TASK_ID)
    assert raised.value.retry_after == 3600.0 and slept == [] and len(server.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404])
def test_get_does_not_retry_client_errors(status):
    client, server, slept = client_with(response(status, {"code": status, "message": "no"}))
    with pytest.raises(Exception) as raised:
        client.get_task(TASK_ID)
    assert raised.value.status_code == status
    assert len(server.calls) == 1 and slept == []


def test_get_retries_transport_failures():
    client, server, slept = client_with(
        dropped(),
        slow(0.5, response(200, TASK_OK)),
        cut(200, TASK_OK),
        response(200, TASK_OK),
        timeout=(2.0, 0.2),
    )
    assert client.get_task(TASK_ID).id == TASK_ID
    assert len(server.calls) == 4 and client.request_count == 4
    # urllib3 retries the drop at once and the timeout after 1 s; a body cut short after the status line
    # is retried by the transport with a Retry of its own (requests reads bodies after urllib3 is done).
    assert slept == [1.0]


def test_a_get_that_keeps_timing_out_is_a_timeout_error():
    client, server, _ = client_with(
        *[slow(0.3, response(200, TASK_OK))] * 2, timeout=(2.0, 0.1), max_retries=1
    )
    with pytest.raises(ApiTimeoutError) as raised:
        client.get_task(TASK_ID)
    assert len(server.calls) == 2 and raised.value.reason == "read_timeout" and not raised.value.maybe_sent


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 400, 402])
def test_post_is_never_repeated_on_a_status_the_server_may_have_acted_on(status):
    client, server, slept = client_with(response(status, {"msg": "x"}), response(200, SUBMITTED))
    with pytest.raises(Exception):  # noqa: B017 - the class varies with the status; the count matters here
        client.submit_assets("group-1", [AssetInput("https://e/a.mp4")])
    assert len(server.calls) == 1 and slept == []


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (lambda: slow(0.5, response(200, SUBMITTED)), ApiTimeoutError),
        (dropped, ApiConnectionError),
        (lambda: cut(200, SUBMITTED), ApiConnectionError),
    ],
    ids=["read-timeout", "dropped", "cut"],
)
def test_post_is_not_repeated_after_it_may_have_been_sent(failure, error):
    client, server, _ = client_with(failure(), response(200, SUBMITTED), timeout=(2.0, 0.2))
    with pytest.raises(error) as raised:
        client.submit_assets("group-1", [AssetInput("https://e/a.mp4")])
    assert len(server.calls) == 1
    assert raised.value.maybe_sent
    assert "may still have been carried out" in hint_for(raised.value)


def test_post_is_retried_when_rate_limited_with_one_idempotency_key():
    client, server, slept = client_with(
        response(429, {"msg": "slow"}, headers={"Retry-After": "1"}),
        response(429, {"msg": "slow"}),
        response(200, SUBMITTED),
    )
    (task,) = client.submit_assets("group-1", [AssetInput("https://e/a.mp4", "a")])
    assert task.id == TASK_ID
    keys = {call["headers"]["Idempotency-Key"] for call in server.calls}
    assert len(server.calls) == 3 and len(keys) == 1 and None not in keys
    assert [c["json"] for c in server.calls][0] == server.calls[-1]["json"]
    assert slept == [1.0, 1.0]


def test_the_given_idempotency_key_is_sent_on_every_attempt():
    client, server, _ = client_with(response(429, {}), response(200, SUBMITTED))
    client.submit_batch("group-1", [AssetInput("https://e/a.mp4")], idempotency_key="k-given")
    assert [c["headers"]["Idempotency-Key"] for c in server.calls] == ["k-given", "k-given"]


def test_each_logical_post_has_its_own_idempotency_key():
    client, server, _ = client_with(response(200, SUBMITTED), response(200, SUBMITTED))
    client.submit_assets("group-1", [AssetInput(f"https://e/{i}.mp4") for i in range(21)])
    assert len({call["headers"]["Idempotency-Key"] for call in server.calls}) == 2


def test_malformed_success_body():
    client, _, _ = client_with(response(200, text="<html>oops</html>"))
    with pytest.raises(MalformedResponseError) as raised:
        client.get_task(TASK_ID)
    assert raised.value.status_code == 200 and "oops" in raised.value.body


def test_error_status_with_an_html_body_still_gets_its_class():
    client, _, _ = client_with(response(502, text="<html>Bad Gateway</html>"), max_retries=0)
    with pytest.raises(ServerError) as raised:
        client.get_task(TASK_ID)
    assert str(raised.value) == "APIMart had a problem on its side (HTTP 502)."


def test_an_error_inside_a_200_body_is_still_an_error():
    client, _, _ = client_with(response(200, {"code": "401", "message": "Invalid API key"}))
    with pytest.raises(AuthenticationError):
        client.get_task(TASK_ID)


def test_check_connection_treats_404_as_success_and_401_as_failure():
    client, server, _ = client_with(response(404, {"error": {"code": 404, "message": "task not found"}}))
    client.check_connection()
    assert "/v1/tasks/task_" in server.calls[0]["url"]
    client, _, _ = client_with(response(401, {"error": {"code": 401, "message": "Invalid API key"}}))
    with pytest.raises(AuthenticationError):
        client.check_connection()


def test_get_task_not_found():
    client, _, _ = client_with(response(404, {"code": 404, "message": "not found"}))
    with pytest.raises(NotFoundError):
        client.get_task(TASK_ID)


def test_a_key_that_cannot_go_in_a_header_is_refused_locally():
    client, server, _ = client_with(key="sk-abc\ndef-0123456789")
    with pytest.raises(AuthenticationError) as raised:
        client.get_task(TASK_ID)
    assert server.calls == [] and "abc" not in str(raised.value)
    assert "Copy the key again" in hint_for(raised.value)


def test_bad_base_url_is_a_readable_connection_error():
    client = ApimartClient(KEY, "apimart.ai/no-scheme", sleep=lambda s: None)
    with pytest.raises(ApiConnectionError) as raised:
        client.get_task(TASK_ID)
    assert raised.value.reason == "address" and "APIMART_BASE_URL" in hint_for(raised.value)


def test_a_closed_port_is_a_connection_error_retried_even_for_posts():
    slept: list[float] = []
    client = ApimartClient(KEY, closed_port_url(), sleep=slept.append, jitter=0.0, max_retries=2)
    with pytest.raises(ApiConnectionError) as raised:
        client.create_verification_session("http://127.0.0.1:9/callback")
    assert slept == [1.0] and client.request_count == 3
    assert raised.value.reason == "connect" and not raised.value.maybe_sent
    assert KEY not in repr(raised.value) and KEY not in str(raised.value.__cause__)


def test_repr_logs_and_errors_never_show_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    echoed = {"error": {"code": 401, "message": f"Invalid API key {KEY}"}}
    client, _, _ = client_with(response(401, echoed))
    with pytest.raises(AuthenticationError) as raised:
        client.get_task(TASK_ID)
    assert [r for r in caplog.records if r.name == "avatar_desk.apimart"], "the call should be logged"
    for text in (repr(client), str(raised.value), repr(raised.value), repr(raised.value.body), caplog.text):
        assert KEY not in text
    assert "sk-…cdef" in repr(client)


def test_context_manager_closes_its_own_session_but_not_a_borrowed_one(monkeypatch):
    closed: list[requests.Session] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append(self))
    borrowed = requests.Session()
    with ApimartClient(KEY, session=borrowed):
        pass
    assert closed == []  # the caller lent it and still owns it
    with ApimartClient(KEY) as client:
        pass
    assert closed == [client._session]
