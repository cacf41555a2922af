"""Backup and DR vaults, plans, associations and backups read with the real BackupDR
client (REST) from the fake on 127.0.0.1, and applied to a Cloud SQL instance."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scanner.collectors.base import finish_store
from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.backupdr import ROUTES, read_backupdr
from scanner.collectors.gcp.backupdr_apply import apply_backupdr
from scanner.collectors.gcp.sql import instance_store
from scanner.collectors.gcp.storage import bucket_store
from scanner.collectors.readonly import CallCounter
from scanner.collectors.tasks import StoreResult
from scanner.emulator.gcp.server import BackupDrState, Fault, GcpState, gcp_fake
from tests.gcp.test_storage import BARE

PROJECT = "northwind-prod"
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)
LOC = f"projects/{PROJECT}/locations/europe-west1"
LOCKED, OPEN = f"{LOC}/backupVaults/locked", f"{LOC}/backupVaults/open"
SOURCE = f"{LOCKED}/dataSources/ds-billing"
BILLING = f"//sqladmin.googleapis.com/projects/{PROJECT}/instances/billing"


def _bdr() -> BackupDrState:
    return BackupDrState(
        vaults=[
            {
                "name": LOCKED,
                "state": "ACTIVE",
                "backupMinimumEnforcedRetentionDuration": "2592000s",
                "effectiveTime": "2025-06-01T00:00:00Z",
                "accessRestriction": "WITHIN_PROJECT",
                "backupCount": "2",
            },
            {"name": OPEN, "state": "ACTIVE", "backupMinimumEnforcedRetentionDuration": "604800s"},
        ],
        plans=[
            {
                "name": f"{LOC}/backupPlans/daily",
                "resourceType": "sqladmin.googleapis.com/Instance",
                "backupVault": LOCKED,
                "state": "ACTIVE",
                "backupRules": [
                    {
                        "ruleId": "daily-30",
                        "backupRetentionDays": 30,
                        "standardSchedule": {
                            "recurrenceType": "DAILY",
                            "timeZone": "UTC",
                            "backupWindow": {"startHourOfDay": 2, "endHourOfDay": 6},
                        },
                    }
                ],
            },
        ],
        associations=[
            {
                "name": f"{LOC}/backupPlanAssociations/billing",
                "resourceType": "sqladmin.googleapis.com/Instance",
                "resource": BILLING,
                "backupPlan": f"{LOC}/backupPlans/daily",
                "state": "ACTIVE",
                "rulesConfigInfo": [{"ruleId": "daily-30", "lastBackupState": "SUCCEEDED"}],
            },
        ],
        data_sources={
            LOCKED: [
                {
                    "name": SOURCE,
                    "state": "ACTIVE",
                    "backupCount": "3",
                    "dataSourceGcpResource": {
                        "gcpResourcename": BILLING,
                        "location": "europe-west1",
                        "type": "sqladmin.googleapis.com/Instance",
                    },
                },
            ]
        },
        backups={
            SOURCE: [
                {
                    "name": f"{SOURCE}/backups/b1",
                    "state": "ACTIVE",
                    "consistencyTime": "2026-11-19T02:10:00Z",
                    "createTime": "2026-11-19T02:15:00Z",
                    "backupType": "SCHEDULED",
                },
                {
                    "name": f"{SOURCE}/backups/b2",
                    "state": "ACTIVE",
                    "consistencyTime": "2026-11-20T02:10:00Z",
                    "createTime": "2026-11-20T02:15:00Z",
                    "backupType": "SCHEDULED",
                },
                {
                    "name": f"{SOURCE}/backups/b3",
                    "state": "ERROR",
                    "createTime": "2026-11-20T03:00:00Z",
                },
            ]
        },
    )


def _billing() -> StoreResult:
    found = {
        "name": "billing",
        "region": "europe-west1",
        "createTime": "2025-01-01T00:00:00Z",
        "databaseVersion": "POSTGRES_15",
        "settings": {"backupConfiguration": {"enabled": False}},
    }
    return StoreResult(instance_store(found, PROJECT, {}))


def _read(state: GcpState) -> tuple[Any, CallCounter]:
    counter = CallCounter()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        return read_backupdr(api, PROJECT), counter


def test_vault_lock_plans_and_backups_reach_the_instance_they_protect() -> None:
    found, counter = _read(GcpState(backupdr={PROJECT: _bdr()}))
    assert found.gaps == []
    vaults = {v.name: v for v in found.vaults}
    assert vaults["locked"].immutability.state == "locked"
    assert vaults["locked"].immutability.min_retention_days == 30
    assert vaults["open"].immutability.state == "unlocked"
    item = _billing()
    apply_backupdr([item], found, NOW)
    store = finish_store(item)
    service = [p for p in store.protections if p.origin == "backup_service"]
    assert len(service) == 1 and service[0].immutable is True and service[0].retention_days == 30
    assert service[0].frequency_hours == 24 and service[0].window.duration_minutes == 240
    points = store.recovery_points
    assert points.count == 2 and points.newest == datetime(2026, 11, 20, 2, 10, tzinfo=timezone.utc)
    assert points.sources[0].vaults == [LOCKED]
    assert counter.counts()[("backupdr", "ListBackups")] == (1, 0)


def test_a_denied_vault_listing_leaves_every_stores_backup_service_unknown() -> None:
    """…every store Backup and DR can protect: a bucket's facts are not blocked."""
    state = GcpState(
        backupdr={PROJECT: _bdr()},
        faults={PROJECT: Fault("denied", service="backupdr", path_end="/backupVaults")},
    )
    found, _ = _read(state)
    assert [g.permission for g in found.gaps] == ["backupdr.backupVaults.list"]
    item, bucket = _billing(), StoreResult(bucket_store(BARE, PROJECT))
    apply_backupdr([item, bucket], found, NOW)
    gaps = finish_store(item).gaps
    assert [(g.attribute, g.role, g.cause) for g in gaps] == [
        ("backup_jobs", None, "denied"),  # its data sources' last backups too
        ("copies", "backup", "denied"),  # where its vault is, is unknown too
        ("protections", "backup", "denied"),
    ]
    assert finish_store(bucket).gaps == []


