"""AWS Backup's jobs, per region: backup jobs (AWS keeps the last 30 days), copy jobs
and restore jobs, as each store's ``backup_jobs`` and ``restores``.

Calls: ``ListBackupJobs``, ``ListCopyJobs`` and ``ListRestoreJobs`` per region, paged;
no per-resource call. Backup and copy jobs run in the store's region; a restore runs
where the recovery point is (a copy in another region too), so restores are gathered
from every region scanned by the job's ``SourceResourceArn``. A restore started by a
restore testing plan (``CreatedBy.RestoreTestingPlanArn``) is a test, with its
validation status. Of the successful jobs only those that matter are kept: the latest of
each kind and the first after each failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.jobs import keep_relevant
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult
from scanner.model import DataStore, Evidence, Gap, JobRun, RestoreRun
from scanner.vocabulary import GapAttribute, JobKind, RunOutcome

OPERATIONS = declare(
    "backup",
    {
        "ListBackupJobs": "backup:ListBackupJobs",
        "ListCopyJobs": "backup:ListCopyJobs",
        "ListRestoreJobs": "backup:ListRestoreJobs",
    },
)
SOURCE = "AWS Backup"

_BACKUP_STATES: dict[str, RunOutcome] = {
    "COMPLETED": "succeeded",
    "FAILED": "failed",
    "ABORTED": "aborted",
    "ABORTING": "aborted",
    "EXPIRED": "expired",
    "PARTIAL": "partial",
}
_RESTORE_STATES: dict[str, RunOutcome] = {
    "COMPLETED": "succeeded",
    "FAILED": "failed",
    "ABORTED": "aborted",
}
_VALIDATION = {"SUCCESSFUL": True, "FAILED": False, "TIMED_OUT": False}


@dataclass
class RegionJobs:
    """One region's job listings: jobs by resource ARN, and the gaps of failed listings."""

    region: str
    jobs: dict[str, list[JobRun]] = field(default_factory=dict)
    restores: dict[str, list[RestoreRun]] = field(default_factory=dict)
    jobs_gaps: list[Gap] = field(default_factory=list)
    restores_gap: Gap | None = None
    #: resource ARN → a job or restore whose state or start the answer did not give
    unread: dict[str, list[Gap]] = field(default_factory=dict)
    request_ids: dict[str, str | None] = field(default_factory=dict)
    listed: dict[str, int] = field(default_factory=dict)


def collect_region(api: AwsApi, region: str) -> TaskResult:
    """List the region's backup, copy and restore jobs."""
    facts = RegionJobs(region)
    for operation, key, kind in (
        ("ListBackupJobs", "BackupJobs", "backup"),
        ("ListCopyJobs", "CopyJobs", "copy"),
    ):
        listing = api.pages("backup", region, operation, "backup_jobs", key)
        facts.request_ids[operation], facts.listed[operation] = (
            listing.request_id,
            len(listing.items),
        )
        if listing.gap is not None:
            facts.jobs_gaps.append(listing.gap)
        for raw in listing.items:
            arn = str(raw.get("ResourceArn"))
            run = _job(raw, kind, region)  # type: ignore[arg-type]
            if run is None:
                facts.unread.setdefault(arn, []).append(_unread(raw, operation, "backup_jobs"))
            else:
                facts.jobs.setdefault(arn, []).append(run)
    _read_restores(api, region, facts)
    return TaskResult(facts=[facts])


def _read_restores(api: AwsApi, region: str, facts: RegionJobs) -> None:
    restores = api.pages("backup", region, "ListRestoreJobs", "restores", "RestoreJobs")
    facts.restores_gap = restores.gap
    facts.request_ids["ListRestoreJobs"] = restores.request_id
    facts.listed["ListRestoreJobs"] = len(restores.items)
    for raw in restores.items:
        source = str(raw.get("SourceResourceArn") or "")
        run = _restore(raw, region)
        if run is None:
            gap = _unread(raw, "ListRestoreJobs", "restores")
            facts.unread.setdefault(source, []).append(gap)
        elif source:
            facts.restores.setdefault(source, []).append(run)


def _unread(raw: dict[str, Any], operation: str, attribute: GapAttribute) -> Gap:
    """A job the answer gave without a start or with a state outside the documented
    ones: its outcome is unknown, never a default."""
    state = raw.get("State") or raw.get("Status")
    job = raw.get("BackupJobId") or raw.get("CopyJobId") or raw.get("RestoreJobId")
    return Gap(
        attribute=attribute,
        operation=f"backup:{operation}",
        error_code="UnreadableJob",
        cause="error",
        message=f"job {job}: state {state!r}, CreationDate {raw.get('CreationDate')!r}",
        resource=raw.get("ResourceArn") or raw.get("SourceResourceArn"),
    )


#: The states AWS documents for a job that has not ended.
_UNFINISHED = ("CREATED", "PENDING", "RUNNING")


