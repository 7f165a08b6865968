"""The retry policy: urllib3's `Retry`, told that a POST is repeated only when the server certainly did not
act on it (a 429, or a connection that never opened), that a long Retry-After is not waited out, and to
sleep through an injectable function (tests pass a recorder)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

# APIMart's own client retries these; 500 is added for GETs because a read is always safe to repeat.
RETRYABLE_GET_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# A POST is retried only when the server certainly did not act on it: a 429 means "not processed".
RETRYABLE_POST_STATUSES = frozenset({429})
# A Retry-After longer than this is not waited out inside one call: the error reaches the user instead.
MAX_RETRY_AFTER = 60.0


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date. None when absent or
    unreadable; never negative."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


class ApimartRetry(Retry):
    """GETs: urllib3's rules (connect and read errors, RETRYABLE_GET_STATUSES, backoff, Retry-After).
    POSTs: not in `allowed_methods`, so a read error (the request may have arrived) is raised at once;
    a connect error (it never left) is retried by urllib3 whatever the method; a 429 is retried here."""

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(
        self,
        *args: Any,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sleep_function = sleep
        self.on_retry = on_retry

    @classmethod
    def policy(
        cls,
        retries: int,
        *,
        backoff: float,
        backoff_max: float,
        jitter: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[], None] | None = None,
    ) -> ApimartRetry:
        return cls(
            total=retries,
            other=0,  # e.g. a TLS failure: repeating it would not help
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRYABLE_GET_STATUSES,
            backoff_factor=backoff,
            backoff_max=backoff_max,
            backoff_jitter=jitter,
            raise_on_status=False,  # the last error answer comes back and becomes a typed error
            respect_retry_after_header=True,
            sleep=sleep,
            on_retry=on_retry,
        )

    def new(self, **kw: Any) -> ApimartRetry:
        fresh = super().new(**kw)
        fresh.sleep_function, fresh.on_retry = self.sleep_function, self.on_retry
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            return status_code in RETRYABLE_POST_STATUSES
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # noqa: ANN001, ANN201
        if response is not None and (self.get_retry_after(response) or 0.0) > MAX_RETRY_AFTER:
            # Too long to wait inside one call: give the answer back (urllib3 returns it as is).
            raise MaxRetryError(_pool, url, ResponseError("Retry-After too long"))  # type: ignore[arg-type]
        fresh = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.on_retry is not None:
            self.on_retry()
        return fresh

    def get_retry_after(self, response: Any) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"))

    def sleep(self, response: Any = None) -> None:
        delay = self.get_retry_after(response) if response is not None else None
        if delay is None:
            delay = self.get_backoff_time()
        if delay > 0:
            self.sleep_function(delay)
