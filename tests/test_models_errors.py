"""Error bodies in every shape the contract allows, the class chosen for each status, readable messages
with facts only (the advice is lib/ui/errors.hint_for's), and the key kept out of them (pure: no HTTP)."""

from __future__ import annotations

import pytest

from lib.apimart import (
    ApiConnectionError,
    ApimartError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientBalanceError,
    MalformedResponseError,
    NotFoundError,
    NotReadyError,
    PartialSubmitError,
    RateLimitError,
    ServerError,
    SubmittedTask,
    Task,
    TaskFailedError,
    WaitTimeoutError,
    mask_key,
)
from lib.apimart.errors import parse_error_body, status_error
from lib.apimart.secrets import scrub, scrub_text
from lib.ui.errors import hint_for

KEY = "sk-test-canary-0123456789abcdef"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"error": {"code": 401, "message": "Invalid API key", "type": "authentication_error"}},
            ("401", "Invalid API key", "authentication_error"),
        ),
        ({"error": {"code": "invalid_api_key", "message": "Nope"}}, ("invalid_api_key", "Nope", None)),
        ({"code": 400, "message": "byted_token is required"}, ("400", "byted_token is required", None)),
        ({"code": "402", "message": "Insufficient balance"}, ("402", "Insufficient balance", None)),
        ({"msg": "rate limited"}, (None, "rate limited", None)),
        ({"code": 500, "msg": "internal"}, ("500", "internal", None)),
        ({"error": "plain error text"}, (None, "plain error text", None)),
        ({"detail": "Not Found"}, (None, "Not Found", None)),
        ({"error": {"message": "m"}, "code": 429}, ("429", "m", None)),
        ({}, (None, None, None)),
        (None, (None, None, None)),
        ([1, 2], (None, None, None)),
        ("Service Unavailable", (None, "Service Unavailable", None)),
        ("<html><body>502 Bad Gateway</body></html>", (None, None, None)),
    ],
)
def test_parse_error_body_variants(body, expected):
    assert parse_error_body(body) == expected


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, InsufficientBalanceError),
        (403, ApiStatusError),
        (404, NotFoundError),
        (408, ApiStatusError),
        (409, ApiStatusError),
        (422, ApiStatusError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_status_error_classes(status, cls):
    error = status_error(status, {"error": {"code": status, "message": "server says"}})
    assert type(error) is cls
    assert isinstance(error, ApiStatusError) and isinstance(error, ApimartError)
    assert error.status_code == status
    assert error.code == str(status)
    assert "server says" in str(error)
    assert error.upstream_message == "server says"
    assert not hasattr(error, "hint")  # advice is the UI's: hint_for
    hint = hint_for(error)
    assert hint == "" or hint.endswith(".")


def test_messages_are_readable_and_say_what_to_do():
    auth = status_error(
        401, {"error": {"code": 401, "message": "Invalid API key", "type": "authentication_error"}}
    )
    assert str(auth) == "APIMart did not accept the API key: Invalid API key"
    assert "API key" in hint_for(auth)
    assert "Top up" in hint_for(status_error(402, {"code": 402, "message": "Insufficient balance"}))
    assert "temporary" in hint_for(status_error(503, None))
    assert str(status_error(503, None)) == "APIMart had a problem on its side (HTTP 503)."
    limited = status_error(429, {"msg": "slow down"}, retry_after=2.0)
    assert limited.retry_after == 2.0 and "2 s" in hint_for(limited)
    assert status_error(429, {}).retry_after is None


def test_status_error_keeps_body_and_request_id():
    error = status_error(400, {"code": 400, "message": "bad"}, request_id="req-1")
    assert error.body == {"code": 400, "message": "bad"}
    assert error.request_id == "req-1"
    assert "400" in repr(error) and "bad" in repr(error)


def test_connection_errors_hierarchy():
    assert issubclass(ApiTimeoutError, ApiConnectionError)
    assert str(ApiTimeoutError("took too long", reason="read_timeout")) == "took too long"
    assert not ApimartError("x").maybe_sent and ApimartError("x").task_id is None


def test_malformed_response_error_has_a_hint():
    error = MalformedResponseError("not JSON", body="<html>", status_code=200)
    assert hint_for(error) and error.body == "<html>" and error.status_code == 200


def test_task_outcome_errors():
    failed = Task.from_data({"id": "task_1", "status": "failed", "error": {"code": "E", "message": "why"}})
    error = TaskFailedError(failed)
    assert error.task is failed and "task_1" in str(error) and "E, why" in str(error)
    timeout = WaitTimeoutError("task_2", 12.4, Task.from_data({"id": "task_2", "status": "processing"}))
    assert (timeout.task_id, timeout.waited) == ("task_2", 12.4)
    assert "still processing after 12 s" in str(timeout)
    assert "still finish" in hint_for(timeout)
    not_ready = NotReadyError("task_3", "processing", "verification link")
    assert not_ready.task_id == "task_3" and "not ready" in str(not_ready) and "again" in hint_for(not_ready)


def test_partial_submit_error_keeps_the_tasks_sent():
    cause = status_error(503, None)
    first = SubmittedTask("task_A", "processing")
    error = PartialSubmitError([first], cause, sent=20, total=25)
    assert error.submitted == [first] and error.cause is cause
    assert "20 of 25" in str(error) and not error.maybe_sent
    assert "remaining" in hint_for(error) and "temporary" in hint_for(error)


# --- the key stays out of sight -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (KEY, "sk-…cdef"),
        ("abcdefghijklmnop", "…mnop"),
        ("sk-short", "…"),
        ("", "(none)"),
        (None, "(none)"),
        ("  " + KEY + "\n", "sk-…cdef"),
    ],
)
def test_mask_key(key, masked):
    assert mask_key(key) == masked


def test_scrub_masks_the_key_everywhere_in_a_body():
    body = {"error": {"message": f"Invalid API key {KEY}", "list": [KEY, 1, None]}, KEY: "x"}
    cleaned = scrub(body, KEY)
    assert KEY not in repr(cleaned)
    assert cleaned["error"]["message"] == "Invalid API key sk-…cdef"
    assert scrub_text(f"Bearer {KEY}", KEY) == "Bearer sk-…cdef"
    assert scrub(body, "") is body
