"""The audit period: operating effectiveness judged from the recovery points the clouds list.

``evaluate --period 2026-07-01..2026-09-30`` (default: the :data:`DEFAULT_LOOKBACK` days
ending at the collection time) asks, per store: how many points were created in the
period, the largest span inside it with no restorable point, and the days on which no
new restorable copy was made. The period is evaluated from the store's creation on.

Points older than the store's backups keep them are deleted by design, not missing: at
collection time, complete history reaches back only to the *horizon* (collection time
minus the retention of the backups scheduled often enough for the RPO, see
:func:`scanner.engine.derive.retention_of`). The default look-back is cut there. A
period asked for with ``--period`` that reaches behind the horizon cannot be wholly
observed: what the visible part shows is decided (a gap over the RPO is a failure),
and a period whose remaining points still meet the RPO passes, but a gap behind the
horizon may be expired points —
``history_complete`` is false and the facts give the largest gap both over the whole
period and over the part surely still visible, so a rule decides only what both agree
on. When a retention or schedule is unknown, the visible part is what the known
backups keep, and the history is never complete.
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
    #: False for the default look-back, which ends at the collection time and is cut
    #: at the retention horizon by definition
    asked: bool = True

    def as_dict(self) -> dict[str, str]:
        """The period as findings, the CSV and the report show it."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def parse_period(text: str | None, as_of: datetime) -> Period:
    """``YYYY-MM-DD..YYYY-MM-DD`` (whole days, UTC), or the default look-back ending at
    ``as_of``; a reversed, malformed or future period is bad input."""
    if text is None:
        start = as_of - DEFAULT_LOOKBACK
        label = f"{DEFAULT_LOOKBACK.days} days to {as_of:%Y-%m-%d %H:%M} UTC"
        return Period(start, as_of, label, asked=False)
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
    if end <= as_of:
        return Period(start, end, f"{first} to {last}")
    cut = f"{first} to {as_of:%Y-%m-%d %H:%M} UTC (the collection time; {last} was asked)"
    return Period(start, as_of, cut)


@dataclass(frozen=True)
class Retention:
    """How far back (``days`` before collection) the listed points surely show every
    backup that ran — None: nothing expires — and whether that is ``certain``."""

    days: float | None
    certain: bool


def period_facts(
    store: DataStore, period: Period, retention: Retention, as_of: datetime
) -> dict[str, Any]:
    """``derived.period`` for one store (see the module docstring): the largest gap over
    the period judged (``largest_gap_hours``: at most the RPO, and every part of it is
    covered) and over the part surely still visible at ``as_of``
    (``largest_visible_gap_hours``: over the RPO, and it is a failure whatever the
    unknowns)."""
    begin, why = period.start, "period"
    if store.created_at is not None and store.created_at > begin:
        begin, why = store.created_at, "creation"
    horizon = None if retention.days is None else as_of - timedelta(days=retention.days)
    judged = begin
    if not period.asked and retention.certain and horizon is not None and horizon > begin:
        judged, why = horizon, "retention"
    visible = judged if horizon is None else max(judged, horizon)
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
        "evaluated_from": judged.isoformat(),
        "evaluated_from_reason": why,
        "visible_from": min(visible, period.end).isoformat(),
        "history_complete": retention.certain and visible <= judged,
        "points": sum(1 for t in points if judged <= t < period.end),
        "days_without_new_copy": _days_without(points, windows, visible, period.end)
        if visible < period.end
        else 0,
        "in_period": begin < period.end,  # False: the store did not exist in the period
    }
    if judged < period.end:
        facts["largest_gap_hours"] = _hours(_largest_gap(spans, judged, period.end))
        facts["largest_visible_gap_hours"] = (
            _hours(_largest_gap(spans, visible, period.end)) if visible < period.end else 0.0
        )
        facts["restorable_observed"] = any(
            start < period.end and stop >= judged for start, stop in spans
        )
    return facts


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 3)


def _largest_gap(spans: list[Span], begin: datetime, end: datetime) -> float:
    """Seconds of the longest stretch inside [begin, end) with no restorable point (a
    window open at ``begin`` covers it; a point before ``begin`` does not count)."""
    cursor = begin
    for start, stop in spans:
        if start <= begin:
            cursor = max(cursor, min(stop, end)) if stop >= begin else cursor
    largest = timedelta(0)
    for start, stop in spans:  # comparisons, not min/max calls: thousands of points a store
        if stop < begin or start >= end:
            continue
        if start > cursor and start - cursor > largest:
            largest = start - cursor
        if stop > cursor:
            cursor = stop if stop < end else end
    return max(largest, end - cursor).total_seconds()


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
