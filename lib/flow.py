"""The workflow steps, each one call into the client plus the bookkeeping around it, written so that an
API failure never loses an id the user already holds. No Streamlit: pages call these."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from lib.apimart import (
    BATCH_SIZE,
    UNSUCCESSFUL_STATUSES,
    ApimartClient,
    ApimartError,
    AssetInput,
    BadRequestError,
    NotFoundError,
    VideoRequest,
)
from lib.assets import (
    EXTENSIONS,
    AssetRow,
    RowCheck,
    batches_by_type,
    check_rows,
    name_from_url,
    normalise_url,
    type_from_extension,
)
from lib.i18n import N_, Said, SaidList
from lib.ledger import FAILED, AssetLedger
from lib.store.codes import FINAL_VIDEO_STATUSES, SubmissionStatus, VerificationStatus, VideoStatus
from lib.store.workspace import Store
from lib.verification import SESSION_LIFETIME_S, VerificationAttempt

LOST_AFTER_404S = 3


class RefusedError(Exception):
    """The app refuses a step before calling the API (the message says why and what to do)."""


def start_session(
    client: ApimartClient,
    callback_url: str,
    language: str,
    *,
    now: float | None = None,
    lifetime: float = SESSION_LIFETIME_S,
    store: Store | None = None,
    session_task_id: str | None = None,
) -> VerificationAttempt:
    """A new verification session, its link and token read (the client blocks at most about a second).
    NotReadyError when the link is not ready yet: call again with its `task_id` as `session_task_id` to
    read that same session, never to create another."""
    if session_task_id:
        session = client.get_verification_session(session_task_id, language)
    else:
        session = client.start_verification(callback_url, language=language)
    attempt = VerificationAttempt(
        task_id=session.task_id,
        h5_link=session.h5_link,
        byted_token=session.byted_token,
        callback_url=callback_url,
        created_at=time.time() if now is None else now,
        lifetime=lifetime,
    )
    if store:
        store.verifications.record(attempt, VerificationStatus.WAITING)
    return attempt


def finish_verification(
    client: ApimartClient, attempt: VerificationAttempt, *, label: str = "", store: Store | None = None
) -> str:
    """Query the one-time token, only after a success signal. Returns the group id, saved at once: it
    is bound to a real person and is the most valuable thing the user holds."""
    if refusal := attempt.query_refusal():
        raise RefusedError(refusal)
    # A connection error propagates with the token unmarked: the request may not have arrived, so the
    # operator may retry.
    try:
        if attempt.result_task_id:
            result = client.read_verification_result(attempt.result_task_id)
        else:
            result = client.query_verification_result(attempt.byted_token)
    except ApimartError as error:
        if task_id := getattr(error, "task_id", None):
            # The token was accepted (and is spent); only reading its task failed. Keep the task, on
            # disk too, so a retry or a later session reads the group id instead of losing it.
            attempt.result_task_id = task_id
            if store:
                store.verifications.record(attempt, VerificationStatus.RESULT_UNREAD)
        elif isinstance(error, BadRequestError):
            # Upstream burns the token on a refused query: say so rather than invite a useless retry.
            attempt.queried = attempt.spent = True
            if store:
                store.verifications.record(attempt, VerificationStatus.USED)
        raise
    attempt.queried = True
    if store:
        store.people.save(result.group_id, label)
        store.verifications.record(attempt, VerificationStatus.USED, group_id=result.group_id)
    return result.group_id


def recover_verification(
    client: ApimartClient, session_task_id: str, result_task_id: str, *, store: Store, label: str = ""
) -> str:
    """Read a verification result left unread (stored as RESULT_UNREAD) from the task that holds it; the session's row is then marked used with its group id."""
    result = client.read_verification_result(result_task_id)
    store.people.save(result.group_id, label)
    store.verifications.mark_used(session_task_id, result.group_id)
    return result.group_id


@dataclass
class SubmitOutcome:
    sent_keys: list[int] = field(default_factory=list)
    unsent: list[AssetRow] = field(default_factory=list)  # rows that certainly did not go out: the draft
    error: ApimartError | None = None
    unknown_keys: list[int] = field(default_factory=list)  # may have been sent: never resent by itself
    # Asset keys another tab or server was sending already (it claimed them first): not sent from here.
    taken_elsewhere: list[int] = field(default_factory=list)


