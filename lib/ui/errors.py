"""What to do next after a client error, in the operator's words. The client's errors carry facts only
(status, code, upstream words, retry_after, task id, maybe_sent); every sentence of advice lives here:
`hint_for` (the error alone) and `what_to_do` (what error_slot.show_error adds under the message)."""

from __future__ import annotations

from lib.apimart import errors as e
from lib.ui.text import literal
from lib.ui.when import span

MAYBE_CARRIED_OUT = (
    "The request may still have been carried out: check the task list before sending it again, so nothing "
    "is created twice."
)
_STATUS_HINTS = {
    400: "Check the values you entered (URLs, group id, token), then try again.",
    403: "Check the key's permissions on apimart.ai.",
    404: "Check the id. A task can only be read with the API key that created it.",
    408: "Try again in a moment.",
}
_TASK_FAILED_HINTS = {
    "verification_session": "Create a new verification session (the old link and token cannot be used).",
    "verification_result": "The person must verify again: create a new session.",
}


def _connection_hint(error: e.ApiConnectionError) -> str:
    if error.reason == "address":
        return "Check APIMART_BASE_URL (for example https://api.apimart.ai)."
    if error.maybe_sent:
        return MAYBE_CARRIED_OUT
    if error.reason == "connect":
        return "Check the internet connection and the API address (APIMART_BASE_URL), then try again."
    if error.reason == "connect_timeout":
        return "Check the internet connection, then try again."
    return "Try again in a moment."


def _status_hint(error: e.ApiStatusError) -> str:
    if isinstance(error, e.AuthenticationError):
        if error.code == "invalid_key_format":
            return "Copy the key again from apimart.ai without extra characters."
        return "Check the API key (sidebar or APIMART_API_KEY), then try again."
    if isinstance(error, e.InsufficientBalanceError):
        return "Top up the balance on apimart.ai, then try again: nothing you entered is lost."
    if isinstance(error, e.RateLimitError):
        return (
            f"Wait about {error.retry_after:g} s, then try again."
            if error.retry_after
            else ("Wait a little, then try again.")
        )
    if isinstance(error, e.ServerError):
        return "This is usually temporary: try again in a moment. Nothing you entered is lost."
    if isinstance(error, e.BadRequestError | e.NotFoundError):
        return _STATUS_HINTS[error.status_code]
    return _STATUS_HINTS.get(error.status_code, "")


def _own_hint(error: e.ApimartError) -> str:
    if isinstance(error, e.ApiConnectionError):
        return _connection_hint(error)
    if isinstance(error, e.ApiStatusError):
        return _status_hint(error)
    if isinstance(error, e.MalformedResponseError):
        return (
            "Try again in a moment. If it keeps happening, APIMart may have changed its API: "
            "open the raw response and report it."
        )
    if isinstance(error, e.NotReadyError):
        return "APIMart is still preparing it: ask again in a moment (nothing was lost)."
    if isinstance(error, e.TaskFailedError):
        return _TASK_FAILED_HINTS.get(
            error.step or "", "Start that step again; the details are in the raw response."
        )
    if isinstance(error, e.WaitTimeoutError):
        return "It may still finish: check it again later with its id (nothing was lost)."
    if isinstance(error, e.PartialSubmitError):
        cause = hint_for(error.cause)
        return (
            "The accepted assets are under review. "
            + (cause + " " if cause else "")
            + ("Then submit the remaining assets again.")
        )
    return ""


def hint_for(error: e.ApimartError) -> str:
    """One or two sentences on what to do next after `error` ("" when there is nothing to add)."""
    hint = _own_hint(error)
    if error.task_id and not isinstance(error, e.NotReadyError | e.WaitTimeoutError):
        # Only reading a verification result sets a task id on a plain error: the group id is safe there.
        hint = (hint + " " if hint else "") + (
            f"The verification result is kept in task {error.task_id}: read it again later rather than "
            "verifying again."
        )
    return hint


def what_to_do(error: e.ApimartError, again: str, unsafe: bool) -> str:
    """The line show_error puts under the message: `again` says how this page tries again; `unsafe` when
    the request may have been carried out and a repeat is not harmless."""
    if unsafe:
        # Never "press Retry" here: the request may have been carried out, and a repeat could pay twice.
        return (
            "The request may have reached APIMart before the answer was lost. Nothing is sent again by "
            "itself: decide below what to do with it."
        )
    if isinstance(error, e.AuthenticationError) and error.code != "invalid_key_format":
        return "APIMart did not accept the API key: check the key in the sidebar (or APIMART_API_KEY)."
    if isinstance(error, e.InsufficientBalanceError):
        return "Top up the APIMart balance, then try again: nothing you entered is lost."
    if isinstance(error, e.RateLimitError):
        wait = f" in about {span(error.retry_after)}" if error.retry_after else " in a moment"
        return f"APIMart asked us to slow down: try again{wait}."
    if isinstance(error, e.ServerError) or (
        isinstance(error, e.ApiConnectionError) and error.reason != "address"
    ):
        return f"This is usually temporary: {again}. Nothing you entered or sent is lost."
    return literal(hint_for(error))
