"""Firestore databases, schedules and backups read with the real Firestore Admin client
(REST transport) from the fake on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scanner.collectors.base import finish_store
from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.firestore import ROUTES, list_databases
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.server import Fault, FirestoreDatabase, GcpState, gcp_fake
from scanner.model import DataStore

PROJECT = "northwind-prod"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)


def database(name: str, location: str = "eur3", **more: Any) -> dict[str, Any]:
    """A ``Database`` as ``databases.list`` returns it."""
    return {
        "name": f"projects/{PROJECT}/databases/{name}",
        "uid": f"uid-{name}",
        "createTime": "2025-01-10T09:00:00Z",
        "locationId": location,
        "type": "FIRESTORE_NATIVE",
        "concurrencyMode": "PESSIMISTIC",
        "versionRetentionPeriod": "3600s",
        "earliestVersionTime": "2026-11-20T11:00:00Z",
        "pointInTimeRecoveryEnablement": "POINT_IN_TIME_RECOVERY_DISABLED",
        "deleteProtectionState": "DELETE_PROTECTION_DISABLED",
        "databaseEdition": "STANDARD",
        **more,
    }


def backup(db: str, when: str, location: str = "eur3", state: str = "READY") -> dict[str, Any]:
    return {
        "name": f"projects/{PROJECT}/locations/{location}/backups/{db}-{when[:10]}",
        "database": f"projects/{PROJECT}/databases/{db}",
        "databaseUid": f"uid-{db}",
        "snapshotTime": when,
        "expireTime": "2026-12-31T00:00:00Z",
        "state": state,
    }


GUARDED = FirestoreDatabase(
    database(
        "patients",
        pointInTimeRecoveryEnablement="POINT_IN_TIME_RECOVERY_ENABLED",
        versionRetentionPeriod="604800s",
        earliestVersionTime="2026-11-13T12:00:00Z",
        deleteProtectionState="DELETE_PROTECTION_ENABLED",
        cmekConfig={"kmsKeyName": "projects/p/locations/eur3/keyRings/r/cryptoKeys/k"},
    ),
    schedules=[
        {
            "name": f"projects/{PROJECT}/databases/patients/backupSchedules/daily",
            "retention": "1209600s",
            "dailyRecurrence": {},
        }
    ],
    backups=[
        backup("patients", "2026-11-19T02:00:00Z"),
        backup("patients", "2026-11-20T02:00:00Z"),
        backup("patients", "2026-11-20T03:00:00Z", state="CREATING"),
    ],
)
BARE = FirestoreDatabase(database("(default)", "us-east1"))


def _collect(state: GcpState) -> tuple[list[DataStore], Any, CallCounter]:
    counter = CallCounter()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        items, gap = list_databases(api, PROJECT, NOW)
    return [finish_store(i) for i in items], gap, counter


def test_a_well_and_a_badly_protected_database() -> None:
    stores, gap, counter = _collect(GcpState(firestore={PROJECT: [GUARDED, BARE]}))
    assert gap is None
    by_name = {s.name: s for s in stores}
    patients, bare = by_name["patients"], by_name["(default)"]
    assert patients.regions == ["europe-west1", "europe-west4", "europe-north1"]
    assert patients.deletion_protection is True and bare.deletion_protection is False
    roles = {p.role: p for p in patients.protections}
    assert roles["continuous"].enabled and roles["continuous"].retention_days == 7
    assert roles["backup"].frequency_hours == 24 and roles["backup"].retention_days == 14
    points = patients.recovery_points
    assert points.count == 2 and points.newest == datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    kinds = {s.kind for s in points.sources}
    assert kinds == {"continuous", "native_backup"}
    assert patients.encryption and patients.encryption.key_type == "customer_managed"
    assert not {p.role for p in bare.protections if p.enabled}
    assert bare.recovery_points.count == 0 and bare.regions == ["us-east1"]
    assert counter.counts()[("firestore", "ListBackupSchedules")] == (2, 0)
    assert counter.counts()[("firestore", "ListBackups")] == (1, 0)


def test_a_denied_database_listing_is_a_gap_naming_the_permission() -> None:
    state = GcpState(firestore={PROJECT: [GUARDED]}, faults={PROJECT: Fault("denied")})
    stores, gap, _ = _collect(state)
    assert stores == [] and gap is not None
    assert (gap.cause, gap.error_code, gap.permission) == (
        "denied",
        "PERMISSION_DENIED",
        "datastore.databases.list",
    )


def test_unreadable_backups_leave_recovery_points_unknown_not_empty() -> None:
    """The database listing answers; the backups listing is throttled past its retries:
    the database stays, its points are a gap (never "0 backups"), PITR still counts."""
    fault = Fault("throttled", service="firestore", path_end="/backups")
    stores, gap, counter = _collect(
        GcpState(firestore={PROJECT: [GUARDED]}, faults={PROJECT: fault})
    )
    assert gap is None and [s.name for s in stores] == ["patients"]
    patients = stores[0]
    unread = [g for g in patients.gaps if g.attribute == "recovery_points"]
    assert (
        unread
        and unread[0].cause == "throttled"
        and unread[0].permission == "datastore.backups.list"
    )
    assert {s.kind for s in patients.recovery_points.sources} == {"continuous"}
    assert counter.counts()[("firestore", "ListBackups")][1] >= 1  # retried first
    assert patients.backup_jobs is None and patients.restores is None
    # without the backups, a restore cannot be traced to the database it came from
    assert {g.attribute for g in patients.gaps} == {"recovery_points", "backup_jobs", "restores"}


def test_backups_are_backup_jobs_and_a_not_available_one_failed() -> None:
    failed = backup("patients", "2026-11-20T04:00:00Z", state="NOT_AVAILABLE")
    untimed = backup("patients", "x", state="NOT_AVAILABLE")
    del untimed["snapshotTime"]
    patients = FirestoreDatabase(GUARDED.database, backups=[*GUARDED.backups, failed, untimed])
    stores, _, _ = _collect(GcpState(firestore={PROJECT: [patients, BARE]}))
    by_name = {s.name: s for s in stores}
    jobs = by_name["patients"].backup_jobs
    assert jobs is not None
    assert [(j.outcome, j.started.hour) for j in jobs] == [
        ("succeeded", 2),  # of two READY backups, the latest success is kept
        ("running", 3),  # CREATING
        ("failed", 4),
    ]
    assert jobs[-1].message == "backup state NOT_AVAILABLE" and jobs[-1].kind == "backup"
    [unplaced] = [g for g in by_name["patients"].gaps if g.attribute == "backup_jobs"]
    assert unplaced.cause == "unobservable" and "no time" in unplaced.message
    assert by_name["(default)"].backup_jobs == []
    assert by_name["(default)"].backup_jobs_from == NOW  # backups listed while kept
    assert any("returned 0 backups" in str(e.fields) for e in by_name["(default)"].evidence)
