"""The error slot: one clear message with what to do next, the "sending" state around a POST, and the
facts support needs in a Details expander."""

from __future__ import annotations

import streamlit as st

from lib.apimart import ApimartError, RateLimitError
from lib.i18n import N_
from lib.ui import language
from lib.ui.errors import what_to_do
from lib.ui.text import code, literal

TRY_AGAIN = N_("try the same button again")


def sending(what: str):
    """A visible "sending" state around a POST: the client may wait out a 429's Retry-After (up to a
    minute) and send again by itself, and the operator should know the app is not stuck. `what` comes in the
    operator's language from the caller."""
    _ = language.translator()
    return st.spinner(
        _("Sending {what} to APIMart… If it asks us to slow down, we wait and retry by ourselves.").format(what=what)
    )


def show_error(
    error: ApimartError,
    *,
    retry_key: str | None = None,
    again: str = TRY_AGAIN,
    repeat_is_safe: bool = False,
) -> bool:
    """One clear message with what to do next; returns True when the operator pressed Retry. `again` says
    how this page tries again when it offers no Retry button (a poll asks again by itself). A request that
    may have been carried out gets no Retry unless `repeat_is_safe` (a second one creates nothing billed)."""
    _ = language.translator()
    text = f"**{literal(error.message)}**"  # upstream's words, shown as text
    unsafe = error.maybe_sent and not repeat_is_safe
    offered = bool(retry_key) and not unsafe
    if hint := what_to_do(error, _("press Retry") if offered else _(again), unsafe, _):
        text += f"  \n{hint}"
    if isinstance(error, RateLimitError):
        st.warning(text, icon=":material/hourglass_top:")
    else:
        st.error(text, icon=":material/error:")
    error_details(error)
    return offered and st.button(_("Retry"), key=retry_key, icon=":material/refresh:")


def error_details(error: ApimartError) -> None:
    """What support needs (HTTP status, APIMart's error code, request id), out of the way in an expander;
    nothing when the error carries none of them."""
    _ = language.translator()
    facts = [
        (name, value)
        for name, value in (
            (_("HTTP status"), getattr(error, "status_code", None)),
            (_("Error code"), getattr(error, "code", None)),
            (_("Request id"), getattr(error, "request_id", None)),
        )
        if value not in (None, "")
    ]
    if facts:
        with st.expander(_("Details")):
            st.markdown("  \n".join(f"{name}: {code(value)}" for name, value in facts))
