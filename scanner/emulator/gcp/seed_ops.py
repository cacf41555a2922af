"""Seeding what operations evidence reads: restores into Firestore databases (their
``RestoreDatabase`` operations), failed Cloud SQL backup runs, and Cloud Monitoring's
alert policies and notification channels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scanner.durations import parse_duration
from scanner.emulator.ages import iso
from scanner.emulator.gcp.estate import FirestoreSpec, MonitoringSpec, SqlSpec
from scanner.emulator.gcp.server import FirestoreDatabase, GcpState

_TYPE = "type.googleapis.com/google.firestore.admin.v1."


def restores(specs: list[FirestoreSpec], databases: list[FirestoreDatabase], now: datetime) -> None:
    """Each restored database's ``RestoreDatabase`` operation, from its source's newest
    READY backup older than the restore."""
    by_name = {d.database["name"].rsplit("/", 1)[-1]: d for d in databases}
    for spec in specs:
        made = spec.restored_from
        if made is None:
            continue
        start = now - parse_duration(made.started)
        source = by_name[made.database].backups
        older = [b for b in source if b["state"] == "READY" and b["snapshotTime"] <= iso(start)]
        backup = max(older, key=lambda b: b["snapshotTime"])
        target = by_name[spec.name].database["name"]
        by_name[spec.name].operations.append(
            _operation(target, backup["name"], made.state, start, made.hours)
        )


def _operation(
    target: str, backup: str, state: str, start: datetime, hours: float
) -> dict[str, Any]:
    end = start + timedelta(hours=hours)
    operation: dict[str, Any] = {
        "name": f"{target}/operations/restore-{start:%Y%m%d%H%M}",
        "metadata": {
            "@type": _TYPE + "RestoreDatabaseMetadata",
            "startTime": iso(start),
            "endTime": iso(end),
            "operationState": state,
            "database": target,
            "backup": backup,
            "progressPercentage": {"estimatedWork": "100", "completedWork": "100"},
        },
        "done": True,
    }
    if state == "FAILED":
        operation["error"] = {"code": 13, "message": "The restore could not be completed."}
    else:
        operation["response"] = {"@type": _TYPE + "Database", "name": target}
    return operation


def failed_runs(spec: SqlSpec, now: datetime, first_id: int) -> list[dict[str, Any]]:
    """The instance's FAILED automated backup runs, with the error Cloud SQL gives."""
    runs = []
    for n, age in enumerate(spec.failed_runs):
        start = now - parse_duration(age)
        runs.append(
            {
                "kind": "sql#backupRun",
                "id": str(first_id + n),
                "instance": spec.name,
                "status": "FAILED",
                "type": "AUTOMATED",
                "enqueuedTime": iso(start),
                "startTime": iso(start),
                "endTime": iso(start + timedelta(minutes=3)),
                "windowStartTime": iso(start),
                "error": {
                    "kind": "sql#operationError",
                    "code": "BACKUP_FAILED",
                    "message": "Backup failed: the instance ran out of disk space.",
                },
            }
        )
    return runs


def monitoring(state: GcpState, spec: MonitoringSpec, project: str) -> None:
    """The project's notification channels (numeric ids, as Monitoring gives them) and
    log-match alert policies."""
    ids = {
        c.name: f"projects/{project}/notificationChannels/{1000 + n}"
        for n, c in enumerate(spec.channels)
    }
    state.notification_channels[project] = [
        {
            "name": ids[c.name],
            "type": c.type,
            "displayName": c.name,
            "labels": {"email_address": f"{c.name}@{project}.example"} if c.type == "email" else {},
            "enabled": c.enabled,
            "verificationStatus": "VERIFIED",
        }
        for c in spec.channels
    ]
    state.alert_policies[project] = [
        {
            "name": f"projects/{project}/alertPolicies/{2000 + n}",
            "displayName": a.name,
            "combiner": "OR",
            "conditions": [
                {
                    "name": f"projects/{project}/alertPolicies/{2000 + n}/conditions/1",
                    "displayName": a.name,
                    "conditionMatchedLog": {"filter": a.filter},
                }
            ],
            "alertStrategy": {"notificationRateLimit": {"period": "300s"}},
            "notificationChannels": [ids[c] for c in a.channels],
            "enabled": a.enabled,
        }
        for n, a in enumerate(spec.alerts)
    ]
