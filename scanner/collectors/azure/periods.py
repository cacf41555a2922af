"""ISO 8601 periods as Azure writes retentions and schedules (``P30D``, ``P12M``, ``P7Y``,
``PT4H``): exact days and hours, months and years counted on the calendar from a fixed
date (isodate's ``total_seconds`` would drop them)."""

from __future__ import annotations

from datetime import datetime, timedelta

import isodate

#: Where calendar periods are counted from: a year of 365 days, months as they fall.
_FROM = datetime(2026, 1, 1)


def period(text: object) -> timedelta | None:
    """``P12M`` → 365 days; ``PT0S`` or nothing → None."""
    if not text:
        return None
    parsed = isodate.parse_duration(str(text))
    span = parsed if isinstance(parsed, timedelta) else parsed.totimedelta(start=_FROM)
    return span if span.total_seconds() > 0 else None


def period_days(text: object) -> float | None:
    """A period in days (None when absent or zero)."""
    span = period(text)
    return span.total_seconds() / 86400 if span else None


def period_hours(text: object) -> float | None:
    """A period in hours (None when absent or zero)."""
    span = period(text)
    return span.total_seconds() / 3600 if span else None
