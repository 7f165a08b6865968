"""The workflow steps, each one call into the client plus the bookkeeping around it, written so that an
API failure never loses an id the user already holds. No Streamlit: pages call these."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from lib.apimart import (
    ApimartClient,
    ApimartError,
    AssetInput,
    BadRequestError,
    NotFoundError,
    PartialSubmitError,
)
from lib.assets import AssetRow, RowCheck, check_rows
from lib.ledger import FAILED, AssetLedger
from lib.registry import FINAL_VIDEO_STATUSES, RESULT_UNREAD, Journal
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
    journal: Journal | None = None,
) -> VerificationAttempt:
    session = client.start_verification(callback_url, language=language)
    attempt = VerificationAttempt(
        task_id=session.task_id,
        h5_link=session.h5_link,
        byted_token=session.byted_token,
        callback_url=callback_url,
        created_at=time.time() if now is None else now,
        lifetime=lifetime,
    )
    if journal:
        journal.record_verification(attempt, "waiting")
    return attempt


def finish_verification(
    client: ApimartClient, attempt: VerificationAttempt, *, label: str = "", journal: Journal | None = None
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
            if journal:
                journal.record_verification(attempt, RESULT_UNREAD)
        elif isinstance(error, BadRequestError):
            # Upstream burns the token on a refused query: say so rather than invite a useless retry.
            attempt.queried = True
            if journal:
                journal.record_verification(attempt, "used")
        raise
    attempt.queried = True
    if journal:
        journal.save_person(result.group_id, label)
        journal.registry.record_verification(
            journal.scope,
            attempt.task_id,
            "used",
            created_at=attempt.created_at,
            expires_at=attempt.expires_at,
            outcome=attempt.outcome,
            group_id=result.group_id,
        )
    return result.group_id


def recover_verification(
    client: ApimartClient, session_task_id: str, result_task_id: str, *, journal: Journal, label: str = ""
) -> str:
    """Read a verification result left unread (a registry row in RESULT_UNREAD) from the task that holds
    it; the session's row is then marked used with its group id."""
    result = client.read_verification_result(result_task_id)
    journal.save_person(result.group_id, label)
    journal.registry.mark_verification_used(journal.scope, session_task_id, result.group_id)
    return result.group_id


@dataclass
class SubmitOutcome:
    sent_keys: list[int] = field(default_factory=list)
    unsent: list[AssetRow] = field(default_factory=list)  # rows to keep in the draft
    error: ApimartError | None = None


def _send(
    client: ApimartClient,
    ledger: AssetLedger,
    items: Sequence[AssetInput],
    journal: Journal | None,
    kind: str,
) -> tuple[list, ApimartError | None]:
    """One logical submit (the client splits it into requests of 20), recorded write-ahead."""
    detail = {"group_id": ledger.group_id, "asset_type": ledger.asset_type, "assets": len(items)}
    if journal is None:
        return _post(client, ledger, items)
    with journal.intent(kind, detail) as outcome:
        tasks, error = _post(client, ledger, items)
        outcome["text"] = f"{len(tasks)} task(s) created" + (
            f"; then failed: {error.message}" if error else ""
        )
        journal.registry.record_submission(
            journal.scope,
            ledger.group_id,
            ledger.asset_type,
            [t.id for t in tasks],
            "partial" if tasks and error else ("failed" if error else "sent"),
            error.message if error else "",
        )
    return tasks, error


def _post(
    client: ApimartClient, ledger: AssetLedger, items: Sequence[AssetInput]
) -> tuple[list, ApimartError | None]:
    try:
        return client.submit_assets(ledger.group_id, items, ledger.asset_type), None
    except PartialSubmitError as partial:
        return partial.submitted, partial
    except ApimartError as failure:
        return [], failure


def submit_rows(
    client: ApimartClient,
    ledger: AssetLedger,
    checks: Sequence[RowCheck],
    asset_type: str,
    *,
    journal: Journal | None = None,
) -> SubmitOutcome:
    """Send the checked rows (all must be valid). Rows of a batch that did not go out come back in
    `unsent`, and every task that was created is recorded, even when a later batch fails."""
    if not checks:
        raise RefusedError("There is nothing to submit: add at least one asset URL.")
    if bad := [c for c in checks if not c.ok]:
        raise RefusedError(f"{len(bad)} row(s) have problems: fix or drop them first. Nothing was sent.")
    ledger.asset_type = asset_type
    rows = [(c.name, c.url) for c in checks]
    tasks, error = _send(client, ledger, [AssetInput(url, name) for name, url in rows], journal, "submit")
    keys = ledger.add_submission(rows, tasks)
    if journal:
        journal.save_ledger(ledger)
    unsent = [AssetRow(url, name) for name, url in rows[len(keys) :]]
    return SubmitOutcome(keys, unsent, error)