def _send_batches(
    client: ApimartClient,
    ledger: AssetLedger,
    batches: Sequence[tuple[str, str, list[AssetInput]]],
    store: Store | None,
) -> SubmitOutcome:
    """Send staged (key, type, assets) batches (each already on disk with its Idempotency-Key) one request
    each, in order, each with its own asset type. A batch answered is under review; one whose answer was
    lost is UNKNOWN and never sent again here; after any failure the later batches stay unsent and go back
    to the draft."""
    outcome = SubmitOutcome()
    records = _record_submission_start(ledger, batches, store)
    task_ids: dict[str, list[str]] = {kind: [] for kind in records}
    troubled: dict[str, str] = {}  # type -> "unknown" or "failed": a batch of it did not plainly go out
    for send_key, asset_type, items in batches:
        if outcome.error is not None:
            outcome.unsent += _unstage(ledger, send_key, store)
            troubled.setdefault(asset_type, "failed")
            continue
        try:
            task = client.submit_batch(ledger.group_id, items, asset_type, idempotency_key=send_key)
        except ApimartError as error:
            outcome.error = error
            if error.maybe_sent:
                outcome.unknown_keys += ledger.mark_unknown(send_key)
                troubled[asset_type] = "unknown"
            else:
                outcome.unsent += _unstage(ledger, send_key, store)
                troubled.setdefault(asset_type, "failed")
            continue
        task_ids.setdefault(asset_type, []).append(task.id)
        outcome.sent_keys += ledger.confirm(send_key, task)
    if store:
        store.assets.save_ledger(ledger)
        for kind, record in records.items():
            _record_submission_end(
                store, ledger.group_id, record, task_ids.get(kind, []), troubled.get(kind), outcome.error
            )
    return outcome


def _draft_row(name: str, url: str, asset_type: str) -> AssetRow:
    # Back in the table, a row keeps the type it was to be sent as; "Auto" when its extension says as much.
    return AssetRow(url, name, "" if type_from_extension(url) == asset_type else asset_type)


def _unstage(ledger: AssetLedger, send_key: str, store: Store | None) -> list[AssetRow]:
    kinds = [a.asset_type or ledger.asset_type for _, a in ledger.attempts_sent_with(send_key)]
    rows = ledger.unstage(send_key)  # the same attempts, in the same order
    if store:
        store.assets.forget_attempts(ledger.group_id, send_key)
    return [_draft_row(name, url, kind) for (name, url), kind in zip(rows, kinds, strict=True)]


def _record_submission_start(
    ledger: AssetLedger, batches: Sequence[tuple[str, str, list]], store: Store | None
) -> dict[str, int | None]:
    """One submission record per asset type (a mixed list goes out as one request per type)."""
    counts: dict[str, int] = {}
    for _, kind, items in batches:
        counts[kind] = counts.get(kind, 0) + len(items)
    if not store:
        return dict.fromkeys(counts)
    return {kind: store.submissions.start(ledger.group_id, kind, count) for kind, count in counts.items()}


def _record_submission_end(
    store: Store, group_id: str, record: int | None, task_ids: list[str], trouble: str | None, error
) -> None:
    status = (
        SubmissionStatus.SENT
        if trouble is None
        else (
            SubmissionStatus.UNKNOWN
            if trouble == "unknown"
            else SubmissionStatus.PARTIAL
            if task_ids
            else SubmissionStatus.FAILED
        )
    )
    store.submissions.finish(group_id, record, task_ids, status, error.message if trouble and error else "")


def _write_ahead(ledger: AssetLedger, store: Store | None, staged: Sequence = ()) -> tuple[list, list[int]]:
    """Every row is on disk with its request's key before the first request goes out: a crash mid-send
    leaves rows that read as "may have been sent", never nothing. A staged (key, type, items) batch holding
    an attempt another tab or server claimed first (Assets.save_ledger) is taken back, unsent (the store
    keeps the other's rows). Returns the batches to send and the asset keys taken elsewhere."""
    taken = store.assets.save_ledger(ledger) if store else set()
    if not taken:
        return list(staged), []
    kept, elsewhere = [], []
    for batch in staged:
        pairs = ledger.attempts_sent_with(batch[0])
        if any((asset.key, attempt.number) in taken for asset, attempt in pairs):
            elsewhere += [asset.key for asset, attempt in pairs if (asset.key, attempt.number) in taken]
            _unstage(ledger, batch[0], store)
        else:
            kept.append(batch)
    return kept, elsewhere