def _outcome(states: dict[str, RunOutcome], state: Any) -> RunOutcome | None:
    """The documented state's outcome; None for a state outside the documented ones."""
    return "running" if state in _UNFINISHED else states.get(str(state))


def _job(raw: dict[str, Any], kind: JobKind, region: str) -> JobRun | None:
    started = raw.get("CreationDate")
    job_id = raw.get("BackupJobId") or raw.get("CopyJobId")
    state = raw.get("State")
    outcome = _outcome(_BACKUP_STATES, state)
    if not isinstance(started, datetime) or outcome is None:
        return None
    return JobRun(
        id=str(job_id),
        kind=kind,
        outcome=outcome,
        started=started,
        completed=raw.get("CompletionDate"),
        message=raw.get("StatusMessage") or None,
        source=SOURCE,
        evidence=[
            Evidence(
                operation="backup:ListBackupJobs" if kind == "backup" else "backup:ListCopyJobs",
                region=region,
                fields={
                    "job": str(job_id),
                    "State": state,
                    "CreationDate": started.isoformat(),
                    "StatusMessage": raw.get("StatusMessage"),
                },
            )
        ],
    )


def _restore(raw: dict[str, Any], region: str) -> RestoreRun | None:
    started, completed = raw.get("CreationDate"), raw.get("CompletionDate")
    outcome = _outcome(_RESTORE_STATES, raw.get("Status"))
    if not isinstance(started, datetime) or outcome is None:
        return None
    plan = (raw.get("CreatedBy") or {}).get("RestoreTestingPlanArn")
    took = (completed - started).total_seconds() / 3600 if completed else None
    return RestoreRun(
        id=str(raw.get("RestoreJobId")),
        started=started,
        completed=completed,
        outcome=outcome,
        duration_hours=took if took is None or took > 0 else None,
        test=plan is not None,
        validated=_VALIDATION.get(str(raw.get("ValidationStatus"))),
        recovery_point=raw.get("RecoveryPointArn"),
        restored_to=raw.get("CreatedResourceArn"),
        source="AWS Backup restore testing" if plan else SOURCE,
        evidence=[
            Evidence(
                operation="backup:ListRestoreJobs",
                region=region,
                fields={
                    "RestoreJobId": raw.get("RestoreJobId"),
                    "Status": raw.get("Status"),
                    "CreationDate": started.isoformat(),
                    "CompletionDate": completed.isoformat() if completed else None,
                    "ValidationStatus": raw.get("ValidationStatus"),
                    "RestoreTestingPlanArn": plan,
                    "StatusMessage": raw.get("StatusMessage"),
                },
            )
        ],
    )


#: How far back ``ListBackupJobs`` reaches ("for the last 30 days", its reference says).
JOB_HISTORY = timedelta(days=30)


def apply_jobs(item: StoreResult, facts: dict[str, RegionJobs], now: datetime) -> None:
    """Give one store its jobs (from its region; AWS shows the last 30 days) and its AWS
    Backup restores (from every region; ``None`` for a store AWS Backup does not protect
    and has never restored: its native restores are listed nowhere read)."""
    store = item.store
    local = facts.get(store.region)
    for region_facts in facts.values():
        store.gaps += region_facts.unread.get(store.id, [])
    if local is not None:
        for gap in local.jobs_gaps:
            store.gaps.append(gap.model_copy(update={"resource": store.id}))
        store.backup_jobs = keep_relevant(local.jobs.get(store.id, []))
        store.backup_jobs_from = now - JOB_HISTORY
        if not local.jobs_gaps:
            store.evidence.append(_listing(local, "ListBackupJobs", len(store.backup_jobs)))
    restores: list[RestoreRun] = []
    for _, region_facts in sorted(facts.items()):
        if region_facts.restores_gap is not None:
            store.gaps.append(region_facts.restores_gap.model_copy(update={"resource": store.id}))
        restores += region_facts.restores.get(store.id, [])
    if not restores and not _in_aws_backup(store):
        return
    store.restores = sorted(restores, key=lambda r: (r.started, r.id))
    if local is not None and local.restores_gap is None:
        store.evidence.append(_listing(local, "ListRestoreJobs", len(restores)))


def _in_aws_backup(store: DataStore) -> bool:
    """AWS Backup protects the store, or holds recovery points of it."""
    return any(p.origin == "backup_service" for p in store.protections) or any(
        s.kind == "backup_service" for s in store.recovery_points.sources
    )


def _listing(facts: RegionJobs, operation: str, found: int) -> Evidence:
    """What a region's job listing held for the store — an absence included."""
    what = "backup and copy jobs" if operation == "ListBackupJobs" else "restore jobs"
    return Evidence(
        operation=f"backup:{operation}",
        region=facts.region,
        fields={
            "jobs listed in the region": facts.listed.get(operation, 0)
            + (facts.listed.get("ListCopyJobs", 0) if operation == "ListBackupJobs" else 0),
            f"{what} of this resource kept": found,
        },
        request_id=facts.request_ids.get(operation),
    )
