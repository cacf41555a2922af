"""Cloud SQL instances and backup runs read with the real Cloud SQL Admin client (REST,
v1beta4) from the fake on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scanner.collectors.base import finish_store
from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.sql import ROUTES, list_instances, recovery_windows
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.server import Fault, GcpState, gcp_fake
from scanner.model import DataStore

PROJECT = "northwind-prod"
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)  # the collection's clock


def instance(name: str, version: str = "POSTGRES_15", **settings: Any) -> dict[str, Any]:
    """A ``DatabaseInstance`` as ``instances.list`` returns it."""
    return {
        "kind": "sql#instance",
        "name": name,
        "project": PROJECT,
        "region": "europe-west1",
        "gceZone": "europe-west1-b",
        "databaseVersion": version,
        "createTime": "2025-02-01T08:00:00Z",
        "state": "RUNNABLE",
        "settings": {"tier": "db-custom-2-7680", **settings},
    }


def run(name: str, start: str, status: str = "SUCCESSFUL", location: str = "eu") -> dict[str, Any]:
    return {
        "kind": "sql#backupRun",
        "id": f"{abs(hash((name, start))) % 10**12}",
        "instance": name,
        "status": status,
        "type": "AUTOMATED",
        "startTime": start,
        "endTime": start.replace(":00:00Z", ":07:00Z"),
        "location": location,
    }


BILLING = instance(
    "billing",
    deletionProtectionEnabled=True,
    userLabels={"data-classification": "financial"},
    backupConfiguration={
        "enabled": True,
        "startTime": "02:00",
        "pointInTimeRecoveryEnabled": True,
        "transactionLogRetentionDays": 7,
        "backupRetentionSettings": {"retainedBackups": 30, "retentionUnit": "COUNT"},
    },
) | {
    "replicaNames": ["billing-replica"],
    "diskEncryptionConfiguration": {
        "kmsKeyName": "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
    },
}
REPLICA = instance("billing-replica") | {"region": "europe-west4", "masterInstanceName": "billing"}
BARE = instance("legacy", "MYSQL_8_0", backupConfiguration={"enabled": False})
WINDOW = {
    "billing": {
        "latestRecoveryTime": "2026-11-20T11:55:00Z",
        "earliestRecoveryTime": "2026-11-13T12:00:00Z",
    }
}
RUNS = [
    run("billing", "2026-11-19T02:00:00Z"),
    run("billing", "2026-11-20T02:00:00Z"),
    run("billing", "2026-11-20T03:00:00Z", status="FAILED"),
]


def _collect(state: GcpState) -> tuple[list[DataStore], Any, CallCounter]:
    counter = CallCounter()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        items, gap, vaults = list_instances(api, PROJECT, NOW)
        for read in recovery_windows(api, PROJECT, items):  # as the collector's followups
            read()
    for vault in vaults:  # where the backups live: the instance's key, no lock
        assert vault.immutability and vault.immutability.state == "disabled"
        key = (
            "customer_managed"
            if vault.name.startswith("Cloud SQL backups of billing")
            else "provider_managed"
        )
        assert vault.key_type == key and vault.region in ("EU", "US")
    return [finish_store(i) for i in items], gap, counter


def test_a_well_and_a_badly_protected_instance() -> None:
    state = GcpState(
        sql_instances={PROJECT: [BILLING, REPLICA, BARE]},
        sql_backup_runs={PROJECT: RUNS},
        sql_recovery={PROJECT: WINDOW},
    )
    stores, gap, counter = _collect(state)
    assert gap is None
    by_name = {s.name: s for s in stores}
    billing, legacy = by_name["billing"], by_name["legacy"]
    roles = {p.role: p for p in billing.protections}
    assert roles["backup"].enabled and roles["backup"].retention_days == 30
    assert roles["backup"].window is not None and roles["backup"].window.start == "02:00"
    assert roles["continuous"].enabled and roles["continuous"].retention_days == 7
    assert billing.deletion_protection and billing.tags == {"data-classification": "financial"}
    assert billing.recovery_points.count == 2
    # the restorable window reaches minutes before the read; the runs are older
    assert billing.recovery_points.newest == datetime(2026, 11, 20, 11, 55, tzinfo=timezone.utc)
    assert billing.recovery_points.oldest == datetime(2026, 11, 13, 12, tzinfo=timezone.utc)
    window = next(s for s in billing.recovery_points.sources if s.kind == "continuous")
    assert window.evidence[0].operation == "sqladmin:GetLatestRecoveryTime"
    assert billing.gaps == []
    copies = {(c.kind, c.region) for c in billing.copies}
    assert copies == {("replica", "europe-west4"), ("backup_copy", "EU")}
    stored = next(c for c in billing.copies if c.kind == "backup_copy")
    runs = next(s for s in billing.recovery_points.sources if s.kind == "native_backup")
    assert runs.vaults == [stored.target]
    assert billing.encryption and billing.encryption.key_type == "customer_managed"
    assert not [p for p in legacy.protections if p.enabled]
    assert legacy.recovery_points.count == 0 and legacy.copies == []
    assert counter.counts()[("sqladmin", "ListBackupRuns")] == (1, 0)  # one call, instance=-
    # only the instance with point-in-time recovery on is asked for its window
    assert counter.counts()[("sqladmin", "GetLatestRecoveryTime")] == (1, 0)


def test_paging_of_instances_and_runs() -> None:
    many = [instance(f"db{i}") for i in range(5)]
    runs = [run(f"db{i}", f"2026-11-2{i % 2}T02:00:00Z") for i in range(5)]
    state = GcpState(sql_instances={PROJECT: many}, sql_backup_runs={PROJECT: runs}, page_size=2)
    stores, gap, counter = _collect(state)
    assert gap is None and len(stores) == 5
    assert all(s.recovery_points.count == 1 for s in stores)
    assert counter.counts()[("sqladmin", "ListInstances")] == (3, 0)


def _billing_denied(path_end: str) -> GcpState:
    """The billing instance, its runs and its window, with one read denied."""
    return GcpState(
        sql_instances={PROJECT: [BILLING]},
        sql_backup_runs={PROJECT: RUNS},
        sql_recovery={PROJECT: WINDOW},
        faults={PROJECT: Fault("denied", service="sqladmin", path_end=path_end)},
    )


def test_unreadable_backup_runs_leave_points_and_copies_unknown() -> None:
    state = _billing_denied("/backupRuns")
    stores, gap, _ = _collect(state)
    assert gap is None
    unread = {g.attribute: g for g in stores[0].gaps}
    assert set(unread) == {"recovery_points", "copies", "backup_jobs"}
    assert unread["recovery_points"].permission == "cloudsql.backupRuns.list"
    assert stores[0].backup_jobs is None  # unknown, not "no jobs"
    assert unread["recovery_points"].cause == "denied"


def test_an_unreadable_recovery_window_leaves_points_unknown_and_runs_known() -> None:
    state = _billing_denied("/getLatestRecoveryTime")
    [billing], _, _ = _collect(state)
    [unread] = billing.gaps
    assert (unread.attribute, unread.cause) == ("recovery_points", "denied")
    assert unread.operation == "sqladmin:GetLatestRecoveryTime"
    assert unread.permission == "cloudsql.instances.get"
    assert billing.recovery_points.count == 2  # the runs that were read stay known
    assert [s.kind for s in billing.recovery_points.sources] == ["native_backup"]


def test_backup_runs_are_backup_jobs_a_failed_one_with_its_error() -> None:
    failed = run("billing", "2026-11-20T03:00:00Z", status="FAILED") | {
        "error": {"kind": "sql#operationError", "code": "ERROR_RDBMS", "message": "disk full"}
    }
    overdue = {
        "kind": "sql#backupRun",
        "id": "9",
        "instance": "billing",
        "status": "OVERDUE",
        "windowStartTime": "2026-11-18T02:00:00Z",
    }
    skipped = run("billing", "2026-11-17T02:00:00Z", status="SKIPPED")
    runs = [*RUNS[:2], failed, overdue, skipped]
    state = GcpState(sql_instances={PROJECT: [BILLING, BARE]}, sql_backup_runs={PROJECT: runs})
    stores, _, _ = _collect(state)
    by_name = {s.name: s for s in stores}
    jobs = by_name["billing"].backup_jobs
    assert jobs is not None
    assert [(j.outcome, j.started.day) for j in jobs] == [
        ("expired", 18),  # OVERDUE: never ran in its window, placed at the window's start
        ("succeeded", 19),
        ("succeeded", 20),
        ("failed", 20),
    ]  # SKIPPED ("without problems") is no job
    assert jobs[-1].message == "ERROR_RDBMS disk full"
    assert jobs[-1].completed == datetime(2026, 11, 20, 3, 7, tzinfo=timezone.utc)
    assert jobs[-1].evidence[0].fields["status"] == "FAILED"
    legacy = by_name["legacy"]
    assert legacy.backup_jobs == []  # listed, none: evidence of the absence
    assert legacy.backup_jobs_from == NOW  # runs are listed while kept: none seen before
    assert any("returned 0 backup runs" in str(e.fields) for e in legacy.evidence)


def test_a_run_of_an_undocumented_status_is_a_gap_and_the_history_starts_at_the_oldest_run() -> (
    None
):
    odd = run("billing", "2026-11-21T02:00:00Z", status="QUARANTINED")
    skipped = run("billing", "2026-11-17T02:00:00Z", status="SKIPPED")
    runs = [*RUNS[:2], odd, skipped]
    state = GcpState(sql_instances={PROJECT: [BILLING, BARE]}, sql_backup_runs={PROJECT: runs})
    stores, _, _ = _collect(state)
    billing = {s.name: s for s in stores}["billing"]
    [gap] = [g for g in billing.gaps if g.attribute == "backup_jobs"]
    # not dropped: the SDK gives no status it does not know, and the run is named
    assert gap.error_code == "UnreadableJob" and str(odd["id"]) in gap.message
    # runs are listed only as long as their backups are kept: history starts at the oldest
    oldest = min(r["startTime"] for r in RUNS[:2])
    assert billing.backup_jobs_from == datetime.fromisoformat(oldest.replace("Z", "+00:00"))
