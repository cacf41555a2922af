"""AWS cron expressions (``cron(min hour dom month dow year)``): start time and frequency.

The frequency that matters for RPO is the longest interval between two consecutive
runs; it is found by listing the runs over five weeks from a fixed date. Expressions
using ``L``, ``W`` or ``#`` give ``None`` (unknown), never a guess.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_EXPR = re.compile(r"^cron\((.+)\)$")


def _expand(
    field: str, low: int, high: int, names: dict[str, int] | None = None
) -> set[int] | None:
    """Values a cron field allows; None for syntax we do not evaluate."""
    values: set[int] = set()
    for part in field.upper().split(","):
        for name, number in (names or {}).items():
            part = part.replace(name, str(number))
        if any(c in part for c in "LW#"):
            return None
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = int(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values


def _fields(expression: str) -> list[str] | None:
    match = _EXPR.match(expression.strip())
    if not match:
        return None
    fields = match.group(1).split()
    return fields if len(fields) == 6 else None


def runs(expression: str, days: int = 35) -> list[datetime] | None:
    """Run times over ``days`` days from a fixed Monday; None if not evaluable."""
    fields = _fields(expression)
    if fields is None:
        return None
    try:
        minutes = _expand(fields[0], 0, 59)
        hours = _expand(fields[1], 0, 23)
        dom = _expand(fields[2], 1, 31)
        dow = _expand(fields[4], 1, 7, _DAYS)
    except ValueError:
        return None
    if minutes is None or hours is None or dom is None or dow is None:
        return None
    start = datetime(2024, 1, 1)  # a Monday
    out: list[datetime] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.day in dom and (day.isoweekday() % 7) + 1 in dow:
            out.extend(
                day.replace(hour=h, minute=m) for h in sorted(hours) for m in sorted(minutes)
            )
    return out


def max_interval_hours(expression: str) -> float | None:
    """Longest interval between consecutive runs, in hours."""
    times = runs(expression)
    if not times or len(times) < 2:
        return None
    return max((b - a).total_seconds() for a, b in itertools.pairwise(times)) / 3600


def start_time(expression: str) -> str | None:
    """``HH:MM`` when the expression runs at one fixed time of day."""
    fields = _fields(expression)
    if fields is None or not fields[0].isdigit() or not fields[1].isdigit():
        return None
    return f"{int(fields[1]):02d}:{int(fields[0]):02d}"
