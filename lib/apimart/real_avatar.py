"""The real-person avatar resource: POST /v1/seedance2/real-avatar's three steps (verification session,
verification result, batch submit) and the private-avatar sibling. A POST is sent once per call; only the
task reads behind it are repeated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lib.apimart.errors import (
    ApimartError,
    MalformedResponseError,
    NotReadyError,
    PartialSubmitError,
    TaskFailedError,
)
from lib.apimart.models import (
    BATCH_SIZE,
    UNSUCCESSFUL_STATUSES,
    AssetInput,
    SubmittedTask,
    Task,
    VerificationResult,
    VerificationSession,
    find_group_id,
    unwrap,
    with_language,
)
from lib.apimart.tasks import Tasks, submitted_task
from lib.apimart.transport import Transport

REAL_AVATAR_PATH = "/v1/seedance2/real-avatar"
PRIVATE_AVATAR_PATH = "/v1/seedance2/private-avatar"


def _has_link(task: Task) -> bool:
    return bool(task.result.get("h5_link") or task.result.get("H5Link"))


def _assets(assets: Sequence[AssetInput]) -> list[AssetInput]:
    return [a if isinstance(a, AssetInput) else AssetInput(*a) for a in assets]


class RealAvatar:
    def __init__(self, transport: Transport, tasks: Tasks, project_name: str = "default") -> None:
        self._transport = transport
        self._tasks = tasks
        self.project_name = project_name

    # --- step 1: verification session --------------------------------------------------------------

    def create_verification_session(self, callback_url: str) -> SubmittedTask:
        """Ask APIMart for an H5 verification session; its link and token are read from the task."""
        if not (callback_url or "").strip():
            raise ValueError("callback_url is required")
        payload = {"callback_url": callback_url, "project_name": self.project_name}
        return SubmittedTask.from_data(unwrap(self._transport.post(REAL_AVATAR_PATH, payload)))

    def get_verification_session(self, task_id: str, language: str | None = None) -> VerificationSession:
        """The session's link and token from one read of its task; NotReadyError while it has none."""
        return self._session_from(self._tasks.get(task_id), language)

    def start_verification(self, callback_url: str, language: str | None = None) -> VerificationSession:
        """Create a session and read its H5 link and token. Documented as ready at once; when it is not,
        this blocks at most about a second, then raises NotReadyError (with the session's task id: read
        it again with get_verification_session, never create another one for it)."""
        submitted = self.create_verification_session(callback_url)
        task = self._tasks.get_ready(submitted.id, _has_link, "verification link")
        return self._session_from(task, language)

    def _session_from(self, task: Task, language: str | None) -> VerificationSession:
        if task.status in UNSUCCESSFUL_STATUSES:
            raise TaskFailedError(task, step="verification_session")
        if not task.is_final and not _has_link(task):
            raise NotReadyError(task.id, task.status, "verification link")
        session = VerificationSession.from_task(task)
        if language:
            session = VerificationSession(
                session.task_id, with_language(session.h5_link, language), session.byted_token, session.raw
            )
        return session

    # --- step 2: verification result ---------------------------------------------------------------

    def query_verification_result(self, byted_token: str) -> VerificationResult:
        """Query the one-time token (only after a success signal: upstream burns it on an early query)."""
        if not (byted_token or "").strip():
            raise ValueError("byted_token is required")
        payload = {"byted_token": byted_token, "project_name": self.project_name}
        data = unwrap(self._transport.post(REAL_AVATAR_PATH, payload))
        if not isinstance(data, dict):
            raise MalformedResponseError("APIMart's verification result is not an object.", body=data)
        task_id = data.get("id") or data.get("task_id")
        if group_id := find_group_id(data):
            return VerificationResult(group_id, str(task_id) if task_id else None, data)
        if not task_id:
            raise MalformedResponseError(
                "APIMart's verification result holds neither a group id nor a task id.", body=data
            )
        # The token is spent now: from here on only the GET is repeated, never the POST.
        return self.read_verification_result(str(task_id))

    def read_verification_result(self, task_id: str) -> VerificationResult:
        """Read a step-2 task (its result holds the group id). Safe to repeat: it only GETs, so it is how
        a result whose first reading failed is fetched again without spending another token. Any error
        carries `task_id`; NotReadyError when the task is still running (read it again shortly)."""
        try:
            task = self._tasks.get_ready(task_id, lambda t: bool(find_group_id(t.raw)), "verification result")
        except ApimartError as error:
            error.task_id = task_id
            raise
        if task.status in UNSUCCESSFUL_STATUSES:
            raise TaskFailedError(
                task,
                f"The verification did not succeed (task {task.id} {task.status}).",
                step="verification_result",
            )
        if group_id := find_group_id(task.raw):
            return VerificationResult(group_id, task.id, task.raw)
        raise MalformedResponseError(
            f"Verification task {task.id} finished without a group id.", body=task.raw
        )

    # --- step 3 and the sibling: submit assets -----------------------------------------------------

    def submit_assets(
        self, group_id: str, assets: Sequence[AssetInput], asset_type: str = "Video"
    ) -> list[SubmittedTask]:
        """Send the assets to the group in batches of BATCH_SIZE (one review task per batch), in order."""
        if not (group_id or "").strip():
            raise ValueError("group_id is required")
        base = {"group_id": group_id, "project_name": self.project_name, "asset_type": asset_type}
        return self._submit_batches(REAL_AVATAR_PATH, base, assets, first_only={})

    def submit_batch(
        self,
        group_id: str,
        assets: Sequence[AssetInput],
        asset_type: str = "Video",
        *,
        idempotency_key: str | None = None,
    ) -> SubmittedTask:
        """One request of at most BATCH_SIZE assets. Callers that record each batch before sending it use
        this, so the key on disk is the key sent, and a repeat the operator asks for carries the same one."""
        if not (group_id or "").strip():
            raise ValueError("group_id is required")
        items = _assets(assets)
        if not 0 < len(items) <= BATCH_SIZE:
            raise ValueError(f"a batch holds 1 to {BATCH_SIZE} assets")
        payload = {
            "group_id": group_id,
            "project_name": self.project_name,
            "asset_type": asset_type,
            "assets": [a.to_payload() for a in items],
        }
        return submitted_task(
            self._transport.post(REAL_AVATAR_PATH, payload, idempotency_key=idempotency_key)
        )

    def submit_private_avatar(
        self,
        *,
        group_id: str | None = None,
        group_name: str | None = None,
        group_description: str | None = None,
        assets: Sequence[AssetInput] = (),
        asset_type: str = "Image",
    ) -> list[SubmittedTask]:
        """Virtual avatars: add assets to `group_id`, or create a group named `group_name` with them."""
        if bool(group_id) == bool(group_name):
            raise ValueError("give exactly one of group_id or group_name")
        base: dict[str, Any] = {"project_name": self.project_name, "asset_type": asset_type}
        if group_id:
            base["group_id"] = group_id
            return self._submit_batches(PRIVATE_AVATAR_PATH, base, assets, first_only={})
        if len(assets) > BATCH_SIZE:
            # The new group's id only exists once its review finishes, so later batches have no target.
            raise ValueError(
                f"Create the group with at most {BATCH_SIZE} assets, then add the rest with its group id."
            )
        group = {"name": group_name}
        if group_description:
            group["description"] = group_description
        return self._submit_batches(PRIVATE_AVATAR_PATH, base, assets, first_only={"group": group})

    def _submit_batches(
        self, path: str, base: dict, assets: Sequence[AssetInput], first_only: dict
    ) -> list[SubmittedTask]:
        items = _assets(assets)
        if not items:
            raise ValueError("at least one asset is required")
        submitted: list[SubmittedTask] = []
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            payload = {
                **base,
                **(first_only if start == 0 else {}),
                "assets": [a.to_payload() for a in batch],
            }
            try:
                submitted.append(submitted_task(self._transport.post(path, payload)))
            except ApimartError as error:
                if not submitted:
                    raise
                raise PartialSubmitError(submitted, error, sent=start, total=len(items)) from error
        return submitted
