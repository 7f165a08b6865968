"""When the Review page asks APIMart about a review task: not before its review can have ended, then more
and more rarely. In sandbox mode the review's length is known (the sandbox's config: `image_review_seconds`,
`video_review_seconds`, none under instant timing), so a task sent at `t` is first read at `t + that`;
upstream's is not (photos take seconds, clips can take minutes), so a live task is first read 2 s after it was
sent. A task still under review then is read again after 1 s, and, once it has taken 10 s, after a quarter of
the time it has taken so far (at most 15 s apart): a clip reviewed for two minutes costs about 20 reads, not
the 60 of a fixed 2 s poll. A task whose sending this session did not see (a review resumed after a reload or
a restart, a send settled by hand) is read at once.

The Review page's fragment ticks every `TICK_S` at most; a tick that reads nothing costs no API request. Its
ticks are spaced so that one falls on the first due read (`tick_every`)."""

from __future__ import annotations

import math
import time

import streamlit as st

from lib.ledger import AssetLedger
from lib.sandbox.control import SandboxControl
from lib.ui import state

TICK_S = 0.5
MIN_TICK_S = 0.2
LIVE_FIRST_READ_S = 2.0  # upstream: the earliest a review is likely to have ended
FIRST_GAP_S, SLOW_AFTER_S, MAX_GAP_S = 1.0, 10.0, 15.0
_KEY = "review__poll_due"  # task id -> (sent at, next read at); in the session's state


def _expected_seconds() -> dict[str, float]:
    """When a task of each asset type is first read, after its send: in sandbox mode when its review ends
    (the sandbox's settings; at once under instant timing), else LIVE_FIRST_READ_S."""
    settings = state.connection_settings()
    if settings.is_sandbox:
        try:
            config = SandboxControl(settings.base_url, timeout=2.0).get("config")
            if config.get("timing") == "instant":
                return {"Image": 0.0, "Video": 0.0}
            return {
                "Image": float(config["image_review_seconds"]),
                "Video": float(config["video_review_seconds"]),
            }
        except Exception:  # an older sandbox, or unreachable: as upstream
            pass
    return {"Image": LIVE_FIRST_READ_S, "Video": LIVE_FIRST_READ_S}


def _schedule() -> dict[str, tuple[float, float]]:
    return st.session_state.setdefault(_KEY, {})


def note_sent(ledger: AssetLedger | None) -> None:
    """Call right after a send answered: its new review tasks are first read when their review can end."""
    if ledger is None:
        return
    schedule = _schedule()
    new = [task_id for task_id in ledger.pending_task_ids() if task_id not in schedule]
    if not new:
        return
    now, expected = time.time(), _expected_seconds()
    for task_id in new:
        kind = ledger.tasks[task_id].asset_type or ledger.asset_type
        schedule[task_id] = (now, now + expected.get(kind, expected["Image"]))


def due(ledger: AssetLedger, now: float | None = None) -> bool:
    """Is any unfinished task due for a read (or unknown to this session, so read at once)?"""
    now = time.time() if now is None else now
    schedule = _schedule()
    return any(
        task_id not in schedule or schedule[task_id][1] <= now for task_id in ledger.pending_task_ids()
    )


def polled(ledger: AssetLedger, now: float | None = None) -> None:
    """After a read of the unfinished tasks: when each one still under review is read next."""
    now = time.time() if now is None else now
    schedule = _schedule()
    pending = ledger.pending_task_ids()
    for task_id in list(schedule):
        if task_id not in pending:
            del schedule[task_id]
    for task_id in pending:
        sent = schedule.get(task_id, (now, now))[0]
        taken = now - sent
        gap = FIRST_GAP_S if taken < SLOW_AFTER_S else min(MAX_GAP_S, taken / 4)
        schedule[task_id] = (sent, now + gap)


def tick_every(ledger: AssetLedger, now: float | None = None) -> float:
    """The fragment's tick: at most TICK_S, spaced so that a tick falls on the earliest due read."""
    now = time.time() if now is None else now
    schedule = _schedule()
    dues = [schedule[t][1] for t in ledger.pending_task_ids() if t in schedule]
    wait = min(dues) - now if dues else 0.0
    if wait < MIN_TICK_S:
        return TICK_S
    return wait / math.ceil(wait / TICK_S)
