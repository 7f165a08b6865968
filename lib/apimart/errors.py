"""The client's error hierarchy: facts only (HTTP status, APIMart's code and words, Retry-After, request and
task ids, whether a POST may have been carried out). What to tell the user lives in lib/ui/errors.py. No
HTTP here, and no message may ever contain the API key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.apimart.models import SubmittedTask, Task


class ApimartError(Exception):
    """Base of every error the client raises. `message` says what happened, in a sentence."""

    # True when a POST may have been carried out although no answer says so (it timed out, the connection
    # broke, the server failed after receiving it, the answer was unreadable): sending it again could pay
    # twice, so callers treat the outcome as unknown rather than "not sent".
    maybe_sent: bool = False
    # The task that holds a result the caller could not read yet (read it again rather than redo the step).
    task_id: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiConnectionError(ApimartError):
    """APIMart could not be reached, or the connection broke before a full answer arrived. `reason` is one
    of "address" (the base URL or request is not valid), "connect", "connect_timeout", "read_timeout",
    "broken"."""

    def __init__(self, message: str, *, reason: str = "broken") -> None:
        super().__init__(message)
        self.reason = reason


class ApiTimeoutError(ApiConnectionError):
    """APIMart did not answer within the client's timeout."""


class ApiStatusError(ApimartError):
    """APIMart answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        body: Any = None,
        request_id: str | None = None,
        upstream_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.body = body
        self.request_id = request_id
        self.upstream_message = upstream_message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, message={self.message!r})"


class BadRequestError(ApiStatusError):
    """400: APIMart refused the request as sent (a wrong value, or a token that is not usable)."""


class AuthenticationError(ApiStatusError):
    """401: the API key was refused (or is missing, or cannot be sent: `code` "invalid_key_format")."""


class InsufficientBalanceError(ApiStatusError):
    """402: the account balance is too low."""


class NotFoundError(ApiStatusError):
    """404: no such task (or it belongs to another key)."""


class RateLimitError(ApiStatusError):
    """429: too many requests; `retry_after` is the server's requested wait in seconds, when given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiStatusError):
    """5xx: a problem on APIMart's side, usually temporary."""


class MalformedResponseError(ApimartError):
    """The answer was not JSON, or not the shape the contract describes."""

    def __init__(self, message: str, *, body: Any = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.body = body
        self.status_code = status_code


class NotReadyError(ApimartError):
    """A task the caller needs finished (a verification link, a verification result) is still running:
    nothing failed, ask again in a moment (`task_id` says which task to read)."""

    def __init__(self, task_id: str, status: str, what: str) -> None:
        super().__init__(f"The {what} in task {task_id} is not ready yet ({status}).")
        self.task_id = task_id
        self.status = status
        self.what = what


class TaskFailedError(ApimartError):
    """A task ended `failed` (or `cancelled`) where the caller needed it to succeed; `step` names what
    the task was ("verification_session", "verification_result" or None)."""

    def __init__(self, task: Task, message: str | None = None, *, step: str | None = None) -> None:
        reason = ""
        if task.error is not None:
            reason = ": " + ", ".join(p for p in (task.error.code, task.error.message) if p)
        super().__init__(message or f"Task {task.id} ended {task.status}{reason}.")
        self.task = task
        self.step = step


class WaitTimeoutError(ApimartError):
    """A task was still running when the wait gave up; it may still finish later."""

    def __init__(self, task_id: str, waited: float, task: Task | None = None) -> None:
        status = task.status if task is not None else "unfinished"
        super().__init__(f"Task {task_id} was still {status} after {waited:.0f} s.")
        self.task_id = task_id
        self.waited = waited
        self.task = task


class PartialSubmitError(ApimartError):
    """Some batches of a submission were accepted, then one failed: `submitted` holds the tasks created
    (so no id is ever lost) and `cause` the error that stopped the rest."""

    def __init__(
        self, submitted: Sequence[SubmittedTask], cause: ApimartError, *, sent: int, total: int
    ) -> None:
        super().__init__(
            f"Only {sent} of {total} assets were sent ({len(submitted)} batch(es) accepted), then: {cause.message}"
        )
        self.submitted = list(submitted)
        self.cause = cause
        self.maybe_sent = cause.maybe_sent
        self.sent = sent
        self.total = total


# --- building status errors from a response -------------------------------------------------------

_STATUS_TEXT = {
    400: "APIMart refused the request",
    401: "APIMart did not accept the API key",
    402: "The APIMart account balance is too low for this request",
    403: "This API key is not allowed to do that",
    404: "APIMart could not find that task",
    408: "APIMart timed out handling the request",
    429: "APIMart is limiting the request rate",
}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """(code, message, type) from any of the error shapes APIMart may send:
    `{"error": {"code", "message", "type"}}`, `{"error": "text"}`, `{"code": 4xx, "message"}`, `{"msg"}`."""
    if isinstance(body, str):
        # A short plain-text body is a message; an HTML error page or a long dump is not readable.
        text = body.strip()
        readable = text and len(text) <= 300 and "<" not in text
        return None, (text if readable else None), None
    if not isinstance(body, Mapping):
        return None, None, None
    code = message = kind = None
    error = body.get("error")
    if isinstance(error, Mapping):
        code = _text(error.get("code"))
        message = _text(error.get("message")) or _text(error.get("msg"))
        kind = _text(error.get("type"))
    elif isinstance(error, str):
        message = _text(error)
    code = code or _text(body.get("code"))
    message = message or _text(body.get("message")) or _text(body.get("msg")) or _text(body.get("detail"))
    kind = kind or _text(body.get("type"))
    return code, message, kind


def error_class_for(status_code: int) -> type[ApiStatusError]:
    if status_code >= 500:
        return ServerError
    return {
        400: BadRequestError,
        401: AuthenticationError,
        402: InsufficientBalanceError,
        404: NotFoundError,
        429: RateLimitError,
    }.get(status_code, ApiStatusError)


def status_error(
    status_code: int,
    body: Any,
    *,
    retry_after: float | None = None,
    request_id: str | None = None,
) -> ApiStatusError:
    """The error for an HTTP error status; `body` must already be scrubbed of the key."""
    code, server_message, _ = parse_error_body(body)
    if status_code >= 500:
        base = f"APIMart had a problem on its side (HTTP {status_code})"
    else:
        base = _STATUS_TEXT.get(status_code, f"APIMart answered with HTTP {status_code}")
    message = f"{base}: {server_message}" if server_message else f"{base}."
    cls = error_class_for(status_code)
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "code": code,
        "body": body,
        "request_id": request_id,
        "upstream_message": server_message,
    }
    if cls is RateLimitError:
        kwargs["retry_after"] = retry_after
    return cls(message, **kwargs)
