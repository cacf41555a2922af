"""Summarising recovery points from all sources: newest, oldest, count and largest gap."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime

from scanner.model import Evidence, RecoveryPoints, RecoverySource

Interval = tuple[datetime, datetime]


def summarize(
    sources: list[RecoverySource],
    intervals: Iterable[Interval],
    evidence: list[Evidence] | None = None,
) -> RecoveryPoints:
    """Combine sources; ``intervals`` are restorable spans (a discrete point is start=end);
    ``evidence`` is what the listings answered (absences included)."""
    newest = max((s.newest for s in sources if s.newest), default=None)
    oldest = min((s.oldest for s in sources if s.oldest), default=None)
    count = sum(s.count for s in sources)
    return RecoveryPoints(
        newest=newest,
        oldest=oldest,
        count=count,
        max_gap_hours=largest_gap_hours(intervals),
        sources=sorted(sources, key=lambda s: (s.kind, s.source)),
        evidence=sorted(evidence or [], key=lambda e: (e.operation, e.model_dump_json())),
    )


def largest_gap_hours(intervals: Iterable[Interval]) -> float | None:
    """Largest uncovered span between restorable intervals, in hours.

    ``None`` when it cannot be observed: fewer than two points and no continuous window.
    """
    spans = sorted(intervals)
    if not spans:
        return None
    merged: list[list[datetime]] = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if len(merged) == 1:
        only = merged[0]
        return 0.0 if only[1] > only[0] or len(spans) > 1 else None
    gaps = (b[0] - a[1] for a, b in itertools.pairwise(merged))
    return round(max(g.total_seconds() for g in gaps) / 3600, 3)
