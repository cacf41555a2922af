"""Backup vault jobs applied to the stores they ran for: restore jobs become the store's
``restores`` and backup jobs its ``backup_jobs``, matched by the job's ``dataSourceId``
(ARM ids compared without case).

Azure Backup has no restore-testing feature: every restore job is an ad hoc restore
(``test`` False). Only the ``Backup`` and ``Restore`` categories are runs: ``Tiering``
(moving points to the archive tier), ``Retention`` (deleting expired points) and
``Management`` (configuring protection) copy nothing elsewhere and are counted in the
evidence only. A job whose status is not one Azure documents has no outcome to claim:
it is left out of the runs and named in the store's evidence (the listing itself was
read, so it is no gap). Cosmos DB's own backups (periodic and continuous) are restored
without any job record, so a Cosmos DB account no Backup vault protects keeps
``restores`` and ``backup_jobs`` unset (no API lists them); a storage account is a kind
the vaults' jobs cover, so none listed is an empty list with its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.vaults import PROTECTED_KINDS, SOURCE, BackupVaults
from scanner.collectors.jobs import keep_relevant, listed_from, unreadable_jobs
from scanner.collectors.tasks import StoreResult
from scanner.collectors.times import api_time
from scanner.model import Evidence, JobRun, RestoreRun, Vault
from scanner.vocabulary import RunOutcome

OPERATION = "dataprotection:ListBackupJobs"
#: ``properties.status`` as Azure documents it (the SDK's description, and ``Started`` /
#: ``Succeeded`` as the REST reference's example answers write it); a job not yet ended —
#: cancelling or paused included — is running.
OUTCOMES: dict[str, RunOutcome] = {
    "completed": "succeeded",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "aborted",
    "completedwithwarnings": "partial",
    "inprogress": "running",
    "started": "running",
    "cancelling": "running",
    "paused": "running",
}
_COSMOS = "azure.cosmosdb.account"

Job = tuple[str, dict[str, Any]]


def apply_jobs(items: list[StoreResult], found: BackupVaults, now: datetime) -> None:
    """Restores and backup jobs of each store a Backup vault can protect, or the gaps
    of the job listings that could hold them."""
    jobs: dict[str, list[Job]] = defaultdict(list)
    for vault_id, job in found.jobs:
        jobs[key(_props(job).get("dataSourceId"))].append((vault_id, job))
    holders: dict[str, set[str]] = defaultdict(set)
    for vault_id, instance in found.instances:
        info = (instance.get("properties") or {}).get("dataSourceInfo") or {}
        holders[key(info.get("resourceID"))].add(vault_id.lower())
    vaults = {v.id.lower(): v for v in found.vaults}
    for item in items:
        if item.store.kind in PROTECTED_KINDS:
            mine = jobs.get(key(item.store.id), [])
            _apply(item, mine, holders.get(key(item.store.id), set()), found, vaults, now)


def key(resource_id: object) -> str:
    """An ARM id as compared: without case or a trailing slash."""
    return str(resource_id or "").strip().rstrip("/").lower()


def _apply(
    item: StoreResult,
    mine: list[Job],
    held: set[str],
    found: BackupVaults,
    vaults: dict[str, Vault],
    now: datetime,
) -> None:
    store = item.store
    if found.listing_gap is not None:
        store.gaps += gap_for(found.listing_gap, "restores", "backup_jobs", resource=store.id)
        return
    cosmos = store.kind == _COSMOS
    could_hold = held | found.unlisted if held or cosmos else set(found.job_gaps)
    failed = [g for v, g in sorted(found.job_gaps.items()) if v in could_hold]
    if cosmos and not held and not mine and not failed:
        return  # its own backups are restored without any job record: nothing lists them
    restores, listed, evidence = runs(mine, vaults)
    backups = keep_relevant(listed)
    unknown = [str(v) for k, v in evidence.fields.items() if k == _LEFT_OUT and v]
    unreadable_jobs(store, ("restores", "backup_jobs"), "dataprotection:ListBackupJobs", unknown)
    for gap in failed:
        store.gaps += gap_for(gap, "restores", "backup_jobs", resource=store.id)
    if failed:  # what the other vaults listed stays; an empty list would claim none ran
        store.restores, store.backup_jobs = restores or None, backups or None
        return
    # a store no vault holds is restored by other means (point-in-time restore, undelete),
    # which no API lists: its vault restores say nothing of it
    store.restores = restores if held or restores else None
    store.backup_jobs = backups
    listed_from(store, listed, now)
    store.evidence.append(evidence)


_LEFT_OUT = "jobs without a documented status or a start (outcome unknown: a gap)"


def runs(
    mine: list[Job], vaults: dict[str, Vault]
) -> tuple[list[RestoreRun], list[JobRun], Evidence]:
    """The restores and backup jobs among a store's jobs (oldest first), and the evidence
    of what was listed — an absence included."""
    restores: list[RestoreRun] = []
    backups: list[JobRun] = []
    others: dict[str, int] = defaultdict(int)
    unknown: list[str] = []
    for vault_id, job in mine:
        props = _props(job)
        category = str(props.get("operationCategory") or "")
        outcome = OUTCOMES.get(str(props.get("status") or "").lower())
        if category.lower() not in ("restore", "backup"):
            others[category or "(none)"] += 1
        elif outcome is None or not props.get("startTime"):
            unknown.append(f"{job.get('name')}: {props.get('status')}")
        elif category.lower() == "restore":
            restores.append(restore_run(job, outcome, vaults.get(vault_id.lower())))
        else:
            backups.append(job_run(job, outcome, vaults.get(vault_id.lower())))
    fields: dict[str, Any] = {
        "restore jobs of this resource (every Backup vault)": len(restores),
        "backup jobs of this resource (every Backup vault)": len(backups),
    }
    if others:
        fields["other jobs (operationCategory)"] = ", ".join(
            f"{c}: {n}" for c, n in sorted(others.items())
        )
    if unknown:
        fields[_LEFT_OUT] = "; ".join(sorted(unknown))
    restores.sort(key=lambda r: (r.started, r.id))
    backups.sort(key=lambda j: (j.started, j.id))
    return restores, backups, Evidence(operation=OPERATION, fields=fields)


def restore_run(job: dict[str, Any], outcome: RunOutcome, vault: Vault | None) -> RestoreRun:
    """A restore job: when it ran (duration start to end), its outcome, the point it
    restored and where to, when the answer says."""
    props = _props(job)
    started, completed = _times(props, outcome)
    extended = props.get("extendedInfo") or {}
    point = (extended.get("sourceRecoverPoint") or {}).get("recoveryPointTime")
    return RestoreRun(
        id=str(job.get("id")),
        started=started,
        completed=completed,
        outcome=outcome,
        duration_hours=_hours(started, completed),
        test=False,
        recovery_point=str(point) if point else None,
        restored_to=str(extended["recoveryDestination"])
        if extended.get("recoveryDestination")
        else None,
        source=f"{SOURCE} restore job",
        evidence=[_evidence(job, vault)],
    )


def job_run(job: dict[str, Any], outcome: RunOutcome, vault: Vault | None) -> JobRun:
    """A backup job, with the failure's reason as Azure wrote it."""
    props = _props(job)
    started, completed = _times(props, outcome)
    return JobRun(
        id=str(job.get("id")),
        kind="backup",
        outcome=outcome,
        started=started,
        completed=completed,
        message=message(props),
        source=f"{SOURCE} backup job",
        evidence=[_evidence(job, vault)],
    )