def _send_staged(
    client: ApimartClient, ledger: AssetLedger, staged: Sequence, store: Store | None
) -> SubmitOutcome:
    """Write the staged batches ahead, then send those no other tab or server claimed first."""
    staged, elsewhere = _write_ahead(ledger, store, staged)
    outcome = _send_batches(client, ledger, staged, store)
    outcome.taken_elsewhere = elsewhere
    return outcome


def submit_rows(
    client: ApimartClient,
    ledger: AssetLedger,
    checks: Sequence[RowCheck],
    asset_type: str = "",
    *,
    store: Store | None = None,
) -> SubmitOutcome:
    """Send the checked rows (all must be valid) as one request per asset type (each row's own, or
    `asset_type` for a row that carries none), at most 20 assets a request, each written ahead with its
    key."""
    if not checks:
        raise RefusedError(Said(N_("There is nothing to submit: add at least one asset URL.")))
    if bad := [c for c in checks if not c.ok]:
        raise RefusedError(
            Said.ngettext(
                "{n} row has problems: fix or remove it first. Nothing was sent.",
                "{n} rows have problems: fix or remove them first. Nothing was sent.",
                len(bad),
            )
        )
    kinds = [c.asset_type or asset_type for c in checks]
    if any(k not in EXTENSIONS for k in kinds):
        raise RefusedError(Said(N_("Choose Image or Video for every row first. Nothing was sent.")))
    if len(set(kinds)) == 1:
        ledger.asset_type = kinds[0]
    staged = []
    for kind, batch in batches_by_type(
        [(k, (c.name, c.url)) for k, c in zip(kinds, checks, strict=True)], BATCH_SIZE
    ):
        send_key = new_send_key()
        # Keys no other page or server sending for this person uses (its ledger counts from 0 too).
        own = max(ledger.assets, default=-1) + 1
        start = store.assets.reserve_keys(ledger.group_id, len(batch), own) if store is not None else own
        ledger.stage_new(batch, send_key, kind, start)
        staged.append((send_key, kind, [AssetInput(url, name) for name, url in batch]))
    return _send_staged(client, ledger, staged, store)


def resubmit(
    client: ApimartClient,
    ledger: AssetLedger,
    replacements: dict[int, str],
    *,
    names: dict[int, str] | None = None,
    store: Store | None = None,
    hosted: Collection[str] = (),
) -> SubmitOutcome:
    """Resubmit failed assets to the same group, each with its old or a replaced URL. `names`: names the
    operator typed for them; without one, an asset whose URL is replaced takes the new URL's name (unless
    its old name was typed rather than taken from its old URL); its earlier attempts keep their names.
    `hosted`: URLs of files the app hosts itself (lib.assets.check_rows)."""
    keys = [k for k in replacements if k in ledger.assets and ledger.assets[k].status == FAILED]
    if not keys:
        raise RefusedError(Said(N_("Select at least one failed asset to resubmit.")))
    typed = names or {}
    checks = check_rows(
        [
            AssetRow(
                replacements[k].strip(),
                _resubmit_name(ledger, k, replacements[k], typed.get(k, "")),
                ledger.type_of(k),  # sent again as the type it was sent as
            )
            for k in keys
        ],
        ledger.asset_type,
        hosted=hosted,
    )
    if bad := [(k, c) for k, c in zip(keys, checks, strict=True) if not c.ok]:
        listed = SaidList(
            Said(N_("{name} ({reason})"), name=ledger.assets[k].name, reason=SaidList(c.problems, "; "))
            for k, c in bad
        )
        raise RefusedError(Said(N_("Fix these replacement URLs first: {listed}. Nothing was sent."), listed=listed))
    name_of = {k: c.name for k, c in zip(keys, checks, strict=True)}
    staged = []
    for kind, batch in batches_by_type(
        [(c.asset_type, (k, c.url)) for k, c in zip(keys, checks, strict=True)], BATCH_SIZE
    ):
        send_key = new_send_key()
        ledger.stage_retry(batch, send_key, names={k: name_of[k] for k, _ in batch})
        staged.append((send_key, kind, [AssetInput(url, ledger.assets[k].name) for k, url in batch]))
    return _send_staged(client, ledger, staged, store)


