"""What a collector keeps of a store's job history: every job that did not succeed, and
of the successful ones only those a rule reads — the first after each failure (it closes
the failure) and the latest of each kind — so a store's record stays small however
often it is backed up."""

from __future__ import annotations

from datetime import datetime

from scanner.model import DataStore, Gap, JobRun
from scanner.vocabulary import GapAttribute


def keep_relevant(jobs: list[JobRun]) -> list[JobRun]:
    """The jobs worth keeping, oldest first (see the module docstring)."""
    ordered = sorted(jobs, key=lambda j: (j.started, j.id))
    kept: list[JobRun] = []
    open_kinds: set[str] = set()
    for job in ordered:
        if job.outcome != "succeeded":
            kept.append(job)
            open_kinds.add(job.kind)
        elif job.kind in open_kinds:
            kept.append(job)
            open_kinds.discard(job.kind)
    for kind in {j.kind for j in ordered}:
        latest = [j for j in ordered if j.kind == kind and j.outcome == "succeeded"][-1:]
        kept += [j for j in latest if j not in kept]
    return sorted(kept, key=lambda j: (j.started, j.id))


def unreadable_jobs(
    store: DataStore, attributes: tuple[GapAttribute, ...], operation: str, jobs: list[str]
) -> None:
    """Jobs the answer gives in a state outside the documented ones, or without a start:
    their outcome is unknown, so the facts they belong to are gaps — never a default, and
    never left out in silence."""
    if not jobs:
        return
    for attribute in attributes:
        store.gaps.append(
            Gap(
                attribute=attribute,
                operation=operation,
                error_code="UnreadableJob",
                cause="error",
                message="outcome or start not given: " + ", ".join(jobs),
                resource=store.id,
            )
        )


def listed_from(store: DataStore, jobs: list[JobRun], now: datetime) -> None:
    """Where a provider lists only the jobs whose backups it still keeps (no documented
    window), the listing shows history from the oldest job it gave: a failure before it
    cannot be seen. A listing of no job shows none before the collection (``now``). Of
    two such listings (Cloud SQL's runs and Backup and DR's jobs), the later start
    holds: before it, one of them shows nothing."""
    oldest = min((j.started for j in jobs), default=now)
    known = store.backup_jobs_from
    store.backup_jobs_from = oldest if known is None else max(known, oldest)
