"""The unit of concurrent collection work and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scanner.collectors.recovery import Interval
from scanner.model import DataStore, Gap


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
