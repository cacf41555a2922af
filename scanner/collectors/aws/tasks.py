"""The unit of concurrent collection work and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scanner.collectors.recovery import Interval
from scanner.model import DataStore, Evidence, Gap, RecoveryKind, RecoverySource, Scalar


@dataclass(frozen=True)
class AccountContext:
    """The account being collected and the regions in scope."""

    account: str
    regions: tuple[str, ...]
    partition: str = "aws"


@dataclass
class StoreResult:
    """A collected store plus the restorable intervals behind its recovery summary."""

    store: DataStore
    intervals: list[Interval] = field(default_factory=list)

    def add_points(
        self,
        kind: RecoveryKind,
        times: list[datetime],
        evidence: Evidence,
        encrypted: bool | None = None,
        details: dict[str, Scalar] | None = None,
    ) -> None:
        """Record discrete recovery points (``times`` sorted, oldest first)."""
        self.store.recovery_points.sources.append(
            RecoverySource(
                kind=kind,
                newest=times[-1],
                oldest=times[0],
                count=len(times),
                encrypted=encrypted,
                details=details or {},
                evidence=[evidence],
            )
        )
        self.intervals.extend((t, t) for t in times)

    def add_window(
        self, kind: RecoveryKind, oldest: datetime | None, newest: datetime, evidence: Evidence
    ) -> None:
        """Record a continuous restorable window (PITR); ``oldest`` may be unknown."""
        self.store.recovery_points.sources.append(
            RecoverySource(
                kind=kind, continuous=True, newest=newest, oldest=oldest, evidence=[evidence]
            )
        )
        self.intervals.append((oldest or newest, newest))


@dataclass
class TaskResult:
    """What one task found; ``followups`` are further tasks to run (per-resource reads)."""

    stores: list[StoreResult] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    region_facts: list[Any] = field(default_factory=list)
    followups: list[Callable[[], TaskResult]] = field(default_factory=list)


def iso(value: datetime | None) -> str | None:
    """A timestamp as evidence text (ISO 8601, UTC)."""
    return value.isoformat().replace("+00:00", "Z") if value else None
