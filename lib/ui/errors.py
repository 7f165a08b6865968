"""What to do next after a client error, in the operator's words. The client's errors carry facts only
(status, code, upstream words, retry_after, task id, maybe_sent); every sentence of advice lives here:
`hint_for` (the error alone) and `what_to_do` (what error_slot.show_error adds under the message). Both take
the operator's translator `_` (English when none is given)."""

from __future__ import annotations

from lib.apimart import errors as e
from lib.i18n import N_, Translator, translator
from lib.i18n.formats import duration
from lib.ui.text import literal
from lib.ui.when import span

ENGLISH = translator("en")

MAYBE_CARRIED_OUT = N_(
    "The request may still have been carried out: check the task list before sending it again, so nothing "
    "is created twice."
)
_STATUS_HINTS = {
    400: N_("Check the values you entered (URLs, group id, token), then try again."),
    403: N_("Check the key's permissions on apimart.ai."),
    404: N_("Check the id. A task can only be read with the API key that created it."),
    408: N_("Try again in a moment."),
}
_TASK_FAILED_HINTS = {
    "verification_session": N_("Create a new verification session (the old link and token cannot be used)."),
    "verification_result": N_("The person must verify again: create a new session."),
}


def _span(seconds: float, _: Translator) -> str:
    """"40 s" in English (lib.ui.when.span), the locale's own words otherwise ("40秒")."""
    return span(seconds) if _.locale == "en" else duration(seconds, _.locale)


def _connection_hint(error: e.ApiConnectionError, _: Translator) -> str:
    if error.reason == "address":
        return _("Check APIMART_BASE_URL (for example https://api.apimart.ai).")
    if error.maybe_sent:
        return _(MAYBE_CARRIED_OUT)
    if error.reason == "connect":
        return _("Check the internet connection and the API address (APIMART_BASE_URL), then try again.")
    if error.reason == "connect_timeout":
        return _("Check the internet connection, then try again.")
    return _("Try again in a moment.")


def _status_hint(error: e.ApiStatusError, _: Translator) -> str:
    if isinstance(error, e.AuthenticationError):
        if error.code == "invalid_key_format":
            return _("Copy the key again from apimart.ai without extra characters.")
        return _("Check the API key (sidebar or APIMART_API_KEY), then try again.")
    if isinstance(error, e.InsufficientBalanceError):
        return _("Top up the balance on apimart.ai, then try again: nothing you entered is lost.")
    if isinstance(error, e.RateLimitError):
        return (
            _("Wait about {seconds} s, then try again.").format(seconds=f"{error.retry_after:g}")
            if error.retry_after
            else _("Wait a little, then try again.")
        )
    if isinstance(error, e.ServerError):
        return _("This is usually temporary: try again in a moment. Nothing you entered is lost.")
    if isinstance(error, e.BadRequestError | e.NotFoundError):
        return _(_STATUS_HINTS[error.status_code])
    hint = _STATUS_HINTS.get(error.status_code, "")
    return _(hint) if hint else ""


def _own_hint(error: e.ApimartError, _: Translator) -> str:
    if isinstance(error, e.ApiConnectionError):
        return _connection_hint(error, _)
    if isinstance(error, e.ApiStatusError):
        return _status_hint(error, _)
    if isinstance(error, e.MalformedResponseError):
        return _(
            "Try again in a moment. If it keeps happening, APIMart may have changed its API: "
            "open the raw response and report it."
        )
    if isinstance(error, e.NotReadyError):
        return _("APIMart is still preparing it: ask again in a moment (nothing was lost).")
    if isinstance(error, e.TaskFailedError):
        hint = _TASK_FAILED_HINTS.get(error.step or "")
        return _(hint) if hint else _("Start that step again; the details are in the raw response.")
    if isinstance(error, e.WaitTimeoutError):
        return _("It may still finish: check it again later with its id (nothing was lost).")
    if isinstance(error, e.PartialSubmitError):
        cause = hint_for(error.cause, _)
        if cause:
            return _("The accepted assets are under review. {cause} Then submit the remaining assets again.").format(
                cause=cause
            )
        return _("The accepted assets are under review. Then submit the remaining assets again.")
    return ""


def hint_for(error: e.ApimartError, _: Translator = ENGLISH) -> str:
    """One or two sentences on what to do next after `error` ("" when there is nothing to add)."""
    hint = _own_hint(error, _)
    if error.task_id and not isinstance(error, e.NotReadyError | e.WaitTimeoutError):
        # Only reading a verification result sets a task id on a plain error: the group id is safe there.
        kept = _(
            "The verification result is kept in task {task}: read it again later rather than verifying again."
        ).format(task=error.task_id)
        hint = f"{hint} {kept}" if hint else kept
    return hint


def what_to_do(error: e.ApimartError, again: str, unsafe: bool, _: Translator = ENGLISH) -> str:
    """The line show_error puts under the message: `again` says how this page tries again; `unsafe` when
    the request may have been carried out and a repeat is not harmless."""
    if unsafe:
        # Never "press Retry" here: the request may have been carried out, and a repeat could pay twice.
        return _(
            "The request may have reached APIMart before the answer was lost. Nothing is sent again by "
            "itself: decide below what to do with it."
        )
    if isinstance(error, e.AuthenticationError) and error.code != "invalid_key_format":
        return _("APIMart did not accept the API key: check the key in the sidebar (or APIMART_API_KEY).")
    if isinstance(error, e.InsufficientBalanceError):
        return _("Top up the APIMart balance, then try again: nothing you entered is lost.")
    if isinstance(error, e.RateLimitError):
        if error.retry_after:
            return _("APIMart asked us to slow down: try again in about {wait}.").format(
                wait=_span(error.retry_after, _)
            )
        return _("APIMart asked us to slow down: try again in a moment.")
    if isinstance(error, e.ServerError) or (
        isinstance(error, e.ApiConnectionError) and error.reason != "address"
    ):
        return _("This is usually temporary: {again}. Nothing you entered or sent is lost.").format(again=again)
    return literal(hint_for(error, _))
