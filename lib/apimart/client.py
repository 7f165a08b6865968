"""The APIMart HTTP client: one session, timeouts, the retry policy and typed results; it holds no state
beyond its connection and must never repeat a POST that the server may have acted on."""

from __future__ import annotations

import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import SSLError as Urllib3SSLError

from lib.apimart.errors import (
    ApiConnectionError,
    ApimartError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    PartialSubmitError,
    TaskFailedError,
    status_error,
)
from lib.apimart.models import (
    AssetInput,
    ReviewResult,
    SubmittedTask,
    Task,
    VerificationResult,
    VerificationSession,
    VideoRequest,
    VideoResult,
    find_group_id,
    unwrap,
    with_language,
)
from lib.apimart.polling import poll_until_final
from lib.apimart.retry import (
    MAX_RETRY_AFTER,
    RETRYABLE_GET_STATUSES,
    RETRYABLE_POST_STATUSES,
    parse_retry_after,
    retry_delay,
)
from lib.apimart.secrets import mask_key, scrub, scrub_text

DEFAULT_BASE_URL = "https://api.apimart.ai"
REAL_AVATAR_PATH = "/v1/seedance2/real-avatar"
PRIVATE_AVATAR_PATH = "/v1/seedance2/private-avatar"
VIDEO_PATH = "/v1/videos/generations"
TASK_PATH = "/v1/tasks/"
BATCH_SIZE = 20  # documented limit of assets per submit request
# A well-formed id that cannot exist: reading it proves the key is accepted without touching real data.
PROBE_TASK_ID = "task_00000000000000000000000000"
LOGGER_NAME = "avatar_desk.apimart"
_KEY_FORMAT = re.compile(r"^[\x21-\x7e]*$")  # printable ASCII, no spaces: anything else breaks the header