def test_backups_held_in_a_vault_are_a_copy_in_its_region_and_project() -> None:
    found, _ = _read(GcpState(backupdr={PROJECT: _bdr()}))
    item = _billing()
    apply_backupdr([item], found, NOW)
    [copy] = finish_store(item).copies
    assert (copy.kind, copy.target, copy.state) == ("backup_copy", LOCKED, "observed")
    assert (copy.region, copy.account) == ("europe-west1", PROJECT)
    assert copy.evidence[0].operation == "backupdr:ListBackups"


def _central(last_success: str | None) -> GcpState:
    """billing backed up into a vault of a central backup project, not listed here."""
    state = GcpState(backupdr={PROJECT: _bdr()})
    association = state.backupdr[PROJECT].associations[0]
    association["dataSource"] = f"{CENTRAL}/dataSources/billing"
    if last_success:
        association["rulesConfigInfo"][0]["lastSuccessfulBackupConsistencyTime"] = last_success
    state.backupdr[PROJECT].data_sources = {}
    return state


CENTRAL = "projects/nw-backups/locations/europe-west1/backupVaults/central"


def test_a_vault_in_another_project_is_seen_from_the_association() -> None:
    """The vault's project is listed on its own: here the association's data source and
    its last successful backup, still within the rule's 30 days, show one point held
    there; the vault's other points stay unknown."""
    found, _ = _read(_central("2026-11-20T02:10:00Z"))
    item = _billing()
    apply_backupdr([item], found, NOW)
    store = finish_store(item)
    [copy] = store.copies
    assert (copy.target, copy.state, copy.region, copy.account) == (
        CENTRAL,
        "observed",
        "europe-west1",
        "nw-backups",
    )
    said = copy.evidence[0].fields["lastSuccessfulBackupConsistencyTime"]
    assert said == "2026-11-20T02:10:00Z"
    assert store.recovery_points.newest == datetime(2026, 11, 20, 2, 10, tzinfo=timezone.utc)
    [gap] = store.gaps
    assert (gap.attribute, gap.cause, gap.error_code) == (
        "recovery_points",
        "dependent",
        "VaultInAnotherProject",
    )
    assert not [e for e in store.recovery_points.evidence if "every vault" in str(e.fields)]


def test_a_stale_or_missing_success_in_another_projects_vault_is_only_configured() -> None:
    for last in ("2026-09-01T02:10:00Z", None):  # beyond the rule's 30 days; never
        found, _ = _read(_central(last))
        item = _billing()
        apply_backupdr([item], found, NOW)
        store = finish_store(item)
        assert [c.state for c in store.copies] == ["configured"]
        assert store.recovery_points.count == 0
        assert [g.attribute for g in store.gaps] == ["recovery_points"]


def test_a_listed_vault_holding_none_of_the_backups_is_only_configured() -> None:
    state = GcpState(backupdr={PROJECT: _bdr()})
    state.backupdr[PROJECT].associations[0]["dataSource"] = f"{OPEN}/dataSources/billing"
    state.backupdr[PROJECT].backups = {}
    found, _ = _read(state)
    item = _billing()
    apply_backupdr([item], found, NOW)
    store = finish_store(item)
    assert [(c.target, c.state) for c in store.copies] == [(OPEN, "configured")]
    assert store.gaps == [] and store.recovery_points.count == 0


