"""The fake's state built from the ``gcp:`` section of an estate, ages made times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scanner.durations import parse_duration
from scanner.emulator.ages import at, iso, times
from scanner.emulator.gcp import seed_ops
from scanner.emulator.gcp.estate import (
    AuditSpec,
    BackupDrSpec,
    BucketSpec,
    FirestoreSpec,
    GcpEstate,
    PlanSpec,
    SqlSpec,
    VaultSpec,
)
from scanner.emulator.gcp.server import BackupDrState, FirestoreDatabase, GcpState

#: What the ``_Required`` sink routes to the ``_Required`` bucket (the audit logs Google
#: always keeps); the ``_Default`` sink routes everything else.
_REQUIRED_LOGS = (
    "cloudaudit.googleapis.com/activity",
    "externalaudit.googleapis.com/activity",
    "cloudaudit.googleapis.com/system_event",
    "externalaudit.googleapis.com/system_event",
    "cloudaudit.googleapis.com/access_transparency",
    "externalaudit.googleapis.com/access_transparency",
)
#: Answers per page, as the real APIs' defaults are of this order (Cloud Storage: 1000).
PAGE_SIZE = 500
_KEY = "projects/{p}/locations/{l}/keyRings/backup-audit/cryptoKeys/demo"


def seed(estate: GcpEstate, now: datetime) -> GcpState:
    """Everything the estate describes, as the fake serves it."""
    state = GcpState(projects=[], page_size=PAGE_SIZE)
    for number, project in enumerate(estate.projects, start=1):
        assert state.projects is not None
        state.projects.append(
            {"name": f"projects/{number}", "projectId": project.id, "state": "ACTIVE"}
        )
        state.buckets[project.id] = [_bucket(b, project.id, now) for b in project.buckets]
        state.firestore[project.id] = [_database(d, project.id, now) for d in project.firestore]
        seed_ops.restores(project.firestore, state.firestore[project.id], now)
        state.sql_instances[project.id] = [
            i for spec in project.sql for i in _instances(spec, project.id, now)
        ]
        state.sql_backup_runs[project.id] = [r for s in project.sql for r in _runs(s, now)]
        seed_ops.monitoring(state, project.monitoring, project.id)
        state.sql_recovery[project.id] = {
            s.name: _recovery_window(s, now) for s in project.sql if s.backups and s.pitr
        }
        state.backupdr[project.id] = _backupdr(project.backupdr, project.id, now)
        _audit(state, project.audit, project.id, now)
    return state


def _bucket(spec: BucketSpec, project: str, now: datetime) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "kind": "storage#bucket",
        "id": spec.name,
        "name": spec.name,
        "location": spec.location,
        "locationType": spec.location_type,
        "storageClass": "STANDARD",
        "timeCreated": at(now, spec.created),
        "labels": spec.labels,
        "versioning": {"enabled": spec.versioning},
        "softDeletePolicy": {"retentionDurationSeconds": str(spec.soft_delete_days * 86400)},
    }
    if spec.data_locations:
        bucket["customPlacementConfig"] = {"dataLocations": spec.data_locations}
    if spec.noncurrent_days is not None:
        rule = {
            "action": {"type": "Delete"},
            "condition": {"daysSinceNoncurrentTime": spec.noncurrent_days},
        }
        bucket["lifecycle"] = {"rule": [rule]}
    if spec.retention_days is not None:
        bucket["retentionPolicy"] = {
            "retentionPeriod": str(spec.retention_days * 86400),
            "isLocked": spec.retention_locked,
            "effectiveTime": at(now, spec.created),
        }
    if spec.cmek:
        bucket["encryption"] = {
            "defaultKmsKeyName": _KEY.format(p=project, l=spec.location.lower())
        }
    return bucket


def _database(spec: FirestoreSpec, project: str, now: datetime) -> FirestoreDatabase:
    name = f"projects/{project}/databases/{spec.name}"
    retention = 7 * 86400 if spec.pitr else 3600
    database: dict[str, Any] = {
        "name": name,
        "uid": f"uid-{spec.name}",
        "createTime": at(now, spec.created),
        "locationId": spec.location,
        "type": "FIRESTORE_NATIVE",
        "versionRetentionPeriod": f"{retention}s",
        "earliestVersionTime": iso(now - timedelta(seconds=retention)),
        "pointInTimeRecoveryEnablement": "POINT_IN_TIME_RECOVERY_ENABLED"
        if spec.pitr
        else "POINT_IN_TIME_RECOVERY_DISABLED",
        "deleteProtectionState": "DELETE_PROTECTION_ENABLED"
        if spec.delete_protection
        else "DELETE_PROTECTION_DISABLED",
        "databaseEdition": "STANDARD",
    }
    if spec.cmek:
        database["cmekConfig"] = {"kmsKeyName": _KEY.format(p=project, l=spec.location)}
    schedules = [
        {
            "name": f"{name}/backupSchedules/{n}",
            "retention": f"{int(parse_duration(s.retention).total_seconds())}s",
            **(
                {"weeklyRecurrence": {"day": "SUNDAY"}}
                if s.recurrence == "weekly"
                else {"dailyRecurrence": {}}
            ),
        }
        for n, s in enumerate(spec.schedules)
    ]
    backups = [
        {
            "name": f"projects/{project}/locations/{spec.location}/backups/{spec.name}-{n}",
            "database": name,
            "snapshotTime": iso(when),
            "expireTime": iso(when + timedelta(days=14)),
            "state": "READY",
        }
        for n, when in enumerate(times(spec.backups, now))
    ]
    return FirestoreDatabase(database, schedules, backups)


def _recurrence(recurrence: str) -> dict[str, Any]:
    if recurrence == "weekly":
        return {"weeklyRecurrence": {"day": "SUNDAY"}}
    return {"dailyRecurrence": {}}


def _instances(spec: SqlSpec, project: str, now: datetime) -> list[dict[str, Any]]:
    backup: dict[str, Any] = {
        "enabled": spec.backups,
        "startTime": spec.start,
        "backupRetentionSettings": {"retainedBackups": spec.retained, "retentionUnit": "COUNT"},
        "transactionLogRetentionDays": spec.log_days,
        (
            "binaryLogEnabled" if spec.version.startswith("MYSQL") else "pointInTimeRecoveryEnabled"
        ): spec.pitr,
    }
    if spec.backup_location:
        backup["location"] = spec.backup_location
    primary: dict[str, Any] = {
        "kind": "sql#instance",
        "name": spec.name,
        "project": project,
        "region": spec.region,
        "databaseVersion": spec.version,
        "createTime": at(now, spec.created),
        "state": "RUNNABLE",
        "replicaNames": sorted(spec.replicas),
        "settings": {
            "deletionProtectionEnabled": spec.deletion_protection,
            "userLabels": spec.labels,
            "backupConfiguration": backup,
        },
    }
    if spec.cmek:
        primary["diskEncryptionConfiguration"] = {
            "kmsKeyName": _KEY.format(p=project, l=spec.region)
        }
    replicas = [
        {
            "kind": "sql#instance",
            "name": name,
            "project": project,
            "region": region,
            "databaseVersion": spec.version,
            "createTime": at(now, spec.created),
            "masterInstanceName": f"{project}:{spec.name}",
            "settings": {"userLabels": spec.labels, "backupConfiguration": {"enabled": False}},
        }
        for name, region in sorted(spec.replicas.items())
    ]
    return [primary, *replicas]


def _recovery_window(spec: SqlSpec, now: datetime) -> dict[str, Any]:
    """Restorable up to a few minutes ago, back to the transaction logs kept (or to the
    instance's creation)."""
    earliest = max(now - timedelta(days=spec.log_days), now - parse_duration(spec.created))
    return {"latestRecoveryTime": at(now, "5m"), "earliestRecoveryTime": iso(earliest)}


def _runs(spec: SqlSpec, now: datetime) -> list[dict[str, Any]]:
    location = spec.backup_location or ("eu" if spec.region.startswith("europe") else "us")
    made = times(spec.runs, now)
    return seed_ops.failed_runs(spec, now, len(made) + 1) + [
        {
            "kind": "sql#backupRun",
            "id": str(n + 1),
            "instance": spec.name,
            "status": "SUCCESSFUL",
            "type": "AUTOMATED",
            "startTime": iso(when),
            "endTime": iso(when + timedelta(minutes=7)),
            "location": location,
        }
        for n, when in enumerate(made)
    ]


def _backupdr(spec: BackupDrSpec, project: str, now: datetime) -> BackupDrState:
    state = BackupDrState()
    vaults = {
        v.name: f"{_location(project, v.location)}/backupVaults/{v.name}" for v in spec.vaults
    }
    plans = {p.name: f"{_location(project, p.location)}/backupPlans/{p.name}" for p in spec.plans}
    state.vaults = [_vault(v, vaults[v.name], now) for v in spec.vaults]
    state.plans = [_plan(p, plans[p.name], vaults[p.vault]) for p in spec.plans]
    for protected in spec.protects:
        plan = next(p for p in spec.plans if p.name == protected.plan)
        resource = f"//sqladmin.googleapis.com/projects/{project}/instances/{protected.instance}"
        where = _location(project, plan.location)
        source = f"{vaults[plan.vault]}/dataSources/{protected.instance}"
        made = times(protected.backups, now)
        rule: dict[str, Any] = {"ruleId": "rule", "lastBackupState": "SUCCEEDED"}
        last = {"lastSuccessfulBackupConsistencyTime": iso(made[0])} if made else {}
        rule |= last
        state.associations.append(
            {
                "name": f"{where}/backupPlanAssociations/{protected.instance}",
                "resource": resource,
                "resourceType": "sqladmin.googleapis.com/Instance",
                "backupPlan": plans[plan.name],
                "state": "ACTIVE",
                "dataSource": source,
                "rulesConfigInfo": [rule],
            }
        )
        located = {"gcpResourcename": resource}
        state.data_sources.setdefault(vaults[plan.vault], []).append(
            {
                "name": source,
                "state": "ACTIVE",
                "dataSourceGcpResource": located,
                "backupConfigInfo": {"lastBackupState": "SUCCEEDED", **last},
            }
        )
        state.backups[source] = [_backup(f"{source}/backups/{n}", t) for n, t in enumerate(made)]
    return state


def _location(project: str, location: str) -> str:
    return f"projects/{project}/locations/{location}"


def _vault(spec: VaultSpec, name: str, now: datetime) -> dict[str, Any]:
    answer: dict[str, Any] = {"name": name, "state": "ACTIVE"}
    if spec.min_retention_days:
        seconds = spec.min_retention_days * 86400
        answer["backupMinimumEnforcedRetentionDuration"] = f"{seconds}s"
    if spec.locked:
        answer["effectiveTime"] = at(now, "30d")
    return answer


def _plan(spec: PlanSpec, name: str, vault: str) -> dict[str, Any]:
    schedule = {
        "recurrenceType": spec.recurrence,
        "timeZone": "UTC",
        "backupWindow": {"startHourOfDay": spec.window[0], "endHourOfDay": spec.window[1]},
    }
    rule = {
        "ruleId": "rule",
        "backupRetentionDays": spec.retention_days,
        "standardSchedule": schedule,
    }
    return {
        "name": name,
        "resourceType": "sqladmin.googleapis.com/Instance",
        "backupVault": vault,
        "state": "ACTIVE",
        "backupRules": [rule],
    }


def _backup(name: str, when: datetime) -> dict[str, Any]:
    return {
        "name": name,
        "state": "ACTIVE",
        "consistencyTime": iso(when),
        "createTime": iso(when),
    }


def _audit(state: GcpState, spec: AuditSpec, project: str, now: datetime) -> None:
    """The project's IAM policy (its audit configs), log buckets and sinks, with the
    ``_Required`` and ``_Default`` ones every project has."""
    logs = [{"logType": t} for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")]
    policy: dict[str, Any] = {
        "version": 1,
        "etag": "BwYAAAAAAAA=",
        "bindings": [{"role": "roles/owner", "members": [f"user:owner@{project}.example"]}],
    }
    if spec.data_access:  # proto3 JSON leaves out an empty list
        policy["auditConfigs"] = [{"service": s, "auditLogConfigs": logs} for s in spec.data_access]
    state.iam_policies[project] = policy
    buckets = [
        ("_Required", "global", 400, True),
        ("_Default", "global", spec.default_retention_days, False),
    ]
    buckets += [(b.name, b.location, b.retention_days, b.locked) for b in spec.log_buckets]
    state.log_buckets[project] = [
        {
            "name": f"{_location(project, where)}/buckets/{name}",
            "createTime": at(now, "400d"),
            "retentionDays": days,
            "locked": locked,
            "lifecycleState": "ACTIVE",
        }
        for name, where, days, locked in buckets
    ]
    required = " OR ".join(f'LOG_ID("{log}")' for log in _REQUIRED_LOGS)
    default = " AND ".join(f'NOT LOG_ID("{log}")' for log in _REQUIRED_LOGS)
    sinks = [("_Required", _bucket_path(project, "_Required"), required, False)]
    sinks.append(("_Default", _bucket_path(project, "_Default"), default, False))
    sinks += [(s.name, s.destination, s.filter, s.disabled) for s in spec.sinks]
    state.sinks[project] = [_sink(*sink) for sink in sinks]


def _sink(name: str, destination: str, selects: str, disabled: bool) -> dict[str, Any]:
    sink: dict[str, Any] = {"name": name, "destination": destination}
    if selects:
        sink["filter"] = selects
    if disabled:
        sink["disabled"] = True
    return sink


def _bucket_path(project: str, name: str) -> str:
    return f"logging.googleapis.com/{_location(project, 'global')}/buckets/{name}"
