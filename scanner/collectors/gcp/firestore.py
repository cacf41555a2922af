"""Firestore databases, their backup schedules and backups (REST, Firestore Admin API v1).

Per project: ``databases.list`` (location, point-in-time recovery and its earliest
version, delete protection, CMEK), ``backupSchedules.list`` per database (daily or
weekly, retention) and one ``backups.list`` over every location (``locations/-``): each
READY backup is a recovery point of its database, kept where the database is, and every
backup is the backup job that made it (NOT_AVAILABLE: failed); then each database's
operations, for the restores made from the project's databases (:mod:`.restores`). PITR is a
continuous window from ``earliestVersionTime`` to the collection.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.gcp.api import GcpApi
from scanner.collectors.gcp.fields import duration_days, kms_encryption, rfc3339
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.gcp.jobs import firestore_job, set_jobs, unread_backups, untimed
from scanner.collectors.gcp.restores import add_restores
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult
from scanner.model import DataStore, Evidence, Gap, Protection

OPERATIONS = declare(
    "firestore",
    {
        "ListDatabases": "datastore.databases.list",
        "ListBackupSchedules": "datastore.backupSchedules.list",
        "ListBackups": "datastore.backups.list",
        "ListOperations": "datastore.operations.list",
    },
)
_P = r"/v1/projects/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", _P + r"/databases"),
    route(OPERATIONS[1], "GET", _P + r"/databases/[^/]+/backupSchedules"),
    route(OPERATIONS[2], "GET", _P + r"/locations/[^/]+/backups"),
    route(OPERATIONS[3], "GET", _P + r"/databases/[^/]+/operations"),
)
KIND = "gcp.firestore.database"

#: Multi-region locations and their regions (Firestore locations page): the two
#: read-write regions and the witness.
MULTI_REGIONS = {
    "eur3": ("europe-west1", "europe-west4", "europe-north1"),
    "nam5": ("us-central1", "us-central2", "us-east1"),
    "nam7": ("us-central1", "us-east4", "us-central2"),
}
_WEEK_HOURS, _DAY_HOURS = 168.0, 24.0


def list_databases(
    api: GcpApi, project: str, now: datetime
) -> tuple[list[StoreResult], Gap | None]:
    """Every database of ``project`` with its schedules and backups, or the gap that
    stopped the listing of databases."""
    client = api.firestore_admin()
    answer, gap = api.call(
        "firestore",
        "ListDatabases",
        "inventory",
        lambda: client.list_databases(parent=f"projects/{project}", retry=api.retry()),
    )
    if answer is None:
        return [], gap
    items = [StoreResult(database_store(d, project)) for d in answer.get("databases", [])]
    backups, backups_gap = api.call(
        "firestore",
        "ListBackups",
        "recovery_points",
        lambda: client.list_backups(parent=f"projects/{project}/locations/-", retry=api.retry()),
    )
    for item in items:
        send = partial(client.list_backup_schedules, parent=item.store.id, retry=api.retry())
        schedules, schedules_gap = api.call("firestore", "ListBackupSchedules", "protections", send)
        add_schedules(item, schedules, schedules_gap)
        add_backups(item, backups, backups_gap, now)
        add_pitr(item, now)
    add_restores(api, client, items, backups, backups_unread(backups, backups_gap))
    return items, None


def database_store(database: dict[str, Any], project: str) -> DataStore:
    """One ``Database`` as ``databases.list`` returned it."""
    name = str(database["name"])
    location = str(database.get("locationId", ""))
    protected = database.get("deleteProtectionState")
    store = DataStore(
        id=name,
        cloud="gcp",
        account=project,
        region=location,
        regions=list(MULTI_REGIONS.get(location, (location,))),
        kind=KIND,
        name=name.rsplit("/", 1)[-1],
        created_at=database.get("createTime"),
        tags={},  # databases carry no labels: classification and tier take the defaults
        deletion_protection=protected == "DELETE_PROTECTION_ENABLED",
        attributes={
            "type": database.get("type"),
            "edition": database.get("databaseEdition"),
            "pitr": database.get("pointInTimeRecoveryEnablement"),
            "version_retention_period": database.get("versionRetentionPeriod"),
            "earliest_version_time": database.get("earliestVersionTime"),
        },
    )
    fields = {
        "name": name,
        "locationId": location,
        "createTime": database.get("createTime"),
        "deleteProtectionState": protected,
        "type": database.get("type"),
        "labels": "(Firestore databases have none)",
    }
    store.evidence.append(
        Evidence(operation="firestore:ListDatabases", region=location, fields=fields)
    )
    key = (database.get("cmekConfig") or {}).get("kmsKeyName")
    store.encryption = kms_encryption(
        "firestore:ListDatabases", location, "cmekConfig.kmsKeyName", key
    )
    return store


def add_pitr(item: StoreResult, now: datetime) -> None:
    """Point-in-time recovery: a continuous protection, and its window when enabled."""
    store = item.store
    enabled = store.attributes.get("pitr") == "POINT_IN_TIME_RECOVERY_ENABLED"
    retention = duration_days(store.attributes.get("version_retention_period"))
    earliest = store.attributes.get("earliest_version_time")
    evidence = Evidence(
        operation="firestore:ListDatabases",
        region=store.region,
        fields={
            "pointInTimeRecoveryEnablement": store.attributes.get("pitr"),
            "versionRetentionPeriod": store.attributes.get("version_retention_period"),
            "earliestVersionTime": earliest,
        },
    )
    store.protections.append(
        Protection(
            role="continuous",
            origin="native",
            source="Firestore point-in-time recovery",
            name="Point-in-time recovery",
            enabled=enabled,
            immutable=False,
            retention_days=retention if enabled else None,
            evidence=[evidence],
        )
    )
    if enabled and isinstance(earliest, str):
        oldest = rfc3339(earliest)
        encryption = store.encryption
        key_type = encryption.key_type if encryption else None
        item.add_window("Firestore point-in-time recovery", oldest, now, evidence, True, key_type)


def add_schedules(item: StoreResult, answer: dict[str, Any] | None, gap: Gap | None) -> None:
    """Backup schedules: each a scheduled native backup (daily or weekly, retention)."""
    store = item.store
    if answer is None:
        if gap is not None:
            store.gaps += gap_for(
                gap.model_copy(update={"role": "backup"}), "protections", resource=store.id
            )
        return
    for schedule in answer.get("backupSchedules", []):
        weekly = "weeklyRecurrence" in schedule
        store.protections.append(
            Protection(
                role="backup",
                origin="native",
                source="Firestore scheduled backups",
                name=str(schedule.get("name", "")).rsplit("/", 1)[-1] or "backup schedule",
                enabled=True,
                immutable=False,
                frequency_hours=_WEEK_HOURS if weekly else _DAY_HOURS,
                retention_days=duration_days(schedule.get("retention")),
                details={"day": (schedule.get("weeklyRecurrence") or {}).get("day")},
                evidence=[
                    Evidence(
                        operation="firestore:ListBackupSchedules",
                        region=store.region,
                        fields={
                            "name": schedule.get("name"),
                            "recurrence": "weekly" if weekly else "daily",
                            "retention": schedule.get("retention"),
                        },
                    )
                ],
            )
        )
    if not answer.get("backupSchedules"):
        item.note_listing(
            Evidence(
                operation="firestore:ListBackupSchedules",
                region=store.region,
                fields={"backupSchedules": "returned 0 schedules for this database"},
            )
        )


def add_backups(
    item: StoreResult, answer: dict[str, Any] | None, gap: Gap | None, now: datetime
) -> None:
    """READY backups of this database as native recovery points, every backup as the
    job that made it; unreachable locations leave both unknown."""
    store = item.store
    failed = backups_unread(answer, gap)
    if answer is None or failed is not None:
        if failed is not None:
            store.gaps += gap_for(failed, "recovery_points", "backup_jobs", resource=store.id)
        return
    mine = [b for b in answer.get("backups", []) if b.get("database") == store.id]
    add_jobs(store, mine, now)
    ready = sorted(
        rfc3339(b["snapshotTime"])
        for b in mine
        if b.get("state") == "READY" and b.get("snapshotTime")
    )
    evidence = Evidence(
        operation="firestore:ListBackups",
        region=store.region,
        fields={
            "backups of this database (state=READY)": len(ready),
            "snapshotTime (newest)": ready[-1].isoformat() if ready else None,
            "expireTime (latest)": max((str(b.get("expireTime")) for b in mine), default=None),
        },
    )
    if ready:
        key_type = store.encryption.key_type if store.encryption else None
        item.add_points(
            "native_backup", "Firestore backups", ready, evidence, True, key_type=key_type
        )
    else:
        item.note_listing(evidence)


def backups_unread(answer: dict[str, Any] | None, gap: Gap | None) -> Gap | None:
    """What the backups listing left unknown: its gap, or the locations it could not
    reach (a partial answer)."""
    if answer is not None and not answer.get("unreachable"):
        return None
    unreachable = ", ".join((answer or {}).get("unreachable", []))
    return gap or Gap(
        attribute="recovery_points",
        operation="firestore:ListBackups",
        error_code="UNREACHABLE",
        cause="unreachable",
        message=f"backups.list could not reach these locations: {unreachable}",
        permission="datastore.backups.list",
    )


def add_jobs(store: DataStore, backups: list[dict[str, Any]], now: datetime) -> None:
    """The database's backups as backup jobs (NOT_AVAILABLE: failed); a failed backup
    without a time is a gap rather than left out."""
    jobs = [j for j in (firestore_job(b, store.region) for b in backups) if j]
    set_jobs(store, jobs, "firestore:ListBackups", "backups", unread_backups(backups), now)
    for name in untimed(backups):
        store.gaps.append(
            Gap(
                attribute="backup_jobs",
                operation="firestore:ListBackups",
                error_code="NoSnapshotTime",
                cause="unobservable",
                message=f"backup {name} is NOT_AVAILABLE and the answer gives it no time",
                permission="datastore.backups.list",
                resource=store.id,
            )
        )
