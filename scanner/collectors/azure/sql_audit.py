"""Azure SQL auditing: which events a database's audit records and where they go.

Per server its auditing policy (``auditingSettings/default``: on for every database of
the server), per database its own (added to the server's). ARM answers a policy for every
server and database — ``state: Disabled`` where auditing was never turned on. The action
groups audited give the events (decision 47); the destinations are the storage endpoint
(with ``retentionDays``, 0 = kept forever) and Azure Monitor, where the records travel as
the ``SQLSecurityAuditEvents`` category of a diagnostic setting. Each database's result
is one audit-log configuration and its routes, beside its diagnostic settings.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.api import AzureApi
from scanner.collectors.azure.diagnostics import StoreDiagnostics
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult
from scanner.model import AuditLogConfig, Evidence, Gap, LogRoute
from scanner.vocabulary import AuditEvent

OPERATIONS = declare(
    "sql",
    {
        "GetServerAuditingPolicy": "Microsoft.Sql/servers/auditingSettings/read",
        "GetDatabaseAuditingPolicy": "Microsoft.Sql/servers/databases/auditingSettings/read",
    },
)
_SERVER = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Sql/servers/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", _SERVER + r"/auditingSettings/default"),
    route(OPERATIONS[1], "GET", _SERVER + r"/databases/[^/]+/auditingSettings/default"),
)
#: The audit events of SQL audit action groups (Azure SQL auditing, "audit action
#: groups"); groups of logins and other server events record none of these.
ACTION_GROUP_EVENTS: dict[str, tuple[AuditEvent, ...]] = {
    "BATCH_COMPLETED_GROUP": ("admin_write", "data_read", "data_write"),
    "SCHEMA_OBJECT_ACCESS_GROUP": ("data_read", "data_write"),
    "DATABASE_OBJECT_CHANGE_GROUP": ("admin_write",),
    "SCHEMA_OBJECT_CHANGE_GROUP": ("admin_write",),
    "DATABASE_CHANGE_GROUP": ("admin_write",),
    "DATABASE_PERMISSION_CHANGE_GROUP": ("admin_write",),
    "DATABASE_PRINCIPAL_CHANGE_GROUP": ("admin_write",),
    "DATABASE_ROLE_MEMBER_CHANGE_GROUP": ("admin_write",),
}
Policy = tuple[dict[str, Any] | None, Gap | None]


def read_server_auditing(api: AzureApi, client: Any, group: str, server: str) -> Policy:
    """The server's auditing policy, or the gap reading it left."""
    return api.call(
        "sql",
        "GetServerAuditingPolicy",
        "audit_trail",
        lambda: client.server_blob_auditing_policies.get(group, server),
    )


def read_auditing(
    api: AzureApi, client: Any, group: str, server: str, item: StoreResult, on_server: Policy
) -> TaskResult:
    """What the server's and the database's auditing record for the database; an
    unreadable policy is an ``audit_trail`` gap of the database (what the other policy
    shows stands)."""
    store = item.store
    own, gap = api.call(
        "sql",
        "GetDatabaseAuditingPolicy",
        "audit_trail",
        lambda: client.database_blob_auditing_policies.get(group, server, store.name),
        location=store.region,
    )
    policies = [p for p in (on_server[0], own) if p is not None]
    for unread in (on_server[1], gap):
        store.gaps += gap_for(unread, "audit_trail", resource=store.id) if unread else []
    if not policies:
        return TaskResult()
    config = AuditLogConfig(
        service=store.id,
        events=sorted({e for p in policies for e in _events(p)}),
        source="azure.sql.auditing",
        evidence=[_evidence(p, store.region) for p in policies],
    )
    return TaskResult(facts=[StoreDiagnostics(config, [r for p in policies for r in _routes(p)])])


def _on(policy: dict[str, Any]) -> bool:
    return (policy.get("properties") or {}).get("state") == "Enabled"


def _events(policy: dict[str, Any]) -> set[AuditEvent]:
    if not _on(policy):
        return set()
    groups = (policy.get("properties") or {}).get("auditActionsAndGroups") or []
    return {e for g in groups for e in ACTION_GROUP_EVENTS.get(str(g), ())}


def _routes(policy: dict[str, Any]) -> list[LogRoute]:
    """Where an enabled policy sends its records: the storage endpoint, Azure Monitor."""
    props = policy.get("properties") or {}
    groups = ", ".join(str(g) for g in props.get("auditActionsAndGroups") or [])
    targets = {
        "storageEndpoint": props.get("storageEndpoint"),
        "azureMonitor": "Azure Monitor (SQLSecurityAuditEvents of a diagnostic setting)"
        if props.get("isAzureMonitorTargetEnabled")
        else None,
    }
    return [
        LogRoute(
            id=f"{policy['id']}#{name}",
            name=str(policy.get("name", "")),
            destination=str(destination),
            filter=f"auditActionsAndGroups: {groups}",
            enabled=_on(policy),
            source="azure.sql.auditing",
            evidence=[_evidence(policy, None)],
        )
        for name, destination in targets.items()
        if destination
    ]


def _evidence(policy: dict[str, Any], region: str | None) -> Evidence:
    props = policy.get("properties") or {}
    level = "database" if "/databases/" in str(policy.get("id", "")) else "server"
    return Evidence(
        operation=f"sql:Get{level.title()}AuditingPolicy",
        region=region,
        fields={
            "properties.state": props.get("state"),
            "properties.auditActionsAndGroups": ", ".join(
                str(g) for g in props.get("auditActionsAndGroups") or []
            ),
            "properties.storageEndpoint": props.get("storageEndpoint"),
            "properties.retentionDays": props.get("retentionDays"),
            "properties.isAzureMonitorTargetEnabled": props.get("isAzureMonitorTargetEnabled"),
        },
    )
