"""Operations facts the engine derives for one store: its restores (``derived.restore``)
and its failed backup and copy jobs (``derived.backup_jobs``); who hears of failures and
what records are kept are in :mod:`scanner.engine.watchers`.

A fact is present only when the facts read decide it: a listing that failed (a gap), a
kind whose restores no API lists (and no file entry), or a job listing that does not
reach back to the period's start leaves the fact absent, so the rules reading it are
not_assessed — unless a known element already decides (a failure left open).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scanner.engine.period import Period
from scanner.model import DataStore, JobRun, RestoreRun
from scanner.vocabulary import FAILED_OUTCOMES

HOUR = 3600.0


def when(moment: datetime) -> str:
    """A time for messages, in UTC whatever zone it was read in."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _restore_text(run: RestoreRun) -> str:
    took = f", {run.duration_hours:.1f} h" if run.duration_hours is not None else ""
    how = "restore test" if run.test else "restore"
    check = {True: ", validated", False: ", validation failed", None: ""}[run.validated]
    return f"{how} {run.id} on {when(run.started)}: {run.outcome}{check}{took} ({run.source})"


def restored(run: RestoreRun) -> bool:
    """A restore that succeeded and whose validation, if any, did not fail."""
    return run.outcome == "succeeded" and run.validated is not False


#: The ``source`` of restores read from the restore-evidence file.
EVIDENCE_FILE = "restore-evidence file"
#: The evidence field that says a store's restores come from the file alone.
UNLISTED = "restores listed by the provider"
_NOT_LISTED = "no API lists this kind's restores: record tests in the restore-evidence file"
_LISTED = (
    "read: the provider's restore jobs (restores by other means are not listed: record "
    "them in the restore-evidence file)"
)


def restore_facts(store: DataStore, now: datetime) -> dict[str, Any]:
    """The latest finished restore, whether it succeeded, and the latest success: its
    age and its measured restore time. With a ``restores`` gap a later restore may be
    hidden, and where no API lists the kind's restores and the file has none nothing is
    known: then only ``count``, the known runs and ``listed`` are given."""
    runs = sorted(
        (r for r in store.restores or [] if r.outcome != "running"),
        key=lambda r: (r.started, r.id),
    )
    facts: dict[str, Any] = {"count": len(runs), "runs": [_restore_text(r) for r in runs[-5:]]}
    if any(g.attribute == "restores" for g in store.gaps):
        return facts
    unlisted = store.restores is None or any(UNLISTED in e.fields for e in store.evidence)
    facts["listed"] = _NOT_LISTED if unlisted else _LISTED
    if not runs:
        if not unlisted:  # the provider's listing ran and showed none
            facts |= {"latest_ok": False, "latest": "no restore on record"}
        return facts
    latest = runs[-1]
    facts |= {"latest_ok": restored(latest), "latest": _restore_text(latest)}
    successes = [r for r in runs if restored(r)]
    if successes:
        best = successes[-1]
        facts["last_success"] = _restore_text(best)
        facts["last_success_age_days"] = max((now - best.started).total_seconds(), 0) / 86400
        if best.duration_hours is not None:
            facts["last_success_hours"] = best.duration_hours
    return facts


def _job_text(job: JobRun) -> str:
    why = f": {job.message}" if job.message else ""
    return f"{job.kind} job {job.id} {job.outcome} on {when(job.started)}{why}"


def job_facts(
    store: DataStore, rpo_hours: float | None, period: Period, now: datetime
) -> dict[str, Any]:
    """Failed backup and copy jobs that started in the period; those not followed by a
    success of the same kind (for backups: a later recovery point too) within the RPO
    (``unrecovered``), and those whose RPO has not passed yet (``awaiting``). Absent when
    the jobs are not listed or could not be; ``unrecovered`` is absent when none is known
    but the listing does not reach back to the period's start, or a recovery point that
    could not be listed may have closed a failure."""
    if store.backup_jobs is None or any(g.attribute == "backup_jobs" for g in store.gaps):
        return {}
    in_period = [
        j
        for j in sorted(store.backup_jobs, key=lambda j: (j.started, j.id))
        if j.outcome in FAILED_OUTCOMES and period.start <= j.started < period.end
    ]
    facts: dict[str, Any] = {
        "failures": [_job_text(j) for j in in_period],
        "failures_in_period": len(in_period),
    }
    horizon = store.backup_jobs_from
    if horizon is not None:
        facts["listed_from"] = when(horizon)
    if rpo_hours is None:
        return facts
    due = [j for j in in_period if _deadline(j, rpo_hours) <= now.timestamp()]
    facts["awaiting"] = [_job_text(j) for j in in_period if j not in due]
    open_failures = [j for j in due if not _closed(store, j, rpo_hours)]
    points_hidden = any(g.attribute == "recovery_points" for g in store.gaps)
    hidden = points_hidden and any(j.kind == "backup" for j in open_failures)
    unseen = horizon is not None and period.start < horizon
    if hidden or (unseen and not open_failures):
        return facts  # a success that could not be listed, or failures before the listing
    facts["unrecovered"] = [
        _job_text(j) + f" — no successful {j.kind} within the RPO ({rpo_hours:g} h)"
        for j in open_failures
    ]
    return facts


def _deadline(failed: JobRun, rpo_hours: float) -> float:
    return failed.started.timestamp() + rpo_hours * HOUR


def _closed(store: DataStore, failed: JobRun, rpo_hours: float) -> bool:
    """A success of the same kind started after the failure and within the RPO (the
    moment a backup captures is its start, as a recovery point's creation time)."""
    later = [
        j.started
        for j in store.backup_jobs or []
        if j.kind == failed.kind and j.outcome == "succeeded" and j.started > failed.started
    ]
    if failed.kind == "backup":
        for source in store.recovery_points.sources:
            if source.kind != "continuous":
                later += [p for p in source.points if p > failed.started]
                later += [source.newest] if source.newest and source.newest > failed.started else []
    return any(t.timestamp() <= _deadline(failed, rpo_hours) for t in later)
