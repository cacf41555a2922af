"""The Azure Monitor part of a subscription seeded into the ARM fake: a Log Analytics
workspace, diagnostic settings on the stores that send their logs to it, the activity
log's export, and a metric alert on Backup vault health with its action group."""

from __future__ import annotations

from typing import Any

from scanner.emulator.azure.estate import SubscriptionSpec

#: The categories a store's diagnostic setting turns on, per collection of the fake.
_CATEGORIES = {
    "cosmos": ["DataPlaneRequests", "ControlPlaneRequests"],
    "storage": ["StorageRead", "StorageWrite", "StorageDelete"],
    "sql_databases": ["SQLSecurityAuditEvents"],
}


def seed_monitor(found: dict[str, list[dict[str, Any]]], spec: SubscriptionSpec) -> None:
    """Add the subscription's Monitor resources to ``found`` (collections by name)."""
    monitor = spec.monitor
    group = f"/subscriptions/{spec.id}/resourceGroups/monitoring/providers"
    workspace_id = f"{group}/Microsoft.OperationalInsights/workspaces/audit-logs"
    if monitor.workspace_days is not None:
        found.setdefault("workspaces", []).append(_workspace(workspace_id, monitor.workspace_days))
    settings = found.setdefault("diagnostic_settings", [])
    for collection, resource in _audited(found, spec):
        settings.append(_setting(resource, workspace_id, _CATEGORIES[collection]))
    if monitor.activity_log_export:
        settings.append(
            _setting(f"/subscriptions/{spec.id}", workspace_id, ["Administrative", "Security"])
        )
    if monitor.backup_alert != "none":
        _backup_alert(found, group, spec)


def _audited(
    found: dict[str, list[dict[str, Any]]], spec: SubscriptionSpec
) -> list[tuple[str, str]]:
    """(collection, resource whose settings carry the logs) of each store that sends."""
    names = {
        "cosmos": {c.name for c in spec.cosmos if c.audit_logs},
        "storage": {s.name for s in spec.storage if s.audit_logs},
        "sql_databases": {d.name for server in spec.sql for d in server.databases if d.audit_logs},
    }
    suffix = {"storage": "/blobServices/default"}
    return [
        (collection, str(item["id"]) + suffix.get(collection, ""))
        for collection, wanted in names.items()
        for item in found.get(collection, [])
        if item["name"] in wanted
    ]


def _workspace(workspace_id: str, days: int) -> dict[str, Any]:
    return {
        "id": workspace_id,
        "name": workspace_id.rsplit("/", 1)[-1],
        "type": "Microsoft.OperationalInsights/workspaces",
        "location": "westeurope",
        "properties": {
            "provisioningState": "Succeeded",
            "customerId": "6b1a3d4e-0000-4000-8000-00000000a0d1",
            "sku": {"name": "PerGB2018"},
            "retentionInDays": days,
        },
    }


def _setting(resource: str, workspace_id: str, categories: list[str]) -> dict[str, Any]:
    return {
        "id": f"{resource}/providers/microsoft.insights/diagnosticSettings/audit",
        "name": "audit",
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": workspace_id,
            "logs": [{"category": c, "enabled": True} for c in categories],
            "metrics": [],
        },
    }


def _backup_alert(
    found: dict[str, list[dict[str, Any]]], group: str, spec: SubscriptionSpec
) -> None:
    group_id = f"{group}/Microsoft.Insights/actionGroups/backup-oncall"
    found.setdefault("action_groups", []).append(
        _action_group(group_id, email=spec.monitor.backup_alert == "email")
    )
    enabled = spec.monitor.backup_alert != "disabled"
    alert_id = f"{group}/Microsoft.Insights/metricAlerts/backup-health"
    scope = f"/subscriptions/{spec.id}"
    found.setdefault("metric_alerts", []).append(_health_alert(alert_id, scope, group_id, enabled))


def _action_group(group_id: str, email: bool) -> dict[str, Any]:
    oncall = {"name": "oncall", "emailAddress": "backup-oncall@example.org"}
    receivers = [oncall | {"useCommonAlertSchema": True}]
    return {
        "id": group_id,
        "name": "backup-oncall",
        "type": "Microsoft.Insights/ActionGroups",
        "location": "Global",
        "properties": {
            "groupShortName": "backup",
            "enabled": True,
            "emailReceivers": receivers if email else [],
        },
    }


def _health_alert(alert_id: str, scope: str, group_id: str, enabled: bool) -> dict[str, Any]:
    """A metric alert on ``BackupHealthEvent`` of every Backup vault in ``scope`` (a
    multi-resource alert: a subscription scope with a target resource type)."""
    criterion = {
        "criterionType": "StaticThresholdCriterion",
        "name": "failures",
        "metricName": "BackupHealthEvent",
        "metricNamespace": "Microsoft.DataProtection/backupVaults",
        "operator": "GreaterThan",
        "threshold": 0,
        "timeAggregation": "Count",
    }
    return {
        "id": alert_id,
        "name": alert_id.rsplit("/", 1)[-1],
        "type": "Microsoft.Insights/metricAlerts",
        "location": "global",
        "properties": {
            "description": "A backup job failed",
            "severity": 1,
            "enabled": enabled,
            "scopes": [scope],
            "targetResourceType": "Microsoft.DataProtection/backupVaults",
            "targetResourceRegion": "westeurope",
            "evaluationFrequency": "PT15M",
            "windowSize": "PT1H",
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
                "allOf": [criterion],
            },
            "actions": [{"actionGroupId": group_id}],
        },
    }