def _resubmit_name(ledger: AssetLedger, key: int, url: str, typed: str) -> str:
    """The name a resubmitted asset goes out under ("" lets check_rows take it from the URL)."""
    asset = ledger.assets[key]
    if typed.strip():
        return typed.strip()
    old_url = asset.current.url
    if normalise_url(url.strip())[0] == old_url:
        return asset.name  # the same file again: the same name
    if asset.name != name_from_url(old_url):
        return asset.name  # a name the operator gave it, not one read off the old URL
    return ""


def send_again(
    client: ApimartClient, ledger: AssetLedger, send_key: str, *, store: Store | None = None
) -> SubmitOutcome:
    """The operator's explicit choice for a send whose outcome is unknown: send the same assets again with
    the same Idempotency-Key (an upstream that honours it answers with the first task instead of a copy)."""
    pairs = ledger.mark_sending(send_key)
    if not pairs:
        raise RefusedError(Said(N_("Those assets are settled already: nothing to send.")))
    _write_ahead(ledger, store)
    items = [AssetInput(attempt.url, attempt.name or asset.name) for asset, attempt in pairs]
    # One send carries one type: the type it was first sent as.
    kind = next((a.asset_type for _, a in pairs if a.asset_type), ledger.asset_type)
    return _send_batches(client, ledger, [(send_key, kind, items)], store)


def put_back(ledger: AssetLedger, send_key: str, *, store: Store | None = None) -> list[AssetRow]:
    """The operator's other choice: do not send them again; the rows go back to the draft, to be sent
    later or dropped. The app will not send them by itself either way."""
    rows = _unstage(ledger, send_key, store)
    if store:
        store.assets.save_ledger(ledger)
    return rows


def new_send_key() -> str:
    return str(uuid.uuid4())


def poll_reviews(
    client: ApimartClient, ledger: AssetLedger, *, store: Store | None = None
) -> list[ApimartError]:
    """One non-blocking pass over the unfinished review tasks; errors are returned, not raised, so one
    flaky poll never hides the others' progress. The store is written only when a task finished, and then
    only the rows that changed (its assets and tasks: one write transaction, whatever the review's size)."""
    errors: list[ApimartError] = []
    finished = 0
    for task_id in ledger.pending_task_ids():
        task = ledger.tasks[task_id]
        try:
            ledger.apply_review(client.get_review(task_id))
            task.not_found = 0
            finished += task.final
        except NotFoundError as error:
            # One 404 may be a blip; several in a row mean the task is gone (purged, or another key's).
            task.not_found += 1
            if task.not_found >= LOST_AFTER_404S:
                ledger.lose_task(task_id)
                finished += 1
            else:
                errors.append(error)
        except ApimartError as error:
            errors.append(error)
    if store and finished:
        store.assets.save_ledger(ledger)
    return errors


@dataclass
class GenerationJob:
    """One video generation as the page shows it; mirrored in the store's videos table."""

    prompt: str
    model: str
    assets: list[str]
    params: dict
    created_at: float
    group_id: str = ""
    task_id: str | None = None
    status: str = VideoStatus.SUBMITTING
    progress: int = 0
    video_url: str | None = None
    expires_at: int | None = None
    error: str | None = None
    video_id: int | None = None
    send_key: str = ""
    # The API error of the last send, for the page to explain (not stored: `error` keeps its words).
    last_error: ApimartError | None = field(default=None, repr=False, compare=False)

    @property
    def final(self) -> bool:
        return self.status in FINAL_VIDEO_STATUSES

    @property
    def unsettled(self) -> bool:
        """It may have created a billable video that nothing tracks: the operator decides what next."""
        return not self.task_id and self.status in (VideoStatus.SUBMITTING, VideoStatus.UNKNOWN)

    @property
    def running(self) -> bool:
        return not self.final and not self.unsettled

    @classmethod
    def from_record(cls, row: dict) -> GenerationJob:
        """A job rebuilt from its stored row (lib.store.videos.Videos.unfinished), keeping the row's id
        so polling it again updates that same row."""
        status = row["status"]  # a send the app stopped during reads as UNKNOWN (lib.store.videos)
        return cls(
            row["prompt"],
            row["model"],
            list(row["assets"]),
            dict(row["params"]),
            row["created_at"],
            row["group_id"] or "",
            task_id=row["task_id"],
            status=status,
            error=row.get("error"),
            video_id=row["id"],
            send_key=row.get("send_key") or "",
        )


