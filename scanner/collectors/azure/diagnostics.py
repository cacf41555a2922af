"""A subscription's audit trail from Azure Monitor: which events each store's diagnostic
settings record and where they send them, where the activity log goes, and the Log
Analytics workspaces that keep records.

Per store one read of its diagnostic settings (a storage account's blob logs are set on
``…/blobServices/default``); per subscription one read of the activity log's diagnostic
settings and one listing of workspaces. Each store's answer becomes one audit-log
configuration (``service``: the store's id; an empty ``events`` list when no setting
records anything — an absence read, not an unknown) and a route per destination. The
activity log itself records every write to the subscription's resources and keeps it 90
days; that is documented, not read, and recorded as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.azure.api import AzureApi
from scanner.collectors.azure.diagnostic_client import DiagnosticSettingsClient
from scanner.collectors.azure.regions import region_name
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult
from scanner.model import AuditLogConfig, DataStore, Evidence, Gap, LogRoute, LogStore
from scanner.vocabulary import AuditEvent

OPERATIONS = (
    *declare("monitor", {"ListDiagnosticSettings": "Microsoft.Insights/diagnosticSettings/read"}),
    *declare("loganalytics", {"ListWorkspaces": "Microsoft.OperationalInsights/workspaces/read"}),
)
_SETTINGS, _WORKSPACES = OPERATIONS
ROUTES: tuple[Route, ...] = (
    route(
        _SETTINGS,
        "GET",
        r"/subscriptions/[^/]+(/resourceGroups/[^/]+/providers/.+)?"
        r"/providers/Microsoft\.Insights/diagnosticSettings",
    ),
    route(
        _WORKSPACES,
        "GET",
        r"/subscriptions/[^/]+/providers/Microsoft\.OperationalInsights/workspaces",
    ),
)
#: The audit events each documented resource-log category records (Azure Monitor,
#: "Supported logs" per resource type). ``SQLSecurityAuditEvents`` is absent on purpose:
#: what it carries depends on the SQL auditing policy, which is not read.
CATEGORY_EVENTS: dict[str, tuple[AuditEvent, ...]] = {
    "StorageRead": ("data_read",),
    "StorageWrite": ("data_write",),
    "StorageDelete": ("data_write",),
    "DataPlaneRequests": ("data_read", "data_write"),
    "MongoRequests": ("data_read", "data_write"),
    "CassandraRequests": ("data_read", "data_write"),
    "GremlinRequests": ("data_read", "data_write"),
    "TableApiRequests": ("data_read", "data_write"),
    "ControlPlaneRequests": ("admin_write",),
}
#: The events of each category group, per store kind: ``allLogs`` is every category of
#: the resource type; ``audit`` is tabled only for blob services (StorageRead,
#: StorageWrite, StorageDelete) — elsewhere its events are unknown, and a gap says so.
_GROUPS: dict[tuple[str, str], tuple[AuditEvent, ...]] = {
    ("azure.storage.account", "allLogs"): ("data_read", "data_write"),
    ("azure.storage.account", "audit"): ("data_read", "data_write"),
    ("azure.cosmosdb.account", "allLogs"): ("admin_write", "data_read", "data_write"),
}
_DESTINATIONS = (
    "workspaceId",
    "storageAccountId",
    "eventHubAuthorizationRuleId",
    "marketplacePartnerId",
)
ACTIVITY_LOG = (
    "records every write (PUT, POST, DELETE) to the subscription's resources and keeps it "
    "90 days (Azure Monitor, Activity log)"
)


@dataclass
class StoreDiagnostics:
    """What one store's diagnostic settings record and where they send it."""

    config: AuditLogConfig
    routes: list[LogRoute] = field(default_factory=list)


def settings_uri(store: DataStore) -> str:
    """The resource whose diagnostic settings carry the store's data-access logs."""
    if store.kind == "azure.storage.account":
        return f"{store.id}/blobServices/default"
    return store.id


def read_store_settings(
    api: AzureApi, client: DiagnosticSettingsClient, item: StoreResult
) -> TaskResult:
    """One store's diagnostic settings; a failed read is an ``audit_trail`` gap of the
    store alone."""
    store = item.store
    uri = settings_uri(store)
    answer, gap = api.call(
        "monitor", "ListDiagnosticSettings", "audit_trail", lambda: client.list(uri), store.region
    )
    if answer is None:
        assert gap is not None
        store.gaps.append(gap.model_copy(update={"resource": store.id}))
        return TaskResult()
    settings = list(answer.get("value") or [])
    config, unknown = store_config(store, uri, settings)
    store.gaps += unknown
    return TaskResult(facts=[StoreDiagnostics(config, routes(settings))])