def message(props: dict[str, Any]) -> str | None:
    """``errorDetails[]`` as ``code: message``, joined; None when the job carries none."""
    parts = [
        ": ".join(str(p) for p in (e.get("code"), e.get("message")) if p)
        for e in props.get("errorDetails") or []
        if isinstance(e, dict)
    ]
    return "; ".join(p for p in parts if p) or None


def _times(props: dict[str, Any], outcome: RunOutcome) -> tuple[datetime, datetime | None]:
    started = api_time(props["startTime"])
    end = props.get("endTime")
    completed = api_time(end) if end and outcome != "running" else None
    return started, completed if completed is None or completed >= started else None


def _hours(started: datetime, completed: datetime | None) -> float | None:
    return None if completed is None else (completed - started).total_seconds() / 3600


def _evidence(job: dict[str, Any], vault: Vault | None) -> Evidence:
    props = _props(job)
    errors = props.get("errorDetails") or [{}]
    return Evidence(
        operation=OPERATION,
        region=vault.region if vault else None,
        fields={
            "name": job.get("name"),
            "properties.vaultName": props.get("vaultName"),
            "properties.dataSourceId": props.get("dataSourceId"),
            "properties.operationCategory": props.get("operationCategory"),
            "properties.operation": props.get("operation"),
            "properties.status": props.get("status"),
            "properties.startTime": props.get("startTime"),
            "properties.endTime": props.get("endTime"),
            "properties.duration": props.get("duration"),
            "properties.isUserTriggered": props.get("isUserTriggered"),
            "properties.policyName": props.get("policyName"),
            "properties.restoreType": props.get("restoreType"),
            "properties.errorDetails[0].code": (errors[0] or {}).get("code"),
        },
    )


def _props(job: dict[str, Any]) -> dict[str, Any]:
    props = job.get("properties")
    return props if isinstance(props, dict) else {}
