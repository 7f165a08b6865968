"""The HTTP transport under every resource: one `requests.Session` with the key set once, urllib3 `Retry`
(lib/apimart/retry.py) mounted on it, a timeout on every call, the body read and scrubbed of the key, and
every failure turned into a typed error that says whether a POST may have been carried out. It knows no
endpoint; it logs method, path, outcome and timing only (never headers, so never the key)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError

from lib.apimart.errors import (
    ApiConnectionError,
    ApimartError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    MalformedResponseError,
    status_error,
)
from lib.apimart.retry import ApimartRetry, parse_retry_after
from lib.apimart.secrets import mask_key, scrub, scrub_text

DEFAULT_BASE_URL = "https://api.apimart.ai"
DEFAULT_TIMEOUT = (5.0, 30.0)
LOGGER_NAME = "avatar_desk.apimart"
_KEY_FORMAT = re.compile(r"^[\x21-\x7e]*$")  # printable ASCII, no spaces: anything else breaks the header
_INVALID_REQUEST = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


class Transport:
    """Sends one logical request (with its retries) and returns the parsed JSON body or raises."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: Any = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        jitter: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._api_key = (api_key or "").strip()
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = checked_timeout(timeout)
        self.max_retries = max(0, int(max_retries))
        self.request_count = 0  # HTTP requests sent, retries included
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._owns_session = session is None
        self.session = session or requests.Session()
        self._retry = ApimartRetry.policy(
            self.max_retries,
            backoff=backoff,
            backoff_max=backoff_max,
            jitter=jitter,
            sleep=sleep,
            on_retry=self._count_retry,
        )
        adapter = HTTPAdapter(max_retries=self._retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._key_usable = bool(_KEY_FORMAT.match(self._api_key))
        headers = self.session.headers
        if self._key_usable and self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        else:
            # No key (or one that cannot be sent): send none at all, so APIMart answers 401.
            headers.pop("Authorization", None)
        headers["Accept"] = "application/json"
        headers["User-Agent"] = "avatar-desk/0.1 (+requests)"

    @property
    def masked_key(self) -> str:
        return mask_key(self._api_key)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def _count_retry(self) -> None:
        self.request_count += 1

    # --- sending -----------------------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None) -> Any:
        """A GET, retried by urllib3; and, with the same Retry budget and backoff, when its body broke off
        after the status line (requests reads bodies after urllib3 has handed the response over)."""
        retry = self._retry.new()
        retry.on_retry = None  # the next _send counts its own request
        while True:
            try:
                return self._send("GET", path, params=params)
            except ApiConnectionError as error:
                if not _body_broke(error.__cause__):
                    raise
                try:
                    retry = retry.increment("GET", path, error=ProtocolError("body broke off"))
                except MaxRetryError:
                    raise error from error.__cause__
                retry.sleep()

    def post(self, path: str, payload: dict, *, idempotency_key: str | None = None) -> Any:
        """A POST with its Idempotency-Key (the caller's, or one made for this logical call and reused by
        a retry). Errors say `maybe_sent` when the server may have acted on it."""
        # One key per logical call: urllib3 resends the same headers on a retry.
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        try:
            return self._send("POST", path, json=payload, headers=headers)
        except MalformedResponseError as error:
            # A 2xx that cannot be read was most likely carried out.
            error.maybe_sent = error.status_code is not None and error.status_code < 400
            raise
        except ApiStatusError as error:
            # A 5xx may come after the server acted (or from a proxy that lost the answer).
            error.maybe_sent = error.status_code >= 500
            raise

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self._key_usable:
            raise AuthenticationError(
                "The API key contains spaces, line breaks or unusual characters, so it was not sent.",
                status_code=401,
                code="invalid_key_format",
            )
        started, count_before = time.perf_counter(), self.request_count
        self.request_count += 1
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.RequestException as exc:
            self._record(method, path, type(exc).__name__, count_before, started)
            error, never_sent = self.transport_error(exc)
            error.maybe_sent = method != "GET" and not never_sent
            raise error from exc
        self._record(method, path, response.status_code, count_before, started)
        return self.read_response(response)

    def read_response(self, response: requests.Response) -> Any:
        """The JSON body of a success, or the typed error for an error status (in the status line or in
        a 2xx body)."""
        body, readable = self._read_body(response)
        status = response.status_code
        if status < 400:
            if not readable:
                raise MalformedResponseError(
                    f"APIMart sent an answer the app could not read (HTTP {status}, not JSON).",
                    body=body,
                    status_code=status,
                )
            status = in_band_error_status(body) or status
        if status < 400:
            return body
        raise status_error(
            status,
            body,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            request_id=request_id(response, body),
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

    def _record(self, method: str, path: str, outcome: int | str, count_before: int, started: float) -> None:
        # Method, path, outcome and timing only: headers (and so the key) are never logged.
        self._log.info(
            "%s %s -> %s (%d attempt(s), %.3f s)",
            method,
            path,
            outcome,
            self.request_count - count_before,
            time.perf_counter() - started,
        )

    def transport_error(self, exc: requests.exceptions.RequestException) -> tuple[ApimartError, bool]:
        """The error for a transport failure (retries already spent), and whether the request certainly
        never reached the server."""
        host = urlsplit(self.base_url).netloc or self.base_url
        connect_s, read_s = self.timeout
        if isinstance(exc, _INVALID_REQUEST):
            return ApiConnectionError(
                f"The APIMart address {self.base_url!r} or the request is not valid.", reason="address"
            ), True
        cause = _urllib3_cause(exc)
        if isinstance(exc, requests.exceptions.ConnectTimeout) or (
            isinstance(cause, ConnectTimeoutError) and not isinstance(cause, NewConnectionError)
        ):
            return ApiTimeoutError(
                f"Connecting to APIMart at {host} took longer than {connect_s:g} s.", reason="connect_timeout"
            ), True
        if isinstance(cause, ConnectTimeoutError | Urllib3SSLError):  # NewConnectionError is a subclass
            return ApiConnectionError(f"Could not connect to APIMart at {host}.", reason="connect"), True
        # From here the request may have reached the server.
        if isinstance(exc, requests.exceptions.Timeout) or isinstance(cause, ReadTimeoutError):
            return ApiTimeoutError(
                f"APIMart did not answer within {read_s:g} s.", reason="read_timeout"
            ), False
        return ApiConnectionError(
            "The connection to APIMart broke before the answer arrived.", reason="broken"
        ), False


def _body_broke(exc: BaseException | None) -> bool:
    """True for a failure while reading a body (headers had arrived): requests raises these itself."""
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return True
    return isinstance(exc, requests.exceptions.ConnectionError) and any(
        isinstance(arg, ReadTimeoutError | ProtocolError) for arg in exc.args
    )


def _urllib3_cause(exc: BaseException) -> BaseException | None:
    """The urllib3 error under a requests exception (through a MaxRetryError when retries ran out)."""
    for arg in exc.args:
        if isinstance(arg, MaxRetryError):
            return arg.reason
        if isinstance(arg, BaseException):
            return arg
    return None


def checked_timeout(timeout: Any) -> tuple[float, float]:
    # A missing timeout would let one stuck call freeze a page forever: fall back to the defaults.
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, int | float):
        return (float(timeout), float(timeout))
    connect, read = timeout
    return (
        float(connect if connect is not None else DEFAULT_TIMEOUT[0]),
        float(read if read is not None else DEFAULT_TIMEOUT[1]),
    )


def in_band_error_status(body: Any) -> int | None:
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


def request_id(response: requests.Response, body: Any) -> str | None:
    for header in ("X-Request-Id", "Request-Id", "X-Apimart-Request-Id"):
        if value := response.headers.get(header):
            return value
    if isinstance(body, dict) and isinstance(body.get("request_id"), str):
        return body["request_id"]
    return None
