"""The collector interface every cloud implements, and the one way a collection runs.

A :class:`Collector` names its *targets* (accounts, projects or subscriptions × regions;
one it cannot enter is returned as account facts with a gap, never dropped), the *tasks*
that read a target, and how a target's task results *finish* into stores and account
facts. :func:`collect` runs every target's tasks on one pool and wraps the outcome in the
snapshot envelope, with the API operations actually called.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from scanner import __version__
from scanner.collectors.answers import sort_gaps
from scanner.collectors.readonly import CallCounter
from scanner.collectors.recovery import summarize
from scanner.collectors.tasks import StoreResult, Task, TaskResult, run_groups
from scanner.model import AccountFacts, ApiCalls, DataStore, Principal, Scope, Snapshot
from scanner.progress import NoProgress, Progress
from scanner.vocabulary import Cloud


@dataclass(frozen=True)
class Target:
    """One account (project, subscription) and the regions to read in it."""

    account: str
    regions: tuple[str, ...]
    name: str | None = None


@dataclass
class Targets:
    """The targets a collector can read, and the accounts it could not enter (with gaps)."""

    reachable: list[Target] = field(default_factory=list)
    refused: list[AccountFacts] = field(default_factory=list)


class Collector(ABC):
    """One cloud's collection for one run; built by the cloud's plugin from the options."""

    cloud: Cloud

    def __init__(self, counter: CallCounter) -> None:
        self.counter = counter

    @abstractmethod
    def targets(self) -> Targets:
        """The accounts × regions to read (raises CollectionError if none can be listed)."""

    @abstractmethod
    def tasks(self, target: Target, now: datetime) -> list[Task]:
        """The first tasks that read one target; they may return follow-ups."""

    @abstractmethod
    def finish(
        self, target: Target, results: list[TaskResult], now: datetime
    ) -> tuple[list[StoreResult], AccountFacts]:
        """Turn one target's task results into stores and its account facts."""

    @abstractmethod
    def release(self, target: Target) -> None:
        """Let go of what reading ``target`` held (clients, connections); it is done."""

    @abstractmethod
    def principals(self) -> list[Principal]:
        """Who the cloud saw collecting (for the report's cover)."""


def collect(
    collector: Collector,
    clock: Callable[[], datetime],
    workers: int = 16,
    progress: Progress | None = None,
) -> Snapshot:
    """Run a collector: every target's tasks on one pool (a few targets at a time, each
    finished and released as soon as its last task ends), then the snapshot envelope."""
    targets = collector.targets()
    now = clock()
    stores: list[DataStore] = []
    accounts = list(targets.refused)

    def finished(index: int, results: list[TaskResult]) -> None:
        target = targets.reachable[index]
        items, facts = collector.finish(target, results, now)
        stores.extend(finish_store(item) for item in items)
        accounts.append(facts)
        collector.release(target)

    groups = (
        (index, partial(collector.tasks, target, now))
        for index, target in enumerate(targets.reachable)
    )
    in_flight = max(2, workers // 4)
    run_groups(groups, workers, progress or NoProgress(), finished, in_flight)
    snapshot = envelope(collector.cloud, stores, accounts, collector.counter, now)
    snapshot.principals = collector.principals()
    return snapshot


def finish_store(item: StoreResult) -> DataStore:
    """Summarize recovery points and put every list of a store in a stable order."""
    store = item.store
    points = store.recovery_points
    store.recovery_points = summarize(points.sources, item.intervals, points.evidence)
    store.protections.sort(key=lambda p: (p.role, p.source, p.name))
    store.copies.sort(key=lambda c: (c.kind, c.target, c.state))
    store.gaps = sort_gaps(store.gaps)
    return store


def envelope(
    cloud: Cloud,
    stores: list[DataStore],
    accounts: list[AccountFacts],
    counter: CallCounter,
    now: datetime,
) -> Snapshot:
    """The snapshot of one cloud's collection, every list in a stable order."""
    for facts in accounts:
        facts.gaps = sort_gaps(facts.gaps)
    calls = [
        ApiCalls(cloud=cloud, service=service, operation=op, calls=n, retries=retries)
        for (service, op), (n, retries) in sorted(counter.counts().items())
    ]
    return Snapshot(
        tool_version=__version__,
        collected_at=now,
        scope=Scope(
            clouds=[cloud],
            accounts=sorted({a.account for a in accounts}),
            regions=sorted({r for a in accounts for r in a.regions}),
        ),
        stores=sorted(stores, key=lambda s: s.id),
        accounts=sorted(accounts, key=lambda a: (a.cloud, a.account)),
        api_calls=calls,
    )
