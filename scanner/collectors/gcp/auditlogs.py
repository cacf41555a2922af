"""A project's audit trail: which audit logs it records, where they are kept and where
they are routed — account facts that the operations-evidence rules judge.

Three reads per project: the IAM policy's ``auditConfigs`` (Resource Manager
``projects.getIamPolicy``: Data Access logs per service), the log buckets of every
location (``GET /v2/projects/P/locations/-/buckets``: retention, lock, location) and the
sinks (``GET /v2/projects/P/sinks``). Admin Activity audit logs are always written —
Google documents that they cannot be configured, excluded or disabled — so they are
recorded as a documented configuration, not an observed one. Only the project's own
audit configuration is read; a folder's or organisation's adds to it and is not seen.

The Logging configuration API's generated client is gRPC-only in google-cloud-logging
3.17, so log buckets and sinks are read through the handwritten client's JSON
connection, which speaks the documented REST paths (decision 45).
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.gcp.api import GcpApi
from scanner.collectors.gcp.fields import location_name
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.readonly import declare
from scanner.model import AuditLogConfig, AuditTrail, Evidence, Gap, LogRoute, LogStore
from scanner.vocabulary import AuditEvent

OPERATIONS = (
    *declare("cloudresourcemanager", {"GetIamPolicy": "resourcemanager.projects.getIamPolicy"}),
    *declare(
        "logging", {"ListLogBuckets": "logging.buckets.list", "ListSinks": "logging.sinks.list"}
    ),
)
_POLICY, _BUCKETS, _SINKS = OPERATIONS
ROUTES: tuple[Route, ...] = (
    route(_POLICY, "POST", r"/v3/projects/[^/]+:getIamPolicy"),
    route(_BUCKETS, "GET", r"/v2/projects/[^/]+/locations/-/buckets"),
    route(_SINKS, "GET", r"/v2/projects/[^/]+/sinks"),
)
_EVENTS: dict[str, AuditEvent] = {
    "ADMIN_READ": "admin_read",
    "DATA_READ": "data_read",
    "DATA_WRITE": "data_write",
}
#: Google's statement that Admin Activity audit logs cannot be turned off.
ADMIN_ACTIVITY = (
    "always written; cannot be configured, excluded or disabled "
    "(Cloud Audit Logs overview, Admin Activity audit logs)"
)


def read_audit_trail(api: GcpApi, project: str) -> tuple[AuditTrail, list[Gap]]:
    """The project's audit configuration, log buckets and sinks; what could not be read
    stays ``None`` with its gap."""
    configs, policy_gap = _configs(api, project)
    client = api.logging_client(project)
    buckets = api.pages(
        "logging",
        "ListLogBuckets",
        "audit_trail",
        lambda: api.json_pages(client, f"/projects/{project}/locations/-/buckets", "buckets"),
    )
    sinks = api.pages(
        "logging",
        "ListSinks",
        "audit_trail",
        # in_scope("ALL"): the project's own sinks and the intercepting sinks of its
        # folders and organisation, which take its logs before its own sinks see them
        lambda: api.json_pages(
            client, f"/projects/{project}/sinks", "sinks", {"filter": 'in_scope("ALL")'}
        ),
    )
    trail = AuditTrail(
        configs=configs,
        log_stores=None if buckets.gap else [log_store(b) for b in buckets.items],
        routes=None if sinks.gap else [log_route(s, project) for s in sinks.items],
    )
    gaps = [g for g in (policy_gap, buckets.gap, sinks.gap) if g is not None]
    return trail, gaps


def _configs(api: GcpApi, project: str) -> tuple[list[AuditLogConfig] | None, Gap | None]:
    from google.cloud import resourcemanager_v3

    client = api.gapic(resourcemanager_v3.ProjectsClient)
    request = {"resource": f"projects/{project}", "options": {"requested_policy_version": 3}}
    policy, gap = api.call(
        "cloudresourcemanager",
        "GetIamPolicy",
        "audit_trail",
        lambda: client.get_iam_policy(request=request, retry=api.retry()),
    )
    if policy is None:
        return None, gap
    admin = AuditLogConfig(
        service="*",
        events=["admin_write"],
        source="gcp.audit.adminActivity",
        evidence=[Evidence(operation="documented", fields={"Admin Activity": ADMIN_ACTIVITY})],
    )
    return [admin, *(audit_config(c) for c in policy.get("auditConfigs", []))], None


def audit_config(config: dict[str, Any]) -> AuditLogConfig:
    """One ``auditConfigs`` entry: its service (``allServices`` → ``*``), the log types
    it turns on and the members exempted from any of them."""
    logs = config.get("auditLogConfigs", [])
    service = str(config.get("service", ""))
    exempted = sorted({m for c in logs for m in c.get("exemptedMembers", [])})
    return AuditLogConfig(
        service="*" if service == "allServices" else service,
        events=sorted({_EVENTS[c["logType"]] for c in logs if c.get("logType") in _EVENTS}),
        exempted=exempted,
        source="gcp.iam.auditConfig",
        evidence=[
            Evidence(
                operation="cloudresourcemanager:GetIamPolicy",
                fields={
                    "auditConfigs.service": service,
                    "auditLogConfigs.logType": ", ".join(
                        sorted(str(c.get("logType")) for c in logs)
                    ),
                    "exemptedMembers": len(exempted),
                },
            )
        ],
    )


def log_store(bucket: dict[str, Any]) -> LogStore:
    """A log bucket: ``projects/P/locations/L/buckets/B`` with its retention, lock and
    state (``global`` names no region; multi-regions are written ``EU``, ``US``)."""
    name = str(bucket["name"])
    where = name.split("/locations/")[1].split("/")[0]
    location = where if where == "global" else location_name(where)
    fields = {
        key: bucket.get(key)
        for key in ("retentionDays", "locked", "lifecycleState")
        if key in bucket
    }
    return LogStore(
        id=name,
        name=name.rsplit("/", 1)[-1],
        region=location,
        regions=None if location == "global" else [location],
        retention_days=bucket.get("retentionDays"),
        locked=bool(bucket.get("locked", False)),
        active=bucket.get("lifecycleState", "ACTIVE") == "ACTIVE",
        source="gcp.logging.bucket",
        evidence=[Evidence(operation="logging:ListLogBuckets", region=location, fields=fields)],
    )


def log_route(sink: dict[str, Any], project: str) -> LogRoute:
    """A sink: where it sends the entries its filter selects (an empty filter: all)."""
    disabled = bool(sink.get("disabled", False))
    exclusions = [
        str(e.get("filter", "")) for e in sink.get("exclusions", []) if not e.get("disabled")
    ]
    return LogRoute(
        id=f"projects/{project}/sinks/{sink['name']}",
        name=str(sink["name"]),
        destination=str(sink.get("destination", "")),
        filter=sink.get("filter") or None,
        exclusions=exclusions,
        enabled=not disabled,
        source="gcp.logging.sink",
        evidence=[
            Evidence(
                operation="logging:ListSinks",
                fields={
                    "destination": sink.get("destination"),
                    "filter": sink.get("filter", ""),
                    "disabled": disabled,
                    "exclusions (enabled)": len(exclusions),
                    "interceptChildren": bool(sink.get("interceptChildren", False)),
                },
            )
        ],
    )