class ApimartClient:
    """A small synchronous client for APIMart's real-person avatar API (see /work/shared/apimart-api.md)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        project_name: str = "default",
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        logger: logging.Logger | None = None,
        jitter: float = 0.1,
    ) -> None:
        self._api_key = (api_key or "").strip()
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.project_name = project_name or "default"
        self.timeout = _checked_timeout(timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.jitter = jitter
        self._sleep = sleep
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._owns_session = session is None
        self._session = session or requests.Session()
        self.request_count = 0
        self._key_usable = bool(_KEY_FORMAT.match(self._api_key))
        if self._key_usable and self._api_key:
            self._session.headers["Authorization"] = f"Bearer {self._api_key}"
        else:
            # No key (or one that cannot be sent): send none at all, so APIMart answers 401.
            self._session.headers.pop("Authorization", None)
        self._session.headers["Accept"] = "application/json"
        self._session.headers["User-Agent"] = "avatar-desk/0.1 (+requests)"

    def __repr__(self) -> str:
        return (
            f"ApimartClient(base_url={self.base_url!r}, project_name={self.project_name!r}, "
            f"api_key={mask_key(self._api_key)!r})"
        )

    @property
    def masked_key(self) -> str:
        return mask_key(self._api_key)

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ApimartClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- step 1: verification session --------------------------------------------------------------

    def create_verification_session(self, callback_url: str) -> SubmittedTask:
        """Ask APIMart for an H5 verification session; its link and token are read from the task."""
        if not (callback_url or "").strip():
            raise ValueError("callback_url is required")
        body = self._post(REAL_AVATAR_PATH, {"callback_url": callback_url, "project_name": self.project_name})
        return SubmittedTask.from_data(unwrap(body))

    def get_verification_session(self, task_id: str, language: str | None = None) -> VerificationSession:
        return self._session_from(self.get_task(task_id), language)

    def start_verification(self, callback_url: str, language: str | None = None) -> VerificationSession:
        """Create a session and read its H5 link and token (both steps in one call)."""
        submitted = self.create_verification_session(callback_url)
        task = self.get_task(submitted.id)
        if not task.is_final and not _has_link(task):
            # Documented as completed at once; tolerate a short delay rather than fail the operator.
            task = self._wait_briefly(submitted.id, polls=30)
        return self._session_from(task, language)

    def _session_from(self, task: Task, language: str | None) -> VerificationSession:
        if task.status in ("failed", "cancelled"):
            raise TaskFailedError(
                task, hint="Create a new verification session (the old link and token cannot be used)."
            )
        if not task.is_final and not _has_link(task):
            raise ApimartError(
                f"Verification session {task.id} is not ready yet ({task.status}).",
                hint="Wait a second and try again.",
                retryable=True,
            )
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
        data = unwrap(
            self._post(REAL_AVATAR_PATH, {"byted_token": byted_token, "project_name": self.project_name})
        )
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
        a result whose first reading failed is fetched again without spending another token."""
        try:
            task = self.get_task(task_id)
            if not task.is_final and not find_group_id(task.raw):
                task = self._wait_briefly(task_id, polls=60)
        except ApimartError as error:
            error.hint = (error.hint + " " if error.hint else "") + (
                f"The verification result is kept in task {task_id}: read it again later rather than "
                "verifying again."
            )
            error.task_id = task_id  # type: ignore[attr-defined]
            raise
        if task.status in ("failed", "cancelled"):
            raise TaskFailedError(
                task,
                f"The verification did not succeed (task {task.id} {task.status}).",
                hint="The person must verify again: create a new session.",
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
        """Send the assets to the group in batches of 20 (one review task per batch), in order."""
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
        """One request of at most 20 assets. Callers that record each batch before sending it use this, so
        the key on disk is the key sent, and a repeat the operator asks for carries the same one."""
        if not (group_id or "").strip():
            raise ValueError("group_id is required")
        items = [a if isinstance(a, AssetInput) else AssetInput(*a) for a in assets]
        if not 0 < len(items) <= BATCH_SIZE:
            raise ValueError(f"a batch holds 1 to {BATCH_SIZE} assets")
        payload = {
            "group_id": group_id,
            "project_name": self.project_name,
            "asset_type": asset_type,
            "assets": [a.to_payload() for a in items],
        }
        return self._post_for_task(REAL_AVATAR_PATH, payload, idempotency_key)

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
        items = [a if isinstance(a, AssetInput) else AssetInput(*a) for a in assets]
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
                submitted.append(SubmittedTask.from_data(unwrap(self._post(path, payload))))
            except ApimartError as error:
                if not submitted:
                    raise
                raise PartialSubmitError(submitted, error, sent=start, total=len(items)) from error
        return submitted

    # --- tasks -------------------------------------------------------------------------------------

    def get_task(self, task_id: str, language: str | None = None) -> Task:
        """One status read (retried on transient failures); never waits for the task."""
        if not (task_id or "").strip():
            raise ValueError("task_id is required")
        params = {"language": language} if language else None
        body = self._get(TASK_PATH + quote(task_id.strip(), safe=""), params=params)
        return Task.from_data(unwrap(body), task_id)

    def get_review(self, task_id: str) -> ReviewResult:
        return ReviewResult.from_task(self.get_task(task_id))

    def wait_for_task(
        self,
        task_id: str,
        *,
        interval: float = 2.0,
        timeout: float = 600.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_update: Callable[[Task], None] | None = None,
    ) -> Task:
        """Poll until the task is final and return it, failed or not (the caller decides)."""
        return poll_until_final(
            lambda: self.get_task(task_id),
            task_id,
            interval=interval,
            timeout=timeout,
            sleep=sleep or self._sleep,
            clock=clock,
            on_update=on_update,
        )

    def _wait_briefly(self, task_id: str, *, polls: int, interval: float = 1.0) -> Task:
        # Counted in sleeps, not wall time: with an injected no-op sleep this still ends after `polls`.
        slept = [0.0]

        def nap(seconds: float) -> None:
            self._sleep(seconds)
            slept[0] += seconds

        nap(interval)  # the caller has just read the task: do not read it again at once
        return self.wait_for_task(
            task_id, interval=interval, timeout=polls * interval, sleep=nap, clock=lambda: slept[0]
        )

    # --- video generation --------------------------------------------------------------------------

    def generate_video(self, request: VideoRequest, *, idempotency_key: str | None = None) -> SubmittedTask:
        """Send a billable generation. Pass the key recorded before sending, so a send the operator repeats
        after an unknown outcome carries the same key (an upstream that honours it will not charge twice)."""
        return self._post_for_task(VIDEO_PATH, request.to_payload(), idempotency_key)

    def get_video(self, task_id: str) -> VideoResult:
        return VideoResult.from_task(self.get_task(task_id))

    # --- connection --------------------------------------------------------------------------------

    def check_connection(self) -> None:
        """Prove that APIMart is reachable and accepts the key (raises otherwise)."""
        try:
            self.get_task(PROBE_TASK_ID)
        except NotFoundError:
            return

    # --- HTTP --------------------------------------------------------------------------------------

    def _get(self, path: str, params: dict | None = None) -> Any:
        return self._send("GET", path, params=params)

    def _post(self, path: str, payload: dict, *, idempotency_key: str | None = None) -> Any:
        try:
            return self._send("POST", path, json=payload, idempotency_key=idempotency_key)
        except MalformedResponseError as error:
            # A 2xx that cannot be read was most likely carried out.
            error.maybe_sent = error.status_code is not None and error.status_code < 400
            raise
        except ApiStatusError as error:
            # A 5xx may come after the server acted (or from a proxy that lost the answer).
            error.maybe_sent = error.status_code >= 500
            raise

    def _post_for_task(self, path: str, payload: dict, idempotency_key: str | None) -> SubmittedTask:
        body = self._post(path, payload, idempotency_key=idempotency_key)
        try:
            return SubmittedTask.from_data(unwrap(body))
        except MalformedResponseError as error:
            error.maybe_sent = True  # the server answered 2xx: it acted, but its task id is unreadable
            raise

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        if not self._key_usable:
            raise AuthenticationError(
                "The API key contains spaces, line breaks or unusual characters, so it was not sent.",
                status_code=401,
                code="invalid_key_format",
                hint="Copy the key again from apimart.ai without extra characters.",
            )
        is_get = method == "GET"
        # One key per logical call, repeated on every attempt, so the server can drop a duplicate.
        headers = None if is_get else {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        url = self.base_url + path
        attempt = 0
        while True:
            self.request_count += 1
            started = time.perf_counter()
            try:
                response = self._session.request(
                    method, url, json=json, params=params, headers=headers, timeout=self.timeout
                )
            except requests.exceptions.RequestException as exc:
                error, safe = self._transport_error(exc, is_get)
                error.maybe_sent = not is_get and not safe
                self._record(method, path, type(exc).__name__, attempt, started)
                if safe and attempt < self.max_retries:
                    self._wait(attempt, None)
                    attempt += 1
                    continue
                raise error from exc
            self._record(method, path, response.status_code, attempt, started)
            body, readable = self._read_body(response)
            status = response.status_code
            if status < 400:
                if not readable:
                    raise MalformedResponseError(
                        f"APIMart sent an answer the app could not read (HTTP {status}, not JSON).",
                        body=body,
                        status_code=status,
                    )
                status = _in_band_error_status(body) or status
            if status < 400:
                return body
            retry_after = _retry_after(response)
            retryable = status in (RETRYABLE_GET_STATUSES if is_get else RETRYABLE_POST_STATUSES)
            if (
                retryable
                and attempt < self.max_retries
                and (retry_after is None or retry_after <= MAX_RETRY_AFTER)
            ):
                self._wait(attempt, retry_after)
                attempt += 1
                continue
            raise status_error(status, body, retry_after=retry_after, request_id=_request_id(response, body))

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        self._sleep(
            retry_delay(
                attempt,
                retry_after,
                base=self.backoff_base,
                maximum=self.backoff_max,
                jitter=self.jitter,
                rand=random.random,
            )
        )

    def _read_body(self, response: requests.Response) -> tuple[Any, bool]:
        """(scrubbed body, whether it was JSON). A non-JSON body comes back as a short text excerpt."""
        # Walking the whole body is only needed when the key is in it (a server echoing it back).
        echoed = bool(self._api_key) and self._api_key.encode() in response.content
        try:
            body = response.json()
        except ValueError:
            return scrub_text(response.text[:500], self._api_key), False
        return (scrub(body, self._api_key) if echoed else body), True

    def _record(self, method: str, path: str, status: int | str, attempt: int, started: float) -> None:
        # Method, path, outcome and timing only: headers (and so the key) are never logged.
        self._log.info(
            "%s %s -> %s (attempt %d, %.3f s)",
            method,
            path,
            status,
            attempt + 1,
            time.perf_counter() - started,
        )

    def _transport_error(
        self, exc: requests.exceptions.RequestException, is_get: bool
    ) -> tuple[ApimartError, bool]:
        """The error to raise for a transport failure, and whether repeating the request is safe."""
        host = urlsplit(self.base_url).netloc or self.base_url
        connect_s, read_s = self.timeout
        if isinstance(
            exc,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema
            | requests.exceptions.InvalidHeader,
        ):
            return (
                ApiConnectionError(
                    f"The APIMart address {self.base_url!r} or the request is not valid.",
                    hint="Check APIMART_BASE_URL (for example https://api.apimart.ai).",
                    retryable=False,
                ),
                False,
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return (
                ApiTimeoutError(
                    f"Connecting to APIMart at {host} took longer than {connect_s:g} s.",
                    hint="Check the internet connection, then try again.",
                ),
                True,
            )
        if isinstance(exc, requests.exceptions.ConnectionError) and _never_sent(exc):
            return (
                ApiConnectionError(
                    f"Could not connect to APIMart at {host}.",
                    hint="Check the internet connection and the API address (APIMART_BASE_URL), then try again.",
                ),
                True,
            )
        # From here the request may have reached the server: only a read is safe to repeat.
        maybe_done = (
            ""
            if is_get
            else " The request may still have been carried out: check the task list before sending it again, "
            "so nothing is created twice."
        )
        if isinstance(exc, requests.exceptions.Timeout):
            return (
                ApiTimeoutError(
                    f"APIMart did not answer within {read_s:g} s.",
                    hint=("Try again in a moment." if is_get else maybe_done.strip()),
                ),
                is_get,
            )
        return (
            ApiConnectionError(
                "The connection to APIMart broke before the answer arrived.",
                hint=("Try again in a moment." if is_get else maybe_done.strip()),
            ),
            is_get,
        )


def _never_sent(exc: BaseException) -> bool:
    """True when requests failed while connecting (refused, DNS, connect timeout, TLS handshake), so the
    server cannot have seen the request."""
    for arg in exc.args:
        reason = arg.reason if isinstance(arg, MaxRetryError) else arg
        if isinstance(reason, ConnectTimeoutError | Urllib3SSLError):  # NewConnectionError is a subclass
            return True
    return False


def _checked_timeout(timeout: Any) -> tuple[float, float]:
    # A missing timeout would let one stuck call freeze a page forever: fall back to the defaults.
    if timeout is None:
        return (5.0, 30.0)
    if isinstance(timeout, int | float):
        return (float(timeout), float(timeout))
    connect, read = timeout
    return (float(connect if connect is not None else 5.0), float(read if read is not None else 30.0))


def _has_link(task: Task) -> bool:
    return bool(task.result.get("h5_link") or task.result.get("H5Link"))


def _in_band_error_status(body: Any) -> int | None:
    """An error reported inside a 2xx body (`{"code": 401, "message": ...}` with no data)."""
    if not isinstance(body, dict) or "data" in body:
        return None
    try:
        code = int(str(body.get("code")).strip())
    except ValueError:
        code = None
    if code is not None and 400 <= code <= 599:
        return code
    if isinstance(body.get("error"), dict):
        return 400
    return None


def _retry_after(response: requests.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _request_id(response: requests.Response, body: Any) -> str | None:
    for header in ("X-Request-Id", "Request-Id", "X-Apimart-Request-Id"):
        if value := response.headers.get(header):
            return value
    if isinstance(body, dict) and isinstance(body.get("request_id"), str):
        return body["request_id"]
    return None
