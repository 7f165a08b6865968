"""ApimartClient: the one object pages and flows hold. It composes the transport (session, retries,
timeouts, errors) and the resources over it (real_avatar, tasks, videos), and keeps the method names
callers use; it holds no state beyond its connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import requests

from lib.apimart.models import (
    BATCH_SIZE,
    AssetInput,
    ReviewResult,
    SubmittedTask,
    Task,
    VerificationResult,
    VerificationSession,
    VideoRequest,
    VideoResult,
)
from lib.apimart.real_avatar import RealAvatar
from lib.apimart.tasks import Tasks
from lib.apimart.transport import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Transport
from lib.apimart.videos import Videos

__all__ = ["BATCH_SIZE", "ApimartClient"]


class ApimartClient:
    """A small synchronous client for APIMart's real-person avatar API (see /work/shared/apimart-api.md).
    `sleep` is what retries and waits sleep with (tests pass a recorder); `backoff_base` is urllib3's
    backoff factor (retries wait 0, 2x, 4x... it, at most `backoff_max`, plus up to `jitter` s)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        project_name: str = "default",
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        logger: logging.Logger | None = None,
        jitter: float = 0.1,
    ) -> None:
        self.transport = Transport(
            api_key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff_base,
            backoff_max=backoff_max,
            jitter=jitter,
            sleep=sleep,
            session=session,
            logger=logger,
        )
        self.tasks = Tasks(self.transport, sleep)
        self.real_avatar = RealAvatar(self.transport, self.tasks, project_name or "default")
        self.videos = Videos(self.transport, self.tasks)
        # Handed out as they are, not restated: their keyword-only signatures live in RealAvatar alone.
        self.submit_batch = self.real_avatar.submit_batch
        self.submit_private_avatar = self.real_avatar.submit_private_avatar

    def __repr__(self) -> str:
        return (
            f"ApimartClient(base_url={self.base_url!r}, project_name={self.project_name!r}, "
            f"api_key={self.masked_key!r})"
        )

    base_url = property(lambda self: self.transport.base_url)
    timeout = property(lambda self: self.transport.timeout)
    max_retries = property(lambda self: self.transport.max_retries)
    request_count = property(lambda self: self.transport.request_count)
    masked_key = property(lambda self: self.transport.masked_key)
    project_name = property(lambda self: self.real_avatar.project_name)
    _session = property(lambda self: self.transport.session)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ApimartClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- real_avatar -------------------------------------------------------------------------------

    def create_verification_session(self, callback_url: str) -> SubmittedTask:
        return self.real_avatar.create_verification_session(callback_url)

    def get_verification_session(self, task_id: str, language: str | None = None) -> VerificationSession:
        return self.real_avatar.get_verification_session(task_id, language)

    def start_verification(self, callback_url: str, language: str | None = None) -> VerificationSession:
        return self.real_avatar.start_verification(callback_url, language)

    def query_verification_result(self, byted_token: str) -> VerificationResult:
        return self.real_avatar.query_verification_result(byted_token)

    def read_verification_result(self, task_id: str) -> VerificationResult:
        return self.real_avatar.read_verification_result(task_id)

    def submit_assets(
        self, group_id: str, assets: Sequence[AssetInput], asset_type: str = "Video"
    ) -> list[SubmittedTask]:
        return self.real_avatar.submit_assets(group_id, assets, asset_type)

    # --- tasks -------------------------------------------------------------------------------------

    def get_task(self, task_id: str, language: str | None = None) -> Task:
        return self.tasks.get(task_id, language)

    def get_review(self, task_id: str) -> ReviewResult:
        return self.tasks.review(task_id)

    def wait_for_task(self, task_id: str, **kwargs) -> Task:  # noqa: ANN003
        return self.tasks.wait(task_id, **kwargs)

    def check_connection(self) -> None:
        self.tasks.check_connection()

    # --- videos ------------------------------------------------------------------------------------

    def generate_video(self, request: VideoRequest, *, idempotency_key: str | None = None) -> SubmittedTask:
        return self.videos.generate(request, idempotency_key=idempotency_key)

    def get_video(self, task_id: str) -> VideoResult:
        return self.videos.get(task_id)