def resubmit(
    client: ApimartClient,
    ledger: AssetLedger,
    replacements: dict[int, str],
    *,
    journal: Journal | None = None,
) -> SubmitOutcome:
    """Resubmit failed assets to the same group, each with its old or a replaced URL."""
    keys = [k for k in replacements if k in ledger.assets and ledger.assets[k].status == FAILED]
    if not keys:
        raise RefusedError("Select at least one failed asset to resubmit.")
    checks = check_rows(
        [AssetRow(replacements[k].strip(), ledger.assets[k].name) for k in keys], ledger.asset_type
    )
    if bad := [(k, c) for k, c in zip(keys, checks, strict=True) if not c.ok]:
        names = ", ".join(f"{ledger.assets[k].name} ({c.reason})" for k, c in bad)
        raise RefusedError(f"Fix these replacement URLs first: {names}. Nothing was sent.")
    items = [(k, c.url) for k, c in zip(keys, checks, strict=True)]
    inputs = [AssetInput(url, ledger.assets[k].name) for k, url in items]
    tasks, error = _send(client, ledger, inputs, journal, "resubmit")
    sent = ledger.add_resubmission(items, tasks)
    if journal:
        journal.save_ledger(ledger)
    return SubmitOutcome(sent, [], error)


def poll_reviews(
    client: ApimartClient, ledger: AssetLedger, *, journal: Journal | None = None
) -> list[ApimartError]:
    """One non-blocking pass over the unfinished review tasks; errors are returned, not raised, so one
    flaky poll never hides the others' progress. The registry is written only when a task finished."""
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
    if journal and finished:
        journal.save_ledger(ledger)
    return errors


@dataclass
class GenerationJob:
    """One video generation as the page shows it; mirrored in the registry's videos table."""

    prompt: str
    model: str
    assets: list[str]
    params: dict
    created_at: float
    group_id: str = ""
    task_id: str | None = None
    status: str = "submitting"
    progress: int = 0
    video_url: str | None = None
    expires_at: int | None = None
    error: str | None = None
    video_id: int | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_VIDEO_STATUSES

    @classmethod
    def from_record(cls, row: dict) -> GenerationJob:
        """A job rebuilt from its registry row (lib.registry.Registry.unfinished_videos), keeping the row's id
        so polling it again updates that same row."""
        return cls(
            row["prompt"],
            row["model"],
            list(row["assets"]),
            dict(row["params"]),
            row["created_at"],
            row["group_id"] or "",
            task_id=row["task_id"],
            status=row["status"],
            video_id=row["id"],
        )


def submit_generation(
    client: ApimartClient,
    request,
    *,
    group_id: str = "",
    journal: Journal | None = None,
    now: float | None = None,
) -> GenerationJob:
    """Send a generation request (already checked with lib.generation.problems). The job is recorded before
    the POST, so a crash leaves a visible row; on an API error the job says why and nothing is lost."""
    payload = request.to_payload()
    assets = [
        *payload.get("image_urls", []),
        *(r["url"] for r in payload.get("image_with_roles", [])),
        *payload.get("video_urls", []),
    ]
    params = {k: v for k, v in payload.items() if k not in ("prompt", "model")}
    job = GenerationJob(
        request.prompt, request.model, assets, params, time.time() if now is None else now, group_id
    )
    if journal:
        job.video_id = journal.registry.record_video(
            journal.scope,
            prompt=job.prompt,
            model=job.model,
            assets=assets,
            params=params,
            task_id=None,
            status="submitting",
            group_id=group_id or None,
        )
    try:
        task = client.generate_video(request)
        job.task_id, job.status = task.id, task.status or "submitted"
    except ApimartError as error:
        job.status, job.error = "not sent", error.message
        _save_job(job, journal)
        raise
    _save_job(job, journal)
    return job


def poll_generation(client: ApimartClient, job: GenerationJob, *, journal: Journal | None = None) -> None:
    """One non-blocking read of the job's task; API errors propagate, the job keeps its state."""
    if job.final or not job.task_id:
        return
    result = client.get_video(job.task_id)
    job.status, job.progress = result.task.status, result.task.progress or job.progress
    if result.task.status == "completed":
        job.video_url, job.expires_at = result.video_url, result.expires_at
    elif result.task.status in ("failed", "cancelled"):
        error = result.task.error
        job.error = (error.message or error.code) if error else "The generation failed without a reason."
    if job.final:
        _save_job(job, journal)


def _save_job(job: GenerationJob, journal: Journal | None) -> None:
    if journal and job.video_id is not None:
        journal.registry.update_video(
            journal.scope,
            job.video_id,
            status=job.status,
            task_id=job.task_id,
            video_url=job.video_url,
            expires_at=job.expires_at,
            error=job.error,
        )
