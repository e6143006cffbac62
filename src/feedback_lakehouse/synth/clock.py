"""Timestamp formatting on integer epoch seconds (fast, and never reads the wall clock)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso_z(ts: int) -> str:
    t = time.gmtime(ts)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"
    )


def iso_offset(ts: int, minutes: int) -> str:
    t = time.gmtime(ts + minutes * 60)
    sign = "+" if minutes >= 0 else "-"
    m = abs(minutes)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}{sign}{m // 60:02d}:{m % 60:02d}"
    )


def space_utc(ts: int) -> str:
    t = time.gmtime(ts)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}+00:00"
    )


def mail_date(ts: int) -> str:
    """'Tue, 3 Sep 2026 at 10:14' as quoted-reply headers show it."""
    t = time.gmtime(ts)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday} {_MONTHS[t.tm_mon - 1]} {t.tm_year} at "
        f"{t.tm_hour:02d}:{t.tm_min:02d}"
    )


def to_epoch(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def month_of(ts: int) -> tuple[int, int]:
    t = time.gmtime(ts)
    return t.tm_year, t.tm_mon


def weekday(ts: int) -> int:
    return time.gmtime(ts).tm_wday
