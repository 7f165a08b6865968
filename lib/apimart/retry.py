"""The retry policy as pure functions (which failures to retry, how long to wait); it sends nothing and
never sleeps itself."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable

# APIMart's own client retries these; 500 is added for GETs because a read is always safe to repeat.
RETRYABLE_GET_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# A POST is retried only when the server certainly did not act on it: a 429 means "not processed".
RETRYABLE_POST_STATUSES = frozenset({429})
# A Retry-After longer than this is not waited out inside one call: the error reaches the user instead.
MAX_RETRY_AFTER = 60.0


def backoff_delay(
    attempt: int,
    *,
    base: float = 0.5,
    maximum: float = 8.0,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry): `base * 2**attempt`, capped
    at `maximum`, minus up to `jitter` (a fraction) of itself so that clients spread out."""
    delay = min(base * (2**attempt), maximum)
    if jitter:
        delay -= delay * min(max(jitter, 0.0), 1.0) * rand()
    return max(delay, 0.0)


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


def retry_delay(
    attempt: int,
    retry_after: float | None,
    *,
    base: float,
    maximum: float,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before retry `attempt`: the server's Retry-After when it gave one, else the backoff."""
    if retry_after is not None:
        return retry_after
    return backoff_delay(attempt, base=base, maximum=maximum, jitter=jitter, rand=rand)
