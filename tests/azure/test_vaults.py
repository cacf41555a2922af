"""Backup vaults read with the real azure-mgmt-dataprotection client from the fake ARM
server, and applied to the storage account they protect."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.sql import database_store
from scanner.collectors.azure.storage import account_store
from scanner.collectors.azure.vaults import ROUTES, BackupVaults, read_vaults
from scanner.collectors.azure.vaults_apply import apply_vaults
from scanner.collectors.base import finish_store
from scanner.collectors.readonly import CallCounter
from scanner.collectors.tasks import StoreResult
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from tests.azure.test_cosmos import FAST, SUB
from tests.azure.test_sql import database
from tests.azure.test_storage import RECORDS

GROUP = f"/subscriptions/{SUB}/resourceGroups/backup/providers"
VAULT = f"{GROUP}/Microsoft.DataProtection/backupVaults/bv-eu"
INSTANCE = f"{VAULT}/backupInstances/nwrecords-bi"

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)  # the collection's clock


def policy(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"{VAULT}/backupPolicies/{name}",
        "name": name,
        "type": "Microsoft.DataProtection/backupVaults/backupPolicies",
        "properties": {
            "objectType": "BackupPolicy",
            "datasourceTypes": ["Microsoft.Storage/storageAccounts/blobServices"],
            "policyRules": rules,
        },
    }


def retention(store: str, duration: str) -> dict[str, Any]:
    return {
        "objectType": "AzureRetentionRule",
        "name": "Default",
        "isDefault": True,
        "lifecycles": [
            {
                "deleteAfter": {"objectType": "AbsoluteDeleteOption", "duration": duration},
                "sourceDataStore": {"dataStoreType": store, "objectType": "DataStoreInfoBase"},
                "targetDataStoreCopySettings": [],
            }
        ],
    }


DAILY = policy(
    "blob-daily",
    [
        {
            "objectType": "AzureBackupRule",
            "name": "BackupDaily",
            "backupParameters": {"objectType": "AzureBackupParams", "backupType": "Discrete"},
            "dataStore": {"dataStoreType": "VaultStore", "objectType": "DataStoreInfoBase"},
            "trigger": {
                "objectType": "ScheduleBasedTriggerContext",
                "schedule": {
                    "repeatingTimeIntervals": ["R/2026-01-01T02:00:00+00:00/P1D"],
                    "timeZone": "UTC",
                },
            },
        },
        retention("VaultStore", "P30D"),
    ],
)


def _state(**faults: Fault) -> ArmState:
    vault = {
        "id": VAULT,
        "name": "bv-eu",
        "type": "Microsoft.DataProtection/backupVaults",
        "location": "westeurope",
        "properties": {
            "provisioningState": "Succeeded",
            "storageSettings": [{"datastoreType": "VaultStore", "type": "GeoRedundant"}],
            "securitySettings": {
                "immutabilitySettings": {"state": "Locked"},
                "softDeleteSettings": {"state": "On", "retentionDurationInDays": 14},
            },
            "featureSettings": {"crossRegionRestoreSettings": {"state": "Enabled"}},
        },
    }
    instance = {
        "id": INSTANCE,
        "name": "nwrecords-bi",
        "type": "Microsoft.DataProtection/backupVaults/backupInstances",
        "properties": {
            "objectType": "BackupInstance",
            "friendlyName": "nwrecords",
            "dataSourceInfo": {
                "objectType": "Datasource",
                "resourceID": RECORDS["id"].upper(),  # ARM ids compare without case
                "resourceLocation": "westeurope",
                "datasourceType": "Microsoft.Storage/storageAccounts/blobServices",
            },
            "policyInfo": {"policyId": DAILY["id"]},
            "protectionStatus": {"status": "ProtectionConfigured"},
            "currentProtectionState": "ProtectionConfigured",
        },
    }
    points = [
        {
            "id": f"{INSTANCE}/recoveryPoints/rp{day}",
            "name": f"rp{day}",
            "properties": {
                "objectType": "AzureBackupDiscreteRecoveryPoint",
                "recoveryPointTime": f"2026-11-{day:02d}T02:05:00.1234567Z",
                "recoveryPointType": "Full",
            },
        }
        for day in (18, 19, 20)
    ]
    return ArmState(
        resources={
            SUB: {
                "backup_vaults": [vault],
                "backup_policies": [DAILY],
                "backup_instances": [instance],
                "recovery_points": points,
            }
        },
        faults=dict(faults),
        retry_after="0",
    )


def _read(state: ArmState) -> BackupVaults:
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        return read_vaults(api, SUB)


def _stores() -> list[StoreResult]:
    return [
        StoreResult(account_store(RECORDS, SUB)),
        StoreResult(database_store(database("billing"), SUB)),
    ]


def test_a_backup_instance_gives_protection_points_and_copies_in_a_locked_vault() -> None:
    found = _read(_state())
    [vault] = found.vaults
    assert vault.immutability is not None and vault.immutability.state == "locked"
    assert vault.soft_delete is not None and vault.soft_delete.retention_days == 14
    assert vault.redundancy == "geo"
    items = _stores()
    apply_vaults(items, found, NOW)
    records, billing = (finish_store(i) for i in items)
    [backup] = [p for p in records.protections if p.origin == "backup_service"]
    assert (backup.frequency_hours, backup.retention_days, backup.immutable) == (24, 30, True)
    assert backup.enabled and backup.vault == VAULT
    assert records.recovery_points.count == 3
    copies = {(c.kind, c.region, c.state) for c in records.copies}
    assert ("backup_copy", "westeurope", "observed") in copies
    assert ("geo_secondary", "northeurope", "configured") in copies
    assert billing.protections == [] and billing.copies == []  # not a kind vaults protect


def test_a_denied_vault_listing_leaves_only_protectable_kinds_unknown() -> None:
    found = _read(_state(**{SUB: Fault("denied", provider="Microsoft.DataProtection")}))
    items = _stores()
    apply_vaults(items, found, NOW)
    records, billing = (finish_store(i) for i in items)
    assert sorted(g.attribute for g in records.gaps) == [
        "backup_jobs",
        "copies",
        "protections",
        "recovery_points",
        "restores",
    ]
    assert {g.permission for g in records.gaps} == {"Microsoft.DataProtection/backupVaults/read"}
    assert records.restores is None and records.backup_jobs is None  # unknown, not none
    assert billing.gaps == []


def test_unreadable_recovery_points_leave_that_stores_points_unknown() -> None:
    found = _read(_state(**{SUB: Fault("denied", path_end="/recoveryPoints")}))
    items = _stores()
    apply_vaults(items, found, NOW)
    records = finish_store(items[0])
    [gap] = records.gaps
    assert gap.attribute == "recovery_points" and gap.cause == "denied"
    assert [p.enabled for p in records.protections if p.origin == "backup_service"] == [True]


def test_an_operational_blob_policy_is_continuous_protection() -> None:
    state = _state()
    state.resources[SUB]["backup_policies"] = [
        policy("blob-daily", [retention("OperationalStore", "P30D")])
    ]
    found = _read(state)
    items = _stores()
    apply_vaults(items, found, NOW)
    [service] = [p for p in finish_store(items[0]).protections if p.origin == "backup_service"]
    assert (service.role, service.retention_days) == ("continuous", 30)


def test_the_guard_refuses_an_ad_hoc_backup_before_it_is_sent() -> None:
    from azure.mgmt.dataprotection import DataProtectionMgmtClient

    state = _state()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(DataProtectionMgmtClient, SUB)
        with pytest.raises(ReadOnlyViolation):
            client.backup_instances.begin_adhoc_backup(
                "backup", "bv-eu", "nwrecords-bi", {"backupRuleOptions": {"ruleName": "x"}}
            )
    assert state.requests == []


def test_retentions_in_years_and_weekly_runs_on_two_days_are_read_on_the_calendar() -> None:
    """``P10Y`` is ten calendar years (isodate's total_seconds would give 0), and a rule
    running weekly on Monday and Thursday leaves four days between runs at the widest."""
    twice = {
        "objectType": "AzureBackupRule",
        "name": "MonThu",
        "dataStore": {"dataStoreType": "VaultStore", "objectType": "DataStoreInfoBase"},
        "trigger": {
            "objectType": "ScheduleBasedTriggerContext",
            "schedule": {
                "repeatingTimeIntervals": [
                    "R/2026-01-05T02:00:00+00:00/P1W",
                    "R/2026-01-08T02:00:00+00:00/P1W",
                ]
            },
        },
    }
    state = _state()
    state.resources[SUB]["backup_policies"] = [
        policy("blob-daily", [twice, retention("VaultStore", "P10Y")])
    ]
    found = _read(state)
    items = _stores()
    apply_vaults(items, found, NOW)
    [backup] = [p for p in finish_store(items[0]).protections if p.origin == "backup_service"]
    assert backup.retention_days == 3652 and backup.frequency_hours == 96


def _service_protections(rules: list[dict[str, Any]]) -> list[tuple[str, str, Any, Any]]:
    state = _state()
    state.resources[SUB]["backup_policies"] = [policy("blob-daily", rules)]
    items = _stores()
    apply_vaults(items, _read(state), NOW)
    return sorted(
        (p.role, p.name, p.frequency_hours, p.retention_days)
        for p in finish_store(items[0]).protections
        if p.origin == "backup_service"
    )


def test_a_weekly_tag_is_a_tier_of_its_own_not_a_longer_life_for_daily_backups() -> None:
    daily = copy.deepcopy(DAILY["properties"]["policyRules"][0])
    daily["trigger"]["taggingCriteria"] = [
        {"isDefault": True, "taggingPriority": 99, "tagInfo": {"tagName": "Default"}},
        {
            "isDefault": False,
            "taggingPriority": 20,
            "tagInfo": {"tagName": "Weekly"},
            "criteria": [
                {"objectType": "ScheduleBasedBackupCriteria", "absoluteCriteria": ["FirstOfWeek"]}
            ],
        },
    ]
    weekly = retention("VaultStore", "P12W") | {"name": "Weekly", "isDefault": False}
    assert _service_protections([daily, retention("VaultStore", "P30D"), weekly]) == [
        ("backup", "blob-daily/BackupDaily", 24.0, 30),
        ("backup", "blob-daily/BackupDaily/Weekly", 168.0, 84),
    ]


def test_a_policy_with_operational_and_vaulted_tiers_keeps_both() -> None:
    daily = DAILY["properties"]["policyRules"][0]
    operational = retention("OperationalStore", "P14D") | {"name": "Operational"}
    assert _service_protections([daily, retention("VaultStore", "P30D"), operational]) == [
        ("backup", "blob-daily/BackupDaily", 24.0, 30),
        ("continuous", "blob-daily/operational", None, 14),
    ]


def test_a_monthly_tag_on_a_weekly_schedule_can_leave_five_weeks_between_its_backups() -> None:
    weekly = copy.deepcopy(DAILY["properties"]["policyRules"][0])
    weekly["trigger"]["schedule"]["repeatingTimeIntervals"] = ["R/2026-01-05T02:00:00+00:00/P1W"]
    weekly["trigger"]["taggingCriteria"] = [
        {
            "isDefault": False,
            "taggingPriority": 30,
            "tagInfo": {"tagName": "Monthly"},
            "criteria": [
                {"objectType": "ScheduleBasedBackupCriteria", "absoluteCriteria": ["FirstOfMonth"]}
            ],
        }
    ]
    monthly = retention("VaultStore", "P12M") | {"name": "Monthly", "isDefault": False}
    tiers = _service_protections([weekly, retention("VaultStore", "P5W"), monthly])
    # the first Monday of a month can come 6 days after the 1st; the next month's on the 1st
    assert ("backup", "blob-daily/BackupDaily/Monthly", (31 + 7 - 1) * 24.0, 365) in tiers


def test_a_vault_that_does_not_say_whether_it_alerts_on_failed_jobs_is_an_alerting_gap() -> None:
    found = _read(_state())  # the fixture's vault answer carries no monitoringSettings
    assert found.alerts == []
    assert [(g.attribute, g.error_code, g.resource) for g in found.alert_gaps] == [
        ("alerting", "AlertSettingsAbsent", VAULT)
    ]
