"""The unit of concurrent collection work, what it returns, and the one worker pool.

A task reads something (a listing, one resource) and returns a :class:`TaskResult`:
stores it built, gaps it met, cloud-specific facts for the collector's ``finish`` step,
and follow-up tasks it discovered (per-resource reads). :func:`run_groups` runs every
target's tasks on one thread pool, queueing follow-ups from the calling thread, so no
worker ever waits on another, and hands each target's results back as soon as they are
complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from scanner.collectors.recovery import Interval
from scanner.model import DataStore, Evidence, Gap, RecoverySource, Scalar
from scanner.progress import Progress
from scanner.vocabulary import KeyType, RecoveryKind

K = TypeVar("K")


@dataclass
class StoreResult:
    """A collected store plus the restorable intervals behind its recovery summary."""

    store: DataStore
    intervals: list[Interval] = field(default_factory=list)

    def add_points(
        self,
        kind: RecoveryKind,
        source: str,
        times: list[datetime],
        evidence: Evidence,
        encrypted: bool | None = None,
        details: dict[str, Scalar] | None = None,
        vaults: Sequence[str] = (),
        key_type: KeyType | None = None,
    ) -> None:
        """Record discrete recovery points (``times`` sorted, oldest first) and what holds
        and encrypts them."""
        self.store.recovery_points.sources.append(
            RecoverySource(
                kind=kind,
                source=source,
                newest=times[-1],
                oldest=times[0],
                count=len(times),
                points=times,
                vaults=sorted(set(vaults)),
                encrypted=encrypted,
                key_type=key_type,
                details=details or {},
                evidence=[evidence],
            )
        )
        self.intervals.extend((t, t) for t in times)

    def add_window(
        self,
        source: str,
        oldest: datetime | None,
        newest: datetime,
        evidence: Evidence,
        encrypted: bool | None,
        key_type: KeyType | None,
    ) -> None:
        """Record a continuous restorable window (PITR); ``oldest`` may be unknown. Its
        copies are encrypted as the store is."""
        self.store.recovery_points.sources.append(
            RecoverySource(
                kind="continuous",
                source=source,
                newest=newest,
                oldest=oldest,
                encrypted=encrypted,
                key_type=key_type,
                evidence=[evidence],
            )
        )
        self.intervals.append((oldest or newest, newest))

    def note_listing(self, evidence: Evidence) -> None:
        """Record what a listing of recovery points answered — an absence included."""
        self.store.recovery_points.evidence.append(evidence)


@dataclass
class TaskResult:
    """What one task found; ``followups`` are further tasks to run (per-resource reads)."""

    stores: list[StoreResult] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    facts: list[Any] = field(default_factory=list)
    followups: list[Callable[[], TaskResult]] = field(default_factory=list)


Task = Callable[[], TaskResult]


def run_groups(
    groups: Iterator[tuple[K, Callable[[], list[Task]]]],
    workers: int,
    progress: Progress,
    on_done: Callable[[K, list[TaskResult]], None],
    in_flight: int = 4,
) -> None:
    """Run groups of tasks (one group per target) and the follow-ups they return.

    At most ``in_flight`` groups are open at once, so what a group holds (its clients,
    its answers) is released by ``on_done(key, results)`` as soon as its last task ends,
    and memory does not grow with the number of targets. The first exception stops
    everything (unknowns are gaps inside results; an exception is a bug or a refused
    operation).
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect")
    pending: dict[Future[TaskResult], K] = {}
    open_tasks: dict[K, int] = {}
    results: dict[K, list[TaskResult]] = {}

    def submit(key: K, tasks: list[Task]) -> None:
        open_tasks[key] += len(tasks)
        progress.found(len(tasks))
        for task in tasks:
            pending[pool.submit(task)] = key

    def close_if_done(key: K) -> None:
        if open_tasks[key] == 0:
            del open_tasks[key]
            on_done(key, results.pop(key))

    def open_more() -> None:
        while len(open_tasks) < in_flight:
            following = next(groups, None)
            if following is None:
                return
            key, make = following
            open_tasks[key], results[key] = 0, []
            submit(key, make())
            close_if_done(key)

    try:
        open_more()
        while pending:
            finished, _ = wait(set(pending), return_when=FIRST_COMPLETED)
            for future in finished:
                key = pending.pop(future)
                result = future.result()
                results[key].append(result)
                progress.done("task")
                open_tasks[key] -= 1
                submit(key, result.followups)
                close_if_done(key)
            open_more()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def iso(value: datetime | None) -> str | None:
    """A timestamp as evidence text (ISO 8601, UTC)."""
    return value.isoformat().replace("+00:00", "Z") if value else None
