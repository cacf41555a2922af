"""AWS cron expressions (``cron(min hour day-of-month month day-of-week year)``): the start
time of day and the longest interval between runs, every field honoured.

Parsing and occurrences come from ``aws-croniter`` (AWS's six-field form with ``?``,
``L``, ``W``, ``#``, names and the year). The longest interval is computed exactly over
five years from the given time: the times of day are the same on every run day (cron's
minute and hour fields do not depend on the date), so it is the larger of the longest
gap inside a run day and the longest gap from one run day's last run to the next run
day's first. A schedule that does not parse, runs fewer than twice in that span, or stops
running within it (its year field ends), is unknown (``None``) — never a guess. Schedules
in a time zone with daylight saving time are treated as if the zone had none (an
interval may be off by an hour).
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from aws_croniter import AwsCroniter
from aws_croniter.exceptions import AwsCroniterExpressionError

_EXPR = re.compile(r"^cron\((.+)\)$")
HORIZON = timedelta(days=5 * 366)
MAX_RUN_DAYS = 2000


def parse(expression: str) -> AwsCroniter | None:
    """The parsed ``cron(...)`` expression, or None (``rate(...)`` or malformed)."""
    match = _EXPR.match(expression.strip())
    if not match:
        return None
    try:
        return AwsCroniter(match.group(1).strip())
    except (AwsCroniterExpressionError, ValueError):
        return None


def _next(cron: AwsCroniter, after: datetime, inclusive: bool = False) -> datetime | None:
    try:
        found = cron.get_next(after, n=1, inclusive=inclusive)[0]
    except (ValueError, AwsCroniterExpressionError):
        return None
    return found if isinstance(found, datetime) else None


def _times_of_day(cron: AwsCroniter, first: datetime) -> list[timedelta]:
    """Offsets from midnight of every run on the day of ``first`` (its first run)."""
    day = first.replace(hour=0, minute=0)
    times, current = [first - day], first
    while (found := _next(cron, current)) is not None and found.date() == first.date():
        times.append(found - day)
        current = found
    return times


def max_interval_hours(expression: str, now: datetime) -> float | None:
    """Longest interval between consecutive runs from ``now``'s day on, in hours."""
    day = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return _max_interval_hours(expression, day)


@lru_cache(maxsize=512)
def _max_interval_hours(expression: str, start: datetime) -> float | None:
    cron = parse(expression)
    if cron is None:
        return None
    first = _next(cron, start, inclusive=True)
    if first is None:
        return None
    times = _times_of_day(cron, first)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    last_of_day = first.replace(hour=0, minute=0) + times[-1]
    run_day = first.replace(hour=0, minute=0)
    for _ in range(MAX_RUN_DAYS):
        following = _next(cron, run_day + timedelta(days=1), inclusive=True)
        if following is None:
            return None  # the schedule ends (its year field runs out): not a recurring backup
        if following - first > HORIZON:
            break
        gaps.append(following - last_of_day)
        run_day = following.replace(hour=0, minute=0)
        last_of_day = run_day + times[-1]
    if not gaps:
        return None
    return max(g.total_seconds() for g in gaps) / 3600


def start_time(expression: str) -> str | None:
    """``HH:MM`` when the expression runs at one fixed time of day."""
    match = _EXPR.match(expression.strip())
    fields = match.group(1).split() if match else []
    if len(fields) != 6 or not fields[0].isdigit() or not fields[1].isdigit():
        return None
    return f"{int(fields[1]):02d}:{int(fields[0]):02d}"