def submit_generation(
    client: ApimartClient,
    request,
    *,
    group_id: str = "",
    store: Store | None = None,
    now: float | None = None,
) -> GenerationJob:
    """Send a generation request (already checked with lib.generation.problems). The job and its
    Idempotency-Key are recorded before the POST, so a crash leaves a visible row; an answer lost on the
    way makes it UNKNOWN (maybe billed), never "not sent", and it is not sent again without the operator.
    API errors do not raise: the job's status says what happened and `last_error` why."""
    payload = request.to_payload()
    assets = [
        *payload.get("image_urls", []),
        *(r["url"] for r in payload.get("image_with_roles", [])),
        *payload.get("video_urls", []),
    ]
    params = {k: v for k, v in payload.items() if k not in ("prompt", "model")}
    job = GenerationJob(
        request.prompt,
        request.model,
        assets,
        params,
        time.time() if now is None else now,
        group_id,
        send_key=new_send_key(),
    )
    if store:
        job.video_id = store.videos.record(
            prompt=job.prompt,
            model=job.model,
            assets=assets,
            params=params,
            task_id=None,
            status=VideoStatus.SUBMITTING,
            group_id=group_id or None,
            send_key=job.send_key,
        )
    _post_generation(client, request, job, store)
    return job


def _post_generation(client: ApimartClient, request, job: GenerationJob, store: Store | None) -> None:
    # Errors are kept on the job, not raised: the row exists whatever happened, and the page shows both.
    try:
        task = client.generate_video(request, idempotency_key=job.send_key or None)
    except ApimartError as error:
        job.status = VideoStatus.UNKNOWN if error.maybe_sent else VideoStatus.NOT_SENT
        job.error, job.last_error = error.message, error
        _save_job(job, store)
        return
    job.task_id, job.status, job.error, job.last_error = task.id, task.status or "submitted", None, None
    _save_job(job, store)


def send_generation_again(client: ApimartClient, job: GenerationJob, *, store: Store | None = None) -> None:
    """Only on the operator's explicit "send again, I accept a possible second charge": the same request
    with the same Idempotency-Key, into the same row."""
    if not job.unsettled:
        raise RefusedError(Said(N_("This video is not waiting for a decision: nothing to send again.")))
    job.status = VideoStatus.SUBMITTING
    _save_job(job, store)
    _post_generation(client, rebuild_request(job), job, store)


def dismiss_generation(job: GenerationJob, *, store: Store | None = None) -> None:
    """The operator's other choice for an unknown outcome: do not send again (a video may still exist
    upstream; nothing here can find it without a task id)."""
    if job.unsettled:
        job.status = VideoStatus.DISMISSED
        _save_job(job, store)


def rebuild_request(job: GenerationJob) -> VideoRequest:
    """The request a recorded job was made from (its payload is kept as prompt, model and params)."""
    return RecordedVideoRequest({"prompt": job.prompt, "model": job.model, **job.params})


@dataclass(frozen=True)
class RecordedVideoRequest:
    payload: dict

    def to_payload(self) -> dict:
        return dict(self.payload)


def poll_generation(client: ApimartClient, job: GenerationJob, *, store: Store | None = None) -> None:
    """One non-blocking read of the job's task; API errors propagate, the job keeps its state."""
    if job.final or not job.task_id:
        return
    result = client.get_video(job.task_id)
    job.status, job.progress = result.task.status, result.task.progress or job.progress
    if result.task.status == "completed":
        job.video_url, job.expires_at = result.video_url, result.expires_at
    elif result.task.status in UNSUCCESSFUL_STATUSES:
        error = result.task.error
        job.error = (error.message or error.code) if error else "The generation failed without a reason."
    if job.final:
        _save_job(job, store)


def _save_job(job: GenerationJob, store: Store | None) -> None:
    if store and job.video_id is not None:
        store.videos.update(
            job.video_id,
            status=job.status,
            task_id=job.task_id,
            video_url=job.video_url,
            expires_at=job.expires_at,
            error=job.error,
        )