def test_an_inactive_association_is_no_copy() -> None:
    state = _central("2026-11-20T02:10:00Z")
    state.backupdr[PROJECT].associations[0]["state"] = "INACTIVE"
    found, _ = _read(state)
    item = _billing()
    apply_backupdr([item], found, NOW)
    store = finish_store(item)
    assert store.copies == [] and store.gaps == []
    assert [p.enabled for p in store.protections if p.origin == "backup_service"] == [False]


def test_a_plan_in_another_project_is_a_protection_of_unknown_schedule() -> None:
    state = _central("2026-11-20T02:10:00Z")
    state.backupdr[PROJECT].associations[0]["backupPlan"] = (
        "projects/nw-backups/locations/europe-west1/backupPlans/central-daily"
    )
    found, _ = _read(state)
    item = _billing()
    apply_backupdr([item], found, NOW)
    store = finish_store(item)
    [service] = [p for p in store.protections if p.origin == "backup_service"]
    assert service.enabled and service.retention_days is None and service.frequency_hours is None
    assert service.vault == CENTRAL and service.details["plan_listed"] is False
    # its retention unknown, the last success is not taken as still held
    assert [c.state for c in store.copies] == ["configured"]


def _schedule(**schedule: Any) -> dict[str, Any]:
    return {
        "name": f"{LOC}/backupPlans/p",
        "backupVault": LOCKED,
        "backupRules": [{"ruleId": "r", "backupRetentionDays": 7, "standardSchedule": schedule}],
    }


def test_plan_rules_say_the_longest_time_between_backups_and_their_window() -> None:
    """HOURLY runs every ``hourlyFrequency`` hours; WEEKLY on Monday and Thursday leaves
    four days between Thursday and Monday; a window from midnight has its start hour
    left out of the JSON (proto3 drops zeros)."""
    state = GcpState(backupdr={PROJECT: _bdr()})
    state.backupdr[PROJECT].plans = [
        _schedule(recurrenceType="HOURLY", hourlyFrequency=6, backupWindow={"endHourOfDay": 4})
        | {"name": f"{LOC}/backupPlans/hourly"},
        _schedule(recurrenceType="WEEKLY", daysOfWeek=["THURSDAY", "MONDAY"])
        | {"name": f"{LOC}/backupPlans/weekly"},
        _schedule(recurrenceType="MONTHLY", daysOfMonth=[1]) | {"name": f"{LOC}/backupPlans/m"},
    ]
    found, _ = _read(state)
    rules = {p.name: p.rules[0] for p in found.plans}
    assert rules["hourly"].frequency_hours == 6
    window = rules["hourly"].window
    assert window is not None and (window.start, window.duration_minutes) == ("00:00", 240)
    assert rules["weekly"].frequency_hours == 96 and rules["weekly"].window is None
    assert rules["m"].frequency_hours == 744


def test_a_data_sources_failed_last_backup_is_a_failed_job_after_its_last_success() -> None:
    bdr = _bdr()
    info = {
        "lastBackupState": "FAILED",
        "lastSuccessfulBackupConsistencyTime": "2026-11-19T02:10:00Z",
        "lastBackupError": {"code": 7, "message": "The service agent lacks cloudsql.instances.get"},
    }
    bdr.data_sources[LOCKED][0] |= {"backupConfigInfo": info, "updateTime": "2026-11-20T02:30:00Z"}
    found, _ = _read(GcpState(backupdr={PROJECT: bdr}))
    item = _billing()
    item.store.backup_jobs = []  # as the (empty) backup-runs listing left it
    apply_backupdr([item], found, NOW)
    jobs = finish_store(item).backup_jobs
    assert jobs is not None
    assert [(j.outcome, j.started.day, j.source) for j in jobs] == [
        ("succeeded", 19, "Backup and DR"),
        ("failed", 20, "Backup and DR"),
    ]
    failed = jobs[-1]
    assert failed.message is not None and "lacks cloudsql.instances.get" in failed.message
    assert "gives no failure time" in failed.message and "updateTime" in failed.message
    assert failed.evidence[0].fields["backupConfigInfo.lastBackupState"] == "FAILED"


def test_a_denied_data_source_listing_leaves_the_jobs_unknown() -> None:
    fault = Fault("denied", service="backupdr", path_end="/dataSources")
    found, _ = _read(GcpState(backupdr={PROJECT: _bdr()}, faults={PROJECT: fault}))
    item, bucket = _billing(), StoreResult(bucket_store(BARE, PROJECT))
    apply_backupdr([item, bucket], found, NOW)
    unread = [g for g in finish_store(item).gaps if g.attribute == "backup_jobs"]
    assert {(g.cause, g.permission) for g in unread} == {("denied", "backupdr.bvdataSources.list")}
    assert finish_store(item).backup_jobs is None
    assert finish_store(bucket).gaps == []
