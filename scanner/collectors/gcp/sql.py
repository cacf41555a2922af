"""Cloud SQL instances and their backup runs (REST, Cloud SQL Admin API v1beta4 — the
REST surface of the maintained GAPIC client; its v1 surface is gRPC-only, decision 44).

Per project: ``instances.list`` (region, automated backup configuration — enabled, start
time, retained backups, transaction-log retention for point-in-time recovery, backup
location — deletion protection, CMEK, labels, replicas) and one ``backupRuns.list``
over every instance (``instance=-``): each run is a backup job (a FAILED one with its
``error``), each SUCCESSFUL run a recovery point, and where
runs were stored is where the backups live (by default the multi-region nearest the
instance — a residency question, recorded as an observed backup copy).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import Listing, gap_for
from scanner.collectors.gcp.api import GcpApi, as_json
from scanner.collectors.gcp.fields import kms_encryption, location_name, rfc3339
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.gcp.jobs import set_jobs, sql_job, unread_runs
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.model import (
    Copy,
    DataStore,
    Evidence,
    Gap,
    Immutability,
    Protection,
    Vault,
    Window,
)

OPERATIONS = declare(
    "sqladmin",
    {
        "ListInstances": "cloudsql.instances.list",
        "ListBackupRuns": "cloudsql.backupRuns.list",
        "GetLatestRecoveryTime": "cloudsql.instances.get",
    },
)
_P = r"/sql/v1beta4/projects/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", _P + r"/instances"),
    route(OPERATIONS[1], "GET", _P + r"/instances/[^/]+/backupRuns"),
    route(OPERATIONS[2], "GET", _P + r"/instances/[^/]+/getLatestRecoveryTime"),
)
PITR_SOURCE = "Cloud SQL point-in-time recovery"
KIND = "gcp.sql.instance"
#: Automated backups start within a four-hour window from ``startTime`` (UTC).
BACKUP_WINDOW_MINUTES = 240


def list_instances(
    api: GcpApi, project: str, now: datetime
) -> tuple[list[StoreResult], Gap | None, list[Vault]]:
    """Every instance of ``project`` with its backup runs, or the gap that stopped the
    listing of instances; and where the backups are stored, as vaults."""
    from google.cloud import sqladmin_v1beta4 as sql

    instances = api.gapic(sql.SqlInstancesServiceClient)
    runs = api.gapic(sql.SqlBackupRunsServiceClient)
    listing = api.pages(
        "sqladmin", "ListInstances", "inventory", partial(_instance_pages, instances, project, api)
    )
    if listing.gap is not None:
        return [], listing.gap, []
    found = [as_json(i) for i in listing.items]
    regions = {i["name"]: i.get("region") for i in found}
    run_listing = api.pages(
        "sqladmin",
        "ListBackupRuns",
        "recovery_points",
        partial(_run_pages, runs, project, api),
    )
    items, vaults = [], []
    for instance in found:
        item = StoreResult(instance_store(instance, project, regions))
        vaults += add_runs(item, run_listing, now)
        items.append(item)
    return items, None, vaults


def recovery_windows(api: GcpApi, project: str, items: list[StoreResult]) -> list[Task]:
    """A read of the restorable window of each instance whose point-in-time recovery is
    on (``instances.getLatestRecoveryTime``), to run alongside the other reads."""
    return [
        partial(read_recovery_window, api, project, item)
        for item in items
        if any(p.source == PITR_SOURCE and p.enabled for p in item.store.protections)
    ]


def read_recovery_window(api: GcpApi, project: str, item: StoreResult) -> TaskResult:
    """The instance's restorable window — ``latestRecoveryTime``, and
    ``earliestRecoveryTime`` where the answer gives it — as a continuous recovery source;
    an unreadable one leaves its recovery points unknown."""
    from google.cloud import sqladmin_v1beta4 as sql

    store, client = item.store, api.gapic(sql.SqlInstancesServiceClient)
    request = {"project": project, "instance": store.name}
    answer, gap = api.call(
        "sqladmin",
        "GetLatestRecoveryTime",
        "recovery_points",
        lambda: client.get_latest_recovery_time(request=request, retry=api.retry()),
        location=store.region,
    )
    if answer is None:
        store.gaps += gap_for(gap, "recovery_points", resource=store.id) if gap else []
        return TaskResult()
    latest, earliest = answer.get("latestRecoveryTime"), answer.get("earliestRecoveryTime")
    evidence = Evidence(
        operation="sqladmin:GetLatestRecoveryTime",
        region=store.region,
        fields={"latestRecoveryTime": latest, "earliestRecoveryTime": earliest},
    )
    if not latest:
        item.note_listing(evidence)
        return TaskResult()
    oldest = rfc3339(earliest) if earliest else None
    key_type = store.encryption.key_type if store.encryption else None
    item.add_window(PITR_SOURCE, oldest, rfc3339(latest), evidence, True, key_type)
    return TaskResult()


def _instance_pages(client: Any, project: str, api: GcpApi) -> Any:
    # the instances pager iterates warnings, not items: read its pages
    pager = client.list(request={"project": project}, retry=api.retry())
    return (page.items for page in pager.pages)


def _run_pages(client: Any, project: str, api: GcpApi) -> Any:
    request = {"project": project, "instance": "-"}
    return (page.items for page in client.list(request=request, retry=api.retry()).pages)


def instance_store(instance: dict[str, Any], project: str, regions: dict[str, Any]) -> DataStore:
    """One ``DatabaseInstance`` as ``instances.list`` returned it."""
    settings = instance.get("settings") or {}
    name = str(instance["name"])
    region = str(instance.get("region", ""))
    store = DataStore(
        id=f"projects/{project}/instances/{name}",
        cloud="gcp",
        account=project,
        region=region,
        regions=[region],
        kind=KIND,
        name=name,
        created_at=instance.get("createTime"),
        tags=dict(settings.get("userLabels") or {}),
        deletion_protection=bool(settings.get("deletionProtectionEnabled")),
        attributes={
            "database_version": instance.get("databaseVersion"),
            "availability_type": settings.get("availabilityType"),
            "master_instance": instance.get("masterInstanceName"),
        },
    )
    store.evidence.append(
        Evidence(
            operation="sqladmin:ListInstances",
            region=region,
            fields={
                "name": name,
                "region": region,
                "createTime": instance.get("createTime"),
                "settings.deletionProtectionEnabled": settings.get("deletionProtectionEnabled"),
                "settings.userLabels": ", ".join(sorted(settings.get("userLabels") or {})),
            },
        )
    )
    key = (instance.get("diskEncryptionConfiguration") or {}).get("kmsKeyName")
    field = "diskEncryptionConfiguration.kmsKeyName"
    store.encryption = kms_encryption("sqladmin:ListInstances", region, field, key)
    backup = settings.get("backupConfiguration") or {}
    store.protections += [_automated(backup, region), _pitr(backup, instance, region)]
    store.copies += _replicas(instance, project, regions)
    return store


def _automated(backup: dict[str, Any], region: str) -> Protection:
    enabled = bool(backup.get("enabled"))
    retention = backup.get("backupRetentionSettings") or {}
    retained = retention.get("retainedBackups")
    by_count = retention.get("retentionUnit") in (None, "COUNT")
    start = backup.get("startTime")
    return Protection(
        role="backup",
        origin="native",
        source="Cloud SQL automated backups",
        name="Automated backups",
        enabled=enabled,
        immutable=False,
        frequency_hours=24.0 if enabled else None,
        # one automated backup a day: keeping N backups keeps about N days
        retention_days=float(retained) if enabled and retained and by_count else None,
        window=Window(start=start, duration_minutes=BACKUP_WINDOW_MINUTES) if start else None,
        details={"retained_backups": retained, "location": backup.get("location")},
        evidence=[
            Evidence(
                operation="sqladmin:ListInstances",
                region=region,
                fields={
                    "settings.backupConfiguration.enabled": enabled,
                    "settings.backupConfiguration.startTime": start,
                    "backupRetentionSettings.retainedBackups": retained,
                    "backupRetentionSettings.retentionUnit": retention.get("retentionUnit"),
                    "settings.backupConfiguration.location": backup.get("location"),
                },
            )
        ],
    )


def _pitr(backup: dict[str, Any], instance: dict[str, Any], region: str) -> Protection:
    """Point-in-time recovery: ``pointInTimeRecoveryEnabled`` (PostgreSQL, SQL Server) or
    binary logging (MySQL), kept ``transactionLogRetentionDays``."""
    mysql = str(instance.get("databaseVersion", "")).startswith("MYSQL")
    flag = "binaryLogEnabled" if mysql else "pointInTimeRecoveryEnabled"
    enabled = bool(backup.get("enabled")) and bool(backup.get(flag))
    days = backup.get("transactionLogRetentionDays")
    return Protection(
        role="continuous",
        origin="native",
        source=PITR_SOURCE,
        name="Point-in-time recovery",
        enabled=enabled,
        immutable=False,
        retention_days=float(days) if enabled and days else None,
        evidence=[
            Evidence(
                operation="sqladmin:ListInstances",
                region=region,
                fields={
                    f"settings.backupConfiguration.{flag}": backup.get(flag),
                    "settings.backupConfiguration.transactionLogRetentionDays": days,
                },
            )
        ],
    )


def _replicas(instance: dict[str, Any], project: str, regions: dict[str, Any]) -> list[Copy]:
    """Read replicas; a replica outside the listing (another project) is unresolved."""
    copies = []
    for replica in instance.get("replicaNames") or []:
        region = regions.get(replica)
        copies.append(
            Copy(
                kind="replica",
                target=f"projects/{project}/instances/{replica}",
                region=region,
                account=project if region else None,
                resolved=region is not None,
                state="observed",
                source="read replica",
                evidence=[
                    Evidence(
                        operation="sqladmin:ListInstances",
                        region=instance.get("region"),
                        fields={"replicaNames[]": replica, "replica region": region},
                    )
                ],
            )
        )
    return copies


def add_runs(item: StoreResult, listing: Listing, now: datetime) -> list[Vault]:
    """The instance's backup runs as backup jobs; SUCCESSFUL ones as recovery points,
    and where they are stored — a vault of the service's (not immutable, the instance's key) and an
    observed backup copy in its location; an unreadable listing leaves both unknown."""
    store = item.store
    if listing.gap is not None:
        unread = gap_for(listing.gap, "recovery_points", "copies", "backup_jobs", resource=store.id)
        store.gaps += unread
        return []
    runs = [as_json(r) for r in listing.items]
    own = [r for r in runs if r.get("instance") == store.name]
    jobs = [j for j in (sql_job(r, store.region) for r in own) if j]
    set_jobs(store, jobs, "sqladmin:ListBackupRuns", "backup runs", unread_runs(own), now)
    mine = [r for r in runs if r.get("instance") == store.name and r.get("status") == "SUCCESSFUL"]
    times = sorted(rfc3339(r["startTime"]) for r in mine if r.get("startTime"))
    evidence = Evidence(
        operation="sqladmin:ListBackupRuns",
        region=store.region,
        fields={
            "backup runs of this instance (status=SUCCESSFUL)": len(times),
            "startTime (newest)": times[-1].isoformat() if times else None,
        },
    )
    if not times:
        item.note_listing(evidence)
        return []
    key_type = store.encryption.key_type if store.encryption else None
    locations = sorted({str(r["location"]) for r in mine if r.get("location")})
    vaults = [_storage_vault(store, location, evidence) for location in locations]
    ids = [v.id for v in vaults]
    item.add_points(
        "native_backup", "Cloud SQL backups", times, evidence, True, vaults=ids, key_type=key_type
    )
    store.copies += [_stored_in(store, vault) for vault in vaults]
    return vaults


def _storage_vault(store: DataStore, location: str, evidence: Evidence) -> Vault:
    """Cloud SQL's backup storage in ``location``: encrypted with the instance's key, with
    no lock (a project owner can delete its backups)."""
    region = location_name(location)
    encryption = store.encryption
    return Vault(
        id=f"{store.id}/backups/{location}",
        name=f"Cloud SQL backups of {store.name} ({location})",
        region=region,
        account=store.account,
        key_type=encryption.key_type if encryption else None,
        key_id=encryption.key_id if encryption else None,
        immutability=Immutability(state="disabled"),
        evidence=[evidence],
    )


def _stored_in(store: DataStore, vault: Vault) -> Copy:
    """Backups kept in ``vault``'s location (a region, or a multi-region written as Cloud
    Storage writes it: EU)."""
    location = vault.id.rsplit("/", 1)[-1]
    return Copy(
        kind="backup_copy",
        target=vault.id,
        region=vault.region,
        account=store.account,
        resolved=True,
        state="observed",
        source="Cloud SQL backup storage location",
        evidence=[
            Evidence(
                operation="sqladmin:ListBackupRuns",
                region=store.region,
                fields={"items[].location (SUCCESSFUL runs)": location},
            )
        ],
    )
