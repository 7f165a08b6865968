"""Work whose outcome is unknown (a request that may have been carried out, its answer lost): shown as
"may have been sent", never as a plain retry, each with the operator's two choices. The app itself never
sends such work again: a repeated send could create assets twice or charge for a second video."""

from __future__ import annotations

import streamlit as st

from lib import flow
from lib.apimart import ApimartError
from lib.flow import GenerationJob
from lib.i18n import Translator
from lib.ledger import AssetLedger
from lib.submission_view import filled
from lib.ui import language, state, words
from lib.ui.components import asset_editor, error_slot
from lib.ui.text import literal

ERROR_KEY = "unsettled__error"


def _when(timestamp: float | None, _: Translator) -> str:
    return language.clock(timestamp) or _("earlier")


def _run(action, *args) -> None:
    """Run a settling action in a button callback; an API error is kept for the page to show."""
    st.session_state.pop(ERROR_KEY, None)
    try:
        action(*args)
    except (ApimartError, flow.RefusedError) as error:
        st.session_state[ERROR_KEY] = error


def _send_again(group_id: str, send_key: str) -> None:
    ledger = _working_ledger(group_id)
    # The same "sending" state as Submit: the client may wait out a 429's Retry-After before it goes.
    _ = language.translator()
    with error_slot.sending(words.assets_in(_, len(ledger.attempts_sent_with(send_key)), ledger.asset_type)):
        outcome = flow.send_again(state.client(), ledger, send_key, store=state.store())
    if outcome.unsent:  # refused outright this time: the rows go back to the table, never lost
        _to_draft(outcome.unsent)
    if outcome.error is not None:
        raise outcome.error


def _send_video_again(job: GenerationJob) -> None:
    _ = language.translator()
    with error_slot.sending(_("the video request")):
        flow.send_generation_again(state.client(), job, store=state.store())


def _put_back(group_id: str, send_key: str, go_to_submit: bool) -> None:
    ledger = _working_ledger(group_id)
    _to_draft(flow.put_back(ledger, send_key, store=state.store()))
    if go_to_submit:
        st.session_state["unsettled__to_submit"] = True


def _to_draft(rows) -> None:
    wf = state.workflow()
    asset_editor.reset(wf, filled(wf.draft) + list(rows))


def _working_ledger(group_id: str) -> AssetLedger:
    # Settling makes that person the working one, so the review (or the table) goes on where it belongs.
    wf = state.workflow()
    if wf.group_id != group_id:
        state.use_group(group_id)
    return wf.own_ledger()


def asset_sends(ledger: AssetLedger | None, *, key: str) -> None:
    """The sends of this ledger whose outcome is unknown, each with "send again" and "put back"."""
    if ledger is None:
        return
    # Walking every asset on each rerun costs a 2,000-asset review page its budget: once per ledger change.
    sends = state.cached_view(
        "unsettled_sends",
        (id(ledger), ledger.version),
        lambda: [(k, len(a), ", ".join(x.name for x in a)) for k, a in ledger.unsettled_sends().items()],
    )
    for send_key, count, names in sends:
        _asset_send_card(ledger.group_id, send_key, count, names, key=key)


def _asset_send_card(
    group_id: str, send_key: str, count: int, names: str, *, key: str, label="", since=None, elsewhere=False
):
    _ = language.translator()
    with st.container(border=True):
        what, at = words.sentence(words.assets_in(_, count)), _when(since, _)
        st.warning(
            (
                _(
                    "**{assets} for {name} may have been sent** ({time}): APIMart's answer did not arrive, so we "
                    "cannot tell whether it received them. The app will not send them again by itself."
                ).format(assets=what, name=literal(label), time=at)
                if label
                else _(
                    "**{assets} may have been sent** ({time}): APIMart's answer did not arrive, so we cannot tell "
                    "whether it received them. The app will not send them again by itself."
                ).format(assets=what, time=at)
            ),
            icon=":material/help:",
        )
        st.text(names)
        left, right = st.columns(2)
        left.button(
            _("Send them again"),
            key=f"{key}__again_{send_key}",
            on_click=_run,
            args=(_send_again, group_id, send_key),
            icon=":material/send:",
            help=_(
                "Sends the same assets with the same request key. If APIMart did receive them the first "
                "time, they may appear twice in this person's group."
            ),
        )
        right.button(
            _("Put them back in the table"),
            key=f"{key}__back_{send_key}",
            on_click=_run,
            args=(_put_back, group_id, send_key, elsewhere),
            icon=":material/undo:",
            help=_("Sends nothing. The rows go back to the Submit table, to send later or drop."),
        )


def video(job: GenerationJob, *, key: str) -> None:
    """A generation that may have created a billable video: send again only with explicit consent."""
    store = state.store()
    _ = language.translator()
    st.warning(
        _(
            "**This video may have been created, and charged**: APIMart's answer did not arrive, so it "
            "cannot be followed. The app will not send it again by itself."
        ),
        icon=":material/help:",
    )
    accepted = st.checkbox(
        _("Send again: I accept a possible second charge"), key=f"{key}__accept_{job.video_id}"
    )
    left, right = st.columns(2)
    left.button(
        _("Send again"),
        key=f"{key}__again_{job.video_id}",
        disabled=not accepted,
        on_click=_run,
        args=(_send_video_again, job),
        icon=":material/send:",
    )
    right.button(
        _("Don't send again"),
        key=f"{key}__dismiss_{job.video_id}",
        on_click=_run,
        args=(lambda: flow.dismiss_generation(job, store=store),),
        icon=":material/block:",
    )


def everything(*, key: str) -> int:
    """Every unknown outcome of this connection (any person, any earlier session), each with its
    choices; returns how many there are."""
    sends, waiting = state.unsettled()
    wf = state.workflow()
    held = {job.video_id: job for job in wf.videos}
    videos = []
    for row in waiting:
        if row["id"] not in held:
            wf.videos.append(GenerationJob.from_record(row))
            held[row["id"]] = wf.videos[-1]
        videos.append(held[row["id"]])
    if st.session_state.pop("unsettled__to_submit", False):
        # Checked before the early return below: the rows just put back were often the last card.
        st.switch_page("pages/submit.py")
    if not sends and not videos:
        return 0
    _ = language.translator()
    st.subheader(_("Needs your decision"))
    for send in sends:
        _asset_send_card(
            send["group_id"],
            send["send_key"] or "",
            send["assets"],
            send["names"] or "",
            key=key,
            label=send["label"] or send["group_id"],
            since=send["since"],
            elsewhere=True,
        )
    for job in videos:
        with st.container(border=True):
            st.text(_("Video · {model} · {prompt}").format(model=job.model, prompt=job.prompt[:120]))
            video(job, key=key)
    show_error()
    return len(sends) + len(videos)


def show_error() -> None:
    """The error of the last settling action, if it failed (once per page)."""
    if error := st.session_state.get(ERROR_KEY):
        error_slot.show_error(error)
