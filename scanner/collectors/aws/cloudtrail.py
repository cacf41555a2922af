"""CloudTrail: an AWS account's audit trail — which events its trails record, for which
regions and resources, and where they deliver them.

Per region one ``DescribeTrails`` of the trails homed there (``includeShadowTrails``
false, so a multi-region trail is read once, in its home region); in the first region
also the shadow trails of other accounts — an organisation's trail, which members see
but do not own. Per trail ``GetTrailStatus`` (is it logging) and ``GetEventSelectors``
(basic or advanced selectors), in its home region.

Selectors become audit-log configurations: management events (``admin_write``, and
``admin_read`` unless write-only) for every service, in every region for a multi-region
trail; S3 object and DynamoDB table data events (``data_read``/``data_write``) for the
buckets and tables they name (``arn:aws:s3:::*``: every bucket). An advanced selector
narrowed by any other field or by a ``Not…`` operator claims no events: what it leaves
out is not worked out here, and its text stays in the route. Where a trail's bucket
keeps the logs, and for how long, is not read yet: ``log_stores`` stays ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import TaskResult
from scanner.model import AuditLogConfig, Evidence, LogRoute
from scanner.vocabulary import AuditEvent

OPERATIONS = declare(
    "cloudtrail",
    {
        "DescribeTrails": "cloudtrail:DescribeTrails",
        "GetTrailStatus": "cloudtrail:GetTrailStatus",
        "GetEventSelectors": "cloudtrail:GetEventSelectors",
    },
)
SOURCE = "aws.cloudtrail"
_ADMIN: dict[str, tuple[AuditEvent, ...]] = {
    "All": ("admin_read", "admin_write"),
    "ReadOnly": ("admin_read",),
    "WriteOnly": ("admin_write",),
}
_DATA: dict[str, tuple[AuditEvent, ...]] = {
    "All": ("data_read", "data_write"),
    "ReadOnly": ("data_read",),
    "WriteOnly": ("data_write",),
}
#: Data resource types whose events are data access to a collected store, and the ARN
#: that stands for "every resource of the type".
_EVERY = {"AWS::S3::Object": "arn:aws:s3:::*", "AWS::DynamoDB::Table": "arn:aws:dynamodb:*"}


@dataclass
class RegionTrails:
    """What the trails homed in one region (and, in the first, others' shadow trails)
    record and where they deliver."""

    configs: list[AuditLogConfig] = field(default_factory=list)
    routes: list[LogRoute] = field(default_factory=list)


def collect_region(api: AwsApi, ctx: AccountContext, region: str) -> TaskResult:
    """The trails to read from ``region``, each with its status and selectors."""
    shadow = region == ctx.regions[0]
    listing = api.call(
        "cloudtrail", region, "DescribeTrails", "audit_trail", includeShadowTrails=shadow
    )
    if listing.gap is not None:
        return TaskResult(gaps=[listing.gap], facts=[RegionTrails()])
    found = RegionTrails()
    gaps = []
    for trail in (listing.data or {}).get("trailList", []):
        if not _read_here(trail, ctx.account, region):
            continue
        routes, configs, trail_gaps = _read_trail(api, trail)
        found.routes += routes
        found.configs += configs
        gaps += trail_gaps
    return TaskResult(gaps=gaps, facts=[found])


def _read_here(trail: dict[str, Any], account: str, region: str) -> bool:
    """A trail is read in its home region, or — another account's — where listed."""
    owner = str(trail.get("TrailARN", "")).split(":")[4:5]
    if owner and owner[0] != account:
        return True
    return trail.get("HomeRegion") == region


def _read_trail(
    api: AwsApi, trail: dict[str, Any]
) -> tuple[list[LogRoute], list[AuditLogConfig], list[Any]]:
    arn, home = str(trail["TrailARN"]), str(trail.get("HomeRegion", ""))
    status = api.call("cloudtrail", home, "GetTrailStatus", "audit_trail", Name=arn)
    selectors = api.call("cloudtrail", home, "GetEventSelectors", "audit_trail", TrailName=arn)
    gaps = [g.model_copy(update={"resource": arn}) for g in (status.gap, selectors.gap) if g]
    logging = None if status.data is None else bool(status.data.get("IsLogging"))
    chosen = selectors.data or {}
    routes = trail_routes(trail, logging, selector_text(chosen), status.request_id)
    # a trail that is not logging records nothing, whatever its selectors say
    configs = trail_configs(trail, chosen) if selectors.data is not None and logging else []
    return routes, configs, gaps


def trail_routes(
    trail: dict[str, Any], logging: bool | None, selected: str, request_id: str | None
) -> list[LogRoute]:
    """Where a trail delivers: its S3 bucket (and prefix), and its CloudWatch Logs group."""
    bucket, prefix = trail.get("S3BucketName"), trail.get("S3KeyPrefix")
    evidence = Evidence(
        operation="cloudtrail:DescribeTrails",
        region=trail.get("HomeRegion"),
        fields={
            key: trail.get(key)
            for key in (
                "IsMultiRegionTrail",
                "IsOrganizationTrail",
                "LogFileValidationEnabled",
                "IncludeGlobalServiceEvents",
                "KmsKeyId",
            )
        },
    )
    status = Evidence(
        operation="cloudtrail:GetTrailStatus", fields={"IsLogging": logging}, request_id=request_id
    )
    targets = {
        "": f"arn:aws:s3:::{bucket}" + (f"/{prefix}" if prefix else "") if bucket else None,
        "#cloudwatch": trail.get("CloudWatchLogsLogGroupArn"),
    }
    return [
        LogRoute(
            id=f"{trail['TrailARN']}{suffix}",
            name=str(trail.get("Name", "")),
            destination=str(destination),
            filter=selected or None,
            enabled=logging,
            source=SOURCE,
            evidence=[evidence, status],
        )
        for suffix, destination in targets.items()
        if destination
    ]


def trail_configs(trail: dict[str, Any], selectors: dict[str, Any]) -> list[AuditLogConfig]:
    """The events a trail's selectors record, per service or resource."""
    regions = None if trail.get("IsMultiRegionTrail") else [str(trail.get("HomeRegion"))]
    recorded: dict[str, set[AuditEvent]] = {}
    for selector in selectors.get("EventSelectors") or []:
        _basic(selector, recorded)
    for selector in selectors.get("AdvancedEventSelectors") or []:
        _advanced(selector, recorded)
    return [
        AuditLogConfig(
            service=service,
            events=sorted(events),
            regions=regions,
            source=SOURCE,
            evidence=[
                Evidence(
                    operation="cloudtrail:GetEventSelectors",
                    region=trail.get("HomeRegion"),
                    fields={"TrailARN": trail.get("TrailARN"), "regions": _regions(regions)},
                )
            ],
        )
        for service, events in sorted(recorded.items())
        if events
    ]


def _regions(regions: list[str] | None) -> str:
    return "every region (multi-region trail)" if regions is None else ", ".join(regions)


def _basic(selector: dict[str, Any], recorded: dict[str, set[AuditEvent]]) -> None:
    kind = str(selector.get("ReadWriteType", "All"))
    if selector.get("IncludeManagementEvents", True):
        recorded.setdefault("*", set()).update(_ADMIN.get(kind, ()))
    for resource in selector.get("DataResources") or []:
        for service in _services(str(resource.get("Type", "")), resource.get("Values") or []):
            recorded.setdefault(service, set()).update(_DATA.get(kind, ()))


def _services(kind: str, values: list[str]) -> list[str]:
    """The services (bucket or table ARNs) data-resource values name; an S3 value with a
    key prefix covers part of a bucket only, and names none."""
    if kind not in _EVERY:
        return []
    found = []
    for value in values:
        if value in ("arn:aws:s3", "arn:aws:s3:::", "arn:aws:dynamodb"):
            found.append(_EVERY[kind])
        elif kind == "AWS::S3::Object" and value.endswith("/") and value.count("/") == 1:
            found.append(value.rstrip("/"))
        elif kind == "AWS::DynamoDB::Table":
            found.append(value)
    return found


def _advanced(selector: dict[str, Any], recorded: dict[str, set[AuditEvent]]) -> None:
    """An advanced selector: its category, resource type, ARNs and read-only filter;
    any other field or a negative operator leaves it claiming nothing."""
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
    known = {"eventCategory", "resources.type", "resources.ARN", "readOnly"}
    negative = any(
        k.startswith("Not") and v for f in fields.values() for k, v in f.items() if k != "Field"
    )
    if negative or set(fields) - known:
        return
    category = (fields.get("eventCategory") or {}).get("Equals") or []
    read_only = (fields.get("readOnly") or {}).get("Equals") or []
    kind = "All" if not read_only else {"true": "ReadOnly", "false": "WriteOnly"}.get(read_only[0])
    if kind is None or len(read_only) > 1:
        return
    if "Management" in category:
        recorded.setdefault("*", set()).update(_ADMIN[kind])
        return
    arns = fields.get("resources.ARN") or {}
    named = [*(arns.get("StartsWith") or []), *(arns.get("Equals") or [])]
    for resource_type in (fields.get("resources.type") or {}).get("Equals") or []:
        every = "arn:aws:dynamodb" if resource_type == "AWS::DynamoDB::Table" else "arn:aws:s3"
        for service in _services(str(resource_type), named or [every]):
            recorded.setdefault(service, set()).update(_DATA[kind])


def selector_text(selectors: dict[str, Any]) -> str:
    """A trail's selectors, condensed for the route's filter."""
    basic = [
        f"{s.get('ReadWriteType', 'All')} management={s.get('IncludeManagementEvents', True)} "
        + " ".join(
            f"{r.get('Type')}:{','.join(r.get('Values') or [])}"
            for r in s.get("DataResources") or []
        )
        for s in selectors.get("EventSelectors") or []
    ]
    advanced = [
        " & ".join(
            f"{f.get('Field')} "
            + " ".join(f"{k} {','.join(v)}" for k, v in f.items() if k != "Field" and v)
            for f in s.get("FieldSelectors") or []
        )
        for s in selectors.get("AdvancedEventSelectors") or []
    ]
    return "; ".join(t.strip() for t in [*basic, *advanced])