def store_config(
    store: DataStore, uri: str, settings: list[dict[str, Any]]
) -> tuple[AuditLogConfig, list[Gap]]:
    """The events a store's settings record (with a destination), as one configuration;
    a category group whose events are not tabled is an ``audit_trail`` gap of the store."""
    events: set[AuditEvent] = set()
    read: set[str] = set()
    untabled: set[str] = set()
    for log in _enabled_logs(settings):
        name = str(log.get("category") or log.get("categoryGroup") or "")
        read.add(name)
        if log.get("category"):
            events.update(CATEGORY_EVENTS.get(name, ()))
        elif (store.kind, name) in _GROUPS:
            events.update(_GROUPS[(store.kind, name)])
        else:
            untabled.add(name)
    evidence = Evidence(
        operation="monitor:ListDiagnosticSettings",
        region=store.region,
        fields={
            "resourceUri": uri,
            "value (settings)": len(settings),
            "logs[].category|categoryGroup (enabled, with a destination)": ", ".join(sorted(read)),
        },
    )
    config = AuditLogConfig(
        service=store.id,
        events=sorted(events),
        source="azure.monitor.diagnosticSettings",
        evidence=[evidence],
    )
    return config, [_untabled(store, sorted(untabled))] if untabled else []


def _enabled_logs(settings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The enabled log entries of the settings that send somewhere."""
    return [
        log
        for setting in settings
        if any((setting.get("properties") or {}).get(d) for d in _DESTINATIONS)
        for log in (setting.get("properties") or {}).get("logs") or []
        if log.get("enabled")
    ]


def _untabled(store: DataStore, groups: list[str]) -> Gap:
    return Gap(
        attribute="audit_trail",
        operation="monitor:ListDiagnosticSettings",
        error_code="CategoryGroupNotTabled",
        cause="error",
        message=(
            f"category group(s) {', '.join(groups)} enabled; which events they record for "
            f"{store.kind} is not tabled here, so they may record more than shown"
        ),
        resource=store.id,
        region=store.region,
    )


def routes(settings: list[dict[str, Any]]) -> list[LogRoute]:
    """One route per destination of each setting, selecting its enabled categories."""
    found: list[LogRoute] = []
    for setting in settings:
        props = setting.get("properties") or {}
        enabled = sorted(
            str(log.get("category") or log.get("categoryGroup"))
            for log in props.get("logs") or []
            if log.get("enabled")
        )
        for destination in (d for d in _DESTINATIONS if props.get(d)):
            found.append(
                LogRoute(
                    id=f"{setting['id']}#{destination}",
                    name=str(setting.get("name", "")),
                    destination=str(props[destination]),
                    filter="categories: " + ", ".join(enabled),
                    enabled=bool(enabled),
                    source="azure.monitor.diagnosticSetting",
                    evidence=[
                        Evidence(
                            operation="monitor:ListDiagnosticSettings",
                            fields={
                                destination: props[destination],
                                "logs (enabled)": len(enabled),
                            },
                        )
                    ],
                )
            )
    return found


def read_subscription_trail(
    api: AzureApi, subscription: str
) -> tuple[list[LogRoute], list[LogStore], list[Gap]]:
    """Where the activity log is sent, and the Log Analytics workspaces (after the
    activity log's own 90 days, documented); what a failed read hid is named by its gap,
    and what the other reads showed stays."""
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient

    client = api.client(DiagnosticSettingsClient, subscription)
    answer, settings_gap = api.call(
        "monitor",
        "ListDiagnosticSettings",
        "audit_trail",
        lambda: client.list(f"/subscriptions/{subscription}"),
    )
    workspaces = api.pages(
        "loganalytics",
        "ListWorkspaces",
        "audit_trail",
        lambda: api.client(LogAnalyticsManagementClient, subscription).workspaces.list(),
    )
    stores = [activity_log_store(subscription), *(workspace(w) for w in workspaces.items)]
    found = routes(list((answer or {}).get("value") or []))
    return found, stores, [g for g in (settings_gap, workspaces.gap) if g is not None]


def activity_log_config() -> AuditLogConfig:
    """The activity log's record of every write, as Azure documents it."""
    return AuditLogConfig(
        service="*",
        events=["admin_write"],
        source="azure.activityLog",
        evidence=[Evidence(operation="documented", fields={"Activity log": ACTIVITY_LOG})],
    )


def activity_log_store(subscription: str) -> LogStore:
    """The activity log as a store of records: 90 days, not configurable."""
    return LogStore(
        id=f"/subscriptions/{subscription}/providers/microsoft.insights/eventtypes/management",
        name="Activity log",
        region="global",
        retention_days=90,
        locked=True,
        source="azure.activityLog",
        evidence=[Evidence(operation="documented", fields={"Activity log": ACTIVITY_LOG})],
    )


def workspace(answer: dict[str, Any]) -> LogStore:
    """A Log Analytics workspace: its region and retention (anyone allowed to write to
    the workspace can shorten it, so it is never locked)."""
    props = answer.get("properties") or {}
    region = region_name(str(answer.get("location", "")))
    state = props.get("provisioningState")
    return LogStore(
        id=str(answer["id"]),
        name=str(answer.get("name", "")),
        region=region,
        regions=[region],
        retention_days=props.get("retentionInDays"),
        locked=False,
        active=state != "Deleting",
        source="azure.loganalytics.workspace",
        evidence=[
            Evidence(
                operation="loganalytics:ListWorkspaces",
                region=region,
                fields={
                    "retentionInDays": props.get("retentionInDays"),
                    "provisioningState": state,
                },
            )
        ],
    )
