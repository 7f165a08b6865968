"""The client's error hierarchy and readable messages built from APIMart error bodies; no HTTP here, and
no message may ever contain the API key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.apimart.models import SubmittedTask, Task


class ApimartError(Exception):
    """Base of every error the client raises. `message` says what happened, `hint` what to do next."""

    retryable: bool = False
    # True when a POST may have been carried out although no answer says so (it timed out, the connection
    # broke, the server failed after receiving it, the answer was unreadable): sending it again could pay
    # twice, so callers treat the outcome as unknown rather than "not sent".
    maybe_sent: bool = False

    def __init__(self, message: str, *, hint: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiConnectionError(ApimartError):
    """APIMart could not be reached, or the connection broke before a full answer arrived."""

    retryable = True


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
        hint: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, hint=hint, retryable=retryable)
        self.status_code = status_code
        self.code = code
        self.body = body
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, message={self.message!r})"


class BadRequestError(ApiStatusError):
    """400: APIMart refused the request as sent (a wrong value, or a token that is not usable)."""


class AuthenticationError(ApiStatusError):
    """401: the API key was refused (or is missing)."""


class InsufficientBalanceError(ApiStatusError):
    """402: the account balance is too low."""


class NotFoundError(ApiStatusError):
    """404: no such task (or it belongs to another key)."""


class RateLimitError(ApiStatusError):
    """429: too many requests; `retry_after` is the server's requested wait in seconds, when given."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiStatusError):
    """5xx: a problem on APIMart's side, usually temporary."""

    retryable = True


class MalformedResponseError(ApimartError):
    """The answer was not JSON, or not the shape the contract describes."""

    def __init__(
        self, message: str, *, body: Any = None, status_code: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(
            message,
            hint=hint
            or "Try again in a moment. If it keeps happening, APIMart may have changed its API: "
            "open the raw response and report it.",
        )
        self.body = body
        self.status_code = status_code


class TaskFailedError(ApimartError):
    """A task ended `failed` (or `cancelled`) where the caller needed it to succeed."""

    def __init__(self, task: Task, message: str | None = None, *, hint: str | None = None) -> None:
        reason = ""
        if task.error is not None:
            reason = ": " + ", ".join(p for p in (task.error.code, task.error.message) if p)
        super().__init__(
            message or f"Task {task.id} ended {task.status}{reason}.",
            hint=hint or "Start that step again; the details are in the raw response.",
        )
        self.task = task


class WaitTimeoutError(ApimartError):
    """A task was still running when the wait gave up; it may still finish later."""

    retryable = True

    def __init__(self, task_id: str, waited: float, task: Task | None = None) -> None:
        status = task.status if task is not None else "unfinished"
        super().__init__(
            f"Task {task_id} was still {status} after {waited:.0f} s.",
            hint="It may still finish: check it again later with its id (nothing was lost).",
        )
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
            f"Only {sent} of {total} assets were sent ({len(submitted)} batch(es) accepted), then: {cause.message}",
            hint="The accepted assets are under review. "
            + (cause.hint + " " if cause.hint else "")
            + "Then submit the remaining assets again.",
            retryable=cause.retryable,
        )
        self.submitted = list(submitted)
        self.cause = cause
        self.maybe_sent = cause.maybe_sent
        self.sent = sent
        self.total = total


# --- building status errors from a response -------------------------------------------------------

_STATUS_TEXT = {
    400: (
        "APIMart refused the request",
        "Check the values you entered (URLs, group id, token), then try again.",
    ),
    401: (
        "APIMart did not accept the API key",
        "Check the API key (sidebar or APIMART_API_KEY), then try again.",
    ),
    402: (
        "The APIMart account balance is too low for this request",
        "Top up the balance on apimart.ai, then try again: nothing you entered is lost.",
    ),
    403: ("This API key is not allowed to do that", "Check the key's permissions on apimart.ai."),
    404: (
        "APIMart could not find that task",
        "Check the id. A task can only be read with the API key that created it.",
    ),
    408: ("APIMart timed out handling the request", "Try again in a moment."),
    429: ("APIMart is limiting the request rate", "Wait a little, then try again."),
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
        base, hint = (
            f"APIMart had a problem on its side (HTTP {status_code})",
            "This is usually temporary: try again in a moment. Nothing you entered is lost.",
        )
    else:
        base, hint = _STATUS_TEXT.get(status_code, (f"APIMart answered with HTTP {status_code}", None))
    if status_code == 429 and retry_after:
        hint = f"Wait about {retry_after:g} s, then try again."
    message = f"{base}: {server_message}" if server_message else f"{base}."
    cls = error_class_for(status_code)
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "code": code,
        "body": body,
        "request_id": request_id,
        "hint": hint,
    }
    if cls is RateLimitError:
        kwargs["retry_after"] = retry_after
    if cls is ApiStatusError:
        kwargs["retryable"] = status_code in (408, 425)
    return cls(message, **kwargs)
