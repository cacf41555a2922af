"""Backup vaults seeded into the ARM fake: a vault, its daily policy for blobs, the
backup instances of the accounts it protects and their recovery points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.emulator.ages import iso, times
from scanner.emulator.azure.estate import VaultSpec


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
        _protect(found, sub, vault_id, policy_id, protected.account, times(protected.points, now))


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
