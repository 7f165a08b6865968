"""Numbers, dates, durations and relative times as the reader's locale writes them (Babel's CLDR data), in
the reader's time zone. No Streamlit: lib/ui/language.py binds the session's locale and the browser's zone
(`st.context.timezone`). Every time is a Unix time (seconds); None, 0 and NaN mean "no time" and give "".

    number(12345.5, "zh_CN")                  # "12,345.5"
    date_time(ts, "zh_CN", tz)                # "2026年12月1日 19:20"
    relative(-90, "zh_CN")                    # "2分钟前"   (negative: in the past)
    duration(125, "en")                       # "2 minutes"
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo

from babel.dates import format_datetime, format_skeleton, format_time, format_timedelta
from babel.numbers import format_decimal, format_percent

# Babel's own locale names: zh_CN is simplified Chinese (zh_Hans_CN), zh_TW traditional (zh_Hant_TW).
_BABEL = {"en": "en", "zh_CN": "zh_Hans_CN", "zh_TW": "zh_Hant_TW"}


def babel_locale(locale: str) -> str:
    return _BABEL.get(locale, locale or "en")


def _moment(ts: object, tz: tzinfo | None) -> datetime | None:
    try:
        value = float(ts)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not value or not math.isfinite(value):
        return None
    return datetime.fromtimestamp(value, tz=tz or timezone.utc)


def number(value: float, locale: str) -> str:
    """12,345 / 12,345.5 with the locale's separators."""
    return format_decimal(value, locale=babel_locale(locale))


def percent(value: float, locale: str) -> str:
    """0.25 → "25%"."""
    return format_percent(value, locale=babel_locale(locale))


def date_time(ts: object, locale: str, tz: tzinfo | None = None, *, width: str = "medium") -> str:
    """A date and time in `tz` (UTC when None): "Dec 1, 2026, 7:20:05 PM" / "2026年12月1日 19:20:05"."""
    moment = _moment(ts, tz)
    return format_datetime(moment, width, tzinfo=moment.tzinfo, locale=babel_locale(locale)) if moment else ""


def short_date_time(ts: object, locale: str, tz: tzinfo | None = None) -> str:
    """A compact date and time for sentences and table cells: "Dec 1, 19:20" / "12月1日 19:20"."""
    moment = _moment(ts, tz)
    if moment is None:
        return ""
    loc = babel_locale(locale)
    return f"{format_skeleton('MMMd', moment, locale=loc)} {format_time(moment, 'HH:mm', locale=loc)}"


def clock(ts: object, locale: str, tz: tzinfo | None = None) -> str:
    """The time of day alone, 24-hour: "19:20"."""
    moment = _moment(ts, tz)
    return format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=babel_locale(locale)) if moment else ""


def moment(ts: object, locale: str, tz: tzinfo | None = None, *, seconds: bool = False, now: float | None = None) -> str:
    """For sentences: the time alone when `ts` is today in `tz` ("19:20", "19:20:05"), else with its day
    ("Dec 1 19:20" / "12月1日 19:20"); "" for no time. `now` (Unix time) says what today is."""
    moment_ = _moment(ts, tz)
    if moment_ is None:
        return ""
    loc = babel_locale(locale)
    shown = format_time(moment_, "HH:mm:ss" if seconds else "HH:mm", tzinfo=moment_.tzinfo, locale=loc)
    today = datetime.fromtimestamp(now, tz=moment_.tzinfo).date() if now else datetime.now(tz=moment_.tzinfo).date()
    return shown if moment_.date() == today else f"{format_skeleton('MMMd', moment_, locale=loc)} {shown}"


def duration(seconds: float, locale: str, *, threshold: float = 0.85) -> str:
    """A duration in words, rounded to its largest unit: "2 minutes" / "2分钟"."""
    return format_timedelta(
        timedelta(seconds=seconds), threshold=threshold, locale=babel_locale(locale), format="long"
    )


def relative(seconds: float, locale: str) -> str:
    """A relative time: negative is in the past ("2 minutes ago" / "2分钟前"), positive in the future
    ("in 2 minutes" / "2分钟后")."""
    return format_timedelta(
        timedelta(seconds=seconds), add_direction=True, locale=babel_locale(locale), format="long"
    )


def since(ts: object, locale: str, now: float) -> str:
    """How long ago `ts` was, seen from `now`: "5 minutes ago"; "" for no time."""
    moment = _moment(ts, timezone.utc)
    return relative(moment.timestamp() - now, locale) if moment else ""


def table_time(text: str, locale: str) -> str:
    """A table's "2026-03-04 14:05" (lib.library.when_text: already in the reader's zone) as the locale writes
    a date and time ("2026年3月4日 14:05"); English, an empty cell or anything else stays as it is."""
    if locale == "en" or not text:
        return text
    try:
        moment_ = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return text
    loc = babel_locale(locale)
    return f"{format_skeleton('yMMMd', moment_, locale=loc)} {format_time(moment_, 'HH:mm', locale=loc)}"
