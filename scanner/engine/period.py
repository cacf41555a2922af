"""The audit period: operating effectiveness judged from the recovery points the clouds list.

``evaluate --period 2026-07-01..2026-09-30`` (default: the :data:`DEFAULT_LOOKBACK` days
ending at the collection time) asks, per store: how many points were created in the
period, the largest span inside it with no restorable point, and the days on which no
new restorable copy was made. The period is evaluated from the store's creation on, and
no further back than the store's backups keep points (points past their retention are
deleted by design, not missing): the facts say from when they were judged and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from scanner.errors import InputError
from scanner.model import DataStore

DEFAULT_LOOKBACK = timedelta(days=30)
_PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Period:
    """An audit period: ``start`` inclusive, ``end`` exclusive, both UTC."""

    start: datetime
    end: datetime
    label: str

    def as_dict(self) -> dict[str, str]:
        """The period as findings, the CSV and the report show it."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def parse_period(text: str | None, as_of: datetime) -> Period:
    """``YYYY-MM-DD..YYYY-MM-DD`` (whole days, UTC), or the default look-back ending at
    ``as_of``; a reversed, malformed or future period is bad input."""
    if text is None:
        start = as_of - DEFAULT_LOOKBACK
        return Period(start, as_of, f"{DEFAULT_LOOKBACK.days} days to {as_of:%Y-%m-%d %H:%M} UTC")
    match = _PERIOD.match(text.strip())
    if not match:
        raise InputError(f"--period: {text!r} is not FIRST..LAST (e.g. 2026-07-01..2026-09-30)")
    try:
        first, last = (date.fromisoformat(d) for d in match.groups())
    except ValueError as exc:
        raise InputError(f"--period: {text!r}: {exc}") from None
    if last < first:
        raise InputError(f"--period: {text!r} ends before it starts")
    start = datetime.combine(first, time(), timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), timezone.utc)
    if start >= as_of:
        raise InputError(
            f"--period: {text!r} starts after the inventory was collected ({as_of:%Y-%m-%d})"
        )
    return Period(start, min(end, as_of), f"{first} to {last}")


def period_facts(store: DataStore, period: Period, kept_days: float | None) -> dict[str, Any]:
    """``derived.period`` for one store (``kept_days``: the longest retention its backups
    are configured with, None when kept until deleted or unknown)."""
    begin, why = period.start, "period"
    if store.created_at is not None and store.created_at > begin:
        begin, why = store.created_at, "creation"
    if kept_days is not None and period.end - timedelta(days=kept_days) > begin:
        begin, why = period.end - timedelta(days=kept_days), "retention"
    points = [t for s in store.recovery_points.sources for t in s.points]
    windows = [
        (s.oldest or s.newest, s.newest)
        for s in store.recovery_points.sources
        if s.kind == "continuous" and s.newest is not None
    ]
    spans = sorted([(t, t) for t in points] + windows)
    facts: dict[str, Any] = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "evaluated_from": begin.isoformat(),
        "evaluated_from_reason": why,
        "points": sum(1 for t in points if begin <= t < period.end),
        "days_without_new_copy": _days_without(points, windows, begin, period.end),
        "in_period": begin < period.end,  # False: the store did not exist in the period
    }
    if begin < period.end:
        facts["largest_gap_hours"] = round(_largest_gap(spans, begin, period.end) / 3600, 3)
    return facts


def _largest_gap(spans: list[Span], begin: datetime, end: datetime) -> float:
    """Seconds of the longest stretch inside [begin, end) with no restorable point (a
    window open at ``begin`` covers it; a point before ``begin`` does not count)."""
    cursor = begin
    for start, stop in spans:
        if start <= begin:
            cursor = max(cursor, min(stop, end)) if stop >= begin else cursor
    largest = 0.0
    for start, stop in spans:
        if stop < begin or start >= end:
            continue
        if start > cursor:
            largest = max(largest, (start - cursor).total_seconds())
        cursor = max(cursor, min(stop, end))
    return max(largest, (end - cursor).total_seconds())


def _days_without(
    points: list[datetime], windows: list[Span], begin: datetime, end: datetime
) -> int:
    """UTC days in [begin, end) on which no point was created and no window was open."""
    days = {begin.date() + timedelta(days=n) for n in range((end.date() - begin.date()).days + 1)}
    days = {d for d in days if datetime.combine(d, time(), timezone.utc) < end}
    covered = {t.date() for t in points}
    for start, stop in windows:
        day = start.date()
        while day <= stop.date():
            covered.add(day)
            day += timedelta(days=1)
    return len(days - covered)
