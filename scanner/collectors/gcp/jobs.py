"""Backup jobs of Google Cloud stores, read from answers the collectors already have.

No call of its own: Cloud SQL's ``backupRuns.list`` lists each run with its ``status``
(and, when it FAILED, its ``error``); Firestore's ``backups.list`` lists each backup with
its ``state``; Backup and DR's ``dataSources.list`` gives each data source's last backup
(``backupConfigInfo.lastBackupState``, ``lastBackupError``,
``lastSuccessfulBackupConsistencyTime``). Each becomes a :class:`~scanner.model.JobRun`
in neutral words; a status that says nothing about a job (a run SKIPPED "without
problems", a backup being deleted) is left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.gcp.fields import rfc3339
from scanner.collectors.jobs import keep_relevant, listed_from, unreadable_jobs
from scanner.model import DataStore, Evidence, JobRun, Scalar
from scanner.vocabulary import RunOutcome

#: Cloud SQL ``SqlBackupRunStatus``: OVERDUE — "overdue across a given backup window.
#: Indicates a problem" — is a job that never ran in its window (``expired``); SKIPPED —
#: "skipped (without problems) … the instance was idle" — is no failure and no backup;
#: DELETION_* and DELETED speak of deleting a backup, not of the job that made it.
SQL_OUTCOMES: dict[str, RunOutcome] = {
    "SUCCESSFUL": "succeeded",
    "FAILED": "failed",
    "OVERDUE": "expired",
    "RUNNING": "running",
    "ENQUEUED": "running",
}
#: Firestore ``Backup.State``: NOT_AVAILABLE ("not available at this moment") is a backup
#: that cannot be restored from — counted as a failed job (unknown is never compliant).
FIRESTORE_OUTCOMES: dict[str, RunOutcome] = {
    "READY": "succeeded",
    "CREATING": "running",
    "NOT_AVAILABLE": "failed",
}
#: Backup and DR ``BackupConfigInfo.LastBackupState`` values that are a failed backup.
BACKUPDR_FAILED = frozenset({"FAILED", "PERMISSION_DENIED"})


def set_jobs(
    store: DataStore,
    jobs: list[JobRun],
    operation: str,
    said: str,
    unread: list[str],
    now: datetime,
) -> None:
    """The store's backup jobs worth keeping, oldest first, listed from the oldest kept by
    the service; none listed is evidence too; jobs of an unknown outcome are a gap."""
    store.backup_jobs = keep_relevant(jobs)
    listed_from(store, jobs, now)
    unreadable_jobs(store, ("backup_jobs",), operation, unread)
    if not jobs:
        fields: dict[str, Scalar] = {"backup jobs": f"returned 0 {said} for this store"}
        store.evidence.append(Evidence(operation=operation, region=store.region, fields=fields))


def sql_job(run: dict[str, Any], region: str | None) -> JobRun | None:
    """One ``BackupRun``: started at ``startTime`` (else ``enqueuedTime``, else the
    window's start — an OVERDUE run never started), completed at ``endTime``."""
    status = str(run.get("status", ""))
    outcome = SQL_OUTCOMES.get(status)
    started = run.get("startTime") or run.get("enqueuedTime") or run.get("windowStartTime")
    if outcome is None or not started:
        return None
    error = run.get("error") or {}
    message = " ".join(str(error[k]) for k in ("code", "message") if error.get(k)) or None
    ended = run.get("endTime")
    return JobRun(
        id=f"{run.get('instance')}/backupRuns/{run.get('id')}",
        kind="backup",
        outcome=outcome,
        started=rfc3339(started),
        completed=rfc3339(ended) if ended and outcome != "running" else None,
        message=message,
        source=f"Cloud SQL {str(run.get('type') or 'AUTOMATED').lower()} backup",
        evidence=[
            Evidence(
                operation="sqladmin:ListBackupRuns",
                region=region,
                fields={
                    "id": run.get("id"),
                    "status": status,
                    "type": run.get("type"),
                    "startTime": run.get("startTime"),
                    "enqueuedTime": run.get("enqueuedTime"),
                    "windowStartTime": run.get("windowStartTime"),
                    "endTime": ended,
                    "error.code": error.get("code"),
                    "error.message": error.get("message"),
                },
            )
        ],
    )


def firestore_job(backup: dict[str, Any], region: str | None) -> JobRun | None:
    """One Firestore ``Backup`` as the job that made it, started at ``snapshotTime`` (the
    API gives no end time). A failed backup without a snapshot time has no time to
    place it at and is left out — :func:`untimed` names it."""
    state = str(backup.get("state", ""))
    outcome = FIRESTORE_OUTCOMES.get(state)
    when = backup.get("snapshotTime")
    if outcome is None or not when:
        return None
    return JobRun(
        id=str(backup.get("name", "")),
        kind="backup",
        outcome=outcome,
        started=rfc3339(when),
        message="backup state NOT_AVAILABLE" if outcome == "failed" else None,
        source="Firestore backup",
        evidence=[
            Evidence(
                operation="firestore:ListBackups",
                region=region,
                fields={
                    "name": backup.get("name"),
                    "state": state,
                    "snapshotTime": when,
                    "expireTime": backup.get("expireTime"),
                },
            )
        ],
    )


#: Cloud SQL run statuses that are no backup job (see :data:`SQL_OUTCOMES`).
SQL_NOT_JOBS = frozenset({"SKIPPED", "DELETION_PENDING", "DELETION_FAILED", "DELETED"})


def unread_runs(runs: list[dict[str, Any]]) -> list[str]:
    """Backup runs whose status is undocumented, or with no time to place them at."""
    return [
        f"{r.get('id')}: {r.get('status')}"
        for r in runs
        if str(r.get("status")) not in SQL_NOT_JOBS
        and (
            str(r.get("status")) not in SQL_OUTCOMES
            or not (r.get("startTime") or r.get("enqueuedTime") or r.get("windowStartTime"))
        )
    ]


def unread_backups(backups: list[dict[str, Any]]) -> list[str]:
    """Firestore backups in a state outside READY, CREATING and NOT_AVAILABLE."""
    return [
        f"{b.get('name')}: {b.get('state')}"
        for b in backups
        if str(b.get("state")) not in FIRESTORE_OUTCOMES
    ]


def untimed(backups: list[dict[str, Any]]) -> list[str]:
    """Failed Firestore backups the answer gives no time for."""
    return [
        str(b.get("name"))
        for b in backups
        if FIRESTORE_OUTCOMES.get(str(b.get("state"))) == "failed" and not b.get("snapshotTime")
    ]


def backupdr_jobs(source: dict[str, Any]) -> list[JobRun]:
    """A data source's last successful backup and, when its last backup failed, that
    failure. Backup and DR gives no time for a failed backup: it is placed at the data
    source's ``updateTime`` (when its record last changed, at or after the failure),
    else at the last success, and the message says so."""
    info = source.get("backupConfigInfo") or {}
    state = str(info.get("lastBackupState", ""))
    success = info.get("lastSuccessfulBackupConsistencyTime")
    name = str(source.get("name", ""))
    fields: dict[str, Scalar] = {
        "name": name,
        "backupConfigInfo.lastBackupState": state or None,
        "backupConfigInfo.lastSuccessfulBackupConsistencyTime": success,
        "updateTime": source.get("updateTime"),
    }
    jobs = []
    if success:
        evidence = Evidence(operation="backupdr:ListDataSources", fields=fields)
        jobs.append(_bdr_job(f"{name}/lastSuccessfulBackup", "succeeded", success, None, evidence))
    when = source.get("updateTime") or success
    if state in BACKUPDR_FAILED and when:
        error = info.get("lastBackupError") or {}
        said = error.get("message") or state
        field = "updateTime" if source.get("updateTime") else "lastSuccessfulBackupConsistencyTime"
        message = f"{said} (Backup and DR gives no failure time: started is the data source's "
        message += f"{field})"
        fields["backupConfigInfo.lastBackupError.message"] = error.get("message")
        evidence = Evidence(operation="backupdr:ListDataSources", fields=fields)
        jobs.append(_bdr_job(f"{name}/lastBackup", "failed", when, message, evidence))
    return jobs


def _bdr_job(
    id: str, outcome: RunOutcome, when: str, message: str | None, evidence: Evidence
) -> JobRun:
    return JobRun(
        id=id,
        kind="backup",
        outcome=outcome,
        started=rfc3339(when),
        message=message,
        source="Backup and DR",
        evidence=[evidence],
    )
