"""Backup vaults seeded into the ARM fake: a vault, its daily policy for blobs, the
backup instances of the accounts it protects, their recovery points and the vault's
jobs (a completed backup per recovery point, and the jobs the estate names)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from scanner.durations import parse_duration
from scanner.emulator.ages import iso, times
from scanner.emulator.azure.estate import JobSpec, ProtectedSpec, VaultSpec


def arm_id(sub: str, group: str, rest: str) -> str:
    """``/subscriptions/S/resourceGroups/G/providers`` + ``rest``."""
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers{rest}"


def seed_vault(found: dict[str, Any], sub: str, spec: VaultSpec, now: datetime) -> None:
    """The vault, its policy, and what it protects."""
    vault_id = arm_id(sub, "backup", f"/Microsoft.DataProtection/backupVaults/{spec.name}")
    found.setdefault("backup_vaults", []).append(
        {
            "id": vault_id,
            "name": spec.name,
            "type": "Microsoft.DataProtection/backupVaults",
            "location": spec.location,
            "properties": {
                "provisioningState": "Succeeded",
                "storageSettings": [{"datastoreType": "VaultStore", "type": spec.redundancy}],
                **_monitoring(spec),
                "securitySettings": {
                    "immutabilitySettings": {"state": spec.immutability},
                    "softDeleteSettings": {
                        "state": "On",
                        "retentionDurationInDays": spec.soft_delete_days,
                    },
                },
            },
        }
    )
    policy_id = f"{vault_id}/backupPolicies/blob-daily"
    found.setdefault("backup_policies", []).append(_policy(policy_id, spec.keep))
    for protected in spec.protects:
        made = times(protected.points, now)
        _protect(found, sub, vault_id, policy_id, protected.account, made)
        ran = [JobSpec(operation="Backup", status="Completed", started="0h", user=False)] * len(
            made
        )
        starts = made + [now - parse_duration(j.started) for j in protected.jobs]
        found.setdefault("backup_jobs", []).extend(
            _job(sub, vault_id, spec, protected, job, start)
            for job, start in zip([*ran, *protected.jobs], starts, strict=True)
        )


def _monitoring(spec: VaultSpec) -> dict[str, Any]:
    if spec.job_failure_alerts is None:
        return {}
    alerts = {"alertsForAllJobFailures": spec.job_failure_alerts}
    return {"monitoringSettings": {"azureMonitorAlertSettings": alerts}}


def _policy(policy_id: str, keep: str) -> dict[str, Any]:
    store = {"dataStoreType": "VaultStore", "objectType": "DataStoreInfoBase"}
    backup = {
        "objectType": "AzureBackupRule",
        "name": "BackupDaily",
        "backupParameters": {"objectType": "AzureBackupParams", "backupType": "Discrete"},
        "dataStore": store,
        "trigger": {
            "objectType": "ScheduleBasedTriggerContext",
            "schedule": {"repeatingTimeIntervals": ["R/2026-01-01T02:00:00+00:00/P1D"]},
        },
    }
    keeping = {
        "objectType": "AzureRetentionRule",
        "name": "Default",
        "isDefault": True,
        "lifecycles": [
            {
                "deleteAfter": {"objectType": "AbsoluteDeleteOption", "duration": keep},
                "sourceDataStore": store,
                "targetDataStoreCopySettings": [],
            }
        ],
    }
    return {
        "id": policy_id,
        "name": policy_id.rsplit("/", 1)[-1],
        "properties": {
            "objectType": "BackupPolicy",
            "datasourceTypes": ["Microsoft.Storage/storageAccounts/blobServices"],
            "policyRules": [backup, keeping],
        },
    }


def _protect(
    found: dict[str, Any],
    sub: str,
    vault_id: str,
    policy_id: str,
    account: str,
    made: list[datetime],
) -> None:
    instance_id = f"{vault_id}/backupInstances/{account}-blobs"
    source = arm_id(sub, "data", f"/Microsoft.Storage/storageAccounts/{account}")
    found.setdefault("backup_instances", []).append(
        {
            "id": instance_id,
            "name": f"{account}-blobs",
            "properties": {
                "objectType": "BackupInstance",
                "friendlyName": account,
                "dataSourceInfo": {
                    "objectType": "Datasource",
                    "resourceID": source,
                    "datasourceType": "Microsoft.Storage/storageAccounts/blobServices",
                },
                "policyInfo": {"policyId": policy_id},
                "protectionStatus": {"status": "ProtectionConfigured"},
            },
        }
    )
    found.setdefault("recovery_points", []).extend(
        {
            "id": f"{instance_id}/recoveryPoints/rp{n}",
            "name": f"rp{n}",
            "properties": {
                "objectType": "AzureBackupDiscreteRecoveryPoint",
                "recoveryPointTime": iso(when),
                "recoveryPointType": "Full",
            },
        }
        for n, when in enumerate(made)
    )


def _job(
    sub: str,
    vault_id: str,
    spec: VaultSpec,
    protected: ProtectedSpec,
    job: JobSpec,
    start: datetime,
) -> dict[str, Any]:
    """A job as ``backupJobs`` lists it (no ``extendedInfo``: only a single job's read
    carries it)."""
    instance_id = f"{vault_id}/backupInstances/{protected.account}-blobs"
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{instance_id}/{job.operation}/{iso(start)}"))
    props: dict[str, Any] = {
        "activityID": str(uuid.uuid5(uuid.NAMESPACE_OID, name)),
        "backupInstanceId": instance_id,
        **_source(sub, vault_id, spec, protected.account),
        "progressEnabled": False,
        "startTime": iso(start),
        "operationCategory": job.operation,
        "operation": job.operation,
        "status": job.status,
        "isUserTriggered": job.user,
        "supportedActions": [""],
    }
    if job.hours is not None:
        ran = timedelta(hours=job.hours)
        props |= {"endTime": iso(start + ran), "duration": _iso_duration(ran)}
    if job.error:
        code, _, text = job.error.partition(": ")
        props["errorDetails"] = [{"code": code, "message": text or code, "isRetryable": False}]
    return {
        "id": f"{vault_id}/backupJobs/{name}",
        "name": name,
        "type": "Microsoft.DataProtection/backupVaults/backupJobs",
        "properties": props,
    }


def _source(sub: str, vault_id: str, spec: VaultSpec, account: str) -> dict[str, Any]:
    """What a job says of the vault, its policy and the data source it ran for."""
    return {
        "subscriptionId": sub,
        "vaultName": spec.name,
        "backupInstanceFriendlyName": account,
        "policyId": f"{vault_id}/backupPolicies/blob-daily",
        "policyName": "blob-daily",
        "dataSourceId": arm_id(sub, "data", f"/Microsoft.Storage/storageAccounts/{account}"),
        "dataSourceName": account,
        "dataSourceLocation": spec.location,
        "dataSourceType": "Microsoft.Storage/storageAccounts/blobServices",
        "sourceResourceGroup": "data",
        "sourceSubscriptionID": sub,
    }


def _iso_duration(ran: timedelta) -> str:
    """``PT3H30M0S``, as a job's ``duration`` is written."""
    seconds = int(ran.total_seconds())
    return f"PT{seconds // 3600}H{seconds % 3600 // 60}M{seconds % 60}S"
