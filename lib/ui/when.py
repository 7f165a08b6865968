"""Times as the operator reads them: in the browser's time zone (`st.context.timezone`), UTC when the browser
has not said (AppTest, a script run outside a browser). Formatting only; nothing here stores or logs.

Every function takes a Unix time (seconds; None, 0 or NaN mean "no time" and give "") and an optional `tz`:
a zone name ("Europe/Berlin"), a tzinfo, or None for the browser's zone. Pages use these instead of
`datetime.fromtimestamp` so that no page shows a server-local or UTC time.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

Zone = str | tzinfo | None


def zone(tz: Zone = None) -> tzinfo:
    """The tzinfo for `tz`; None means the browser's zone; an unknown name or no zone at all means UTC."""
    if isinstance(tz, tzinfo):
        return tz
    name = tz if tz is not None else _browser_zone_name()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.utc


def _browser_zone_name() -> str | None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return None  # outside a script run (a unit test, a thread): no browser to ask
    try:
        return st.context.timezone
    except Exception:
        return None


def _moment(ts: object) -> float | None:
    try:
        value = float(ts)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value and math.isfinite(value) else None


def _local(ts: object, tz: Zone) -> datetime | None:
    value = _moment(ts)
    return None if value is None else datetime.fromtimestamp(value, tz=zone(tz))


def date_time(ts: object, tz: Zone = None) -> str:
    """"2025-03-04 14:05" in the browser's zone; "" for no time. For tables and exports."""
    moment = _local(ts, tz)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def clock(ts: object, tz: Zone = None, *, seconds: bool = False) -> str:
    """"14:05" (or "14:05:09") when `ts` is today in the browser's zone, else "4 Mar 14:05"; "" for no time.
    For sentences ("sent at 14:05")."""
    moment = _local(ts, tz)
    if moment is None:
        return ""
    shown = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    today = datetime.now(tz=moment.tzinfo).date()
    return shown if moment.date() == today else f"{moment.day} {moment.strftime('%b')} {shown}"


def span(seconds: float) -> str:
    """A duration in plain words: "40 s", "3 min", "2 h 5 min", "3 days"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
