"""A project's Cloud Monitoring alert policies and whom they notify — account facts the
operations-evidence rules judge (``alert_rules``).

Two paged reads per project through the JSON client (:mod:`.monitoring_client`):
``projects.alertPolicies.list`` and ``projects.notificationChannels.list``. A policy is
a ``log_match`` rule when its condition is ``conditionMatchedLog`` (a log-match policy
has one condition), else ``metric`` (threshold, absence, MQL, PromQL, SQL); ``enabled``
as answered. It counts as a backup-failure alert only when its log filter certainly
admits failed backup jobs (:mod:`.alert_filters`). Its ``notificationChannels`` are
resolved against the channels listed — by full name, else by the channel id, since a
name may carry the project number — each a target whose ``enabled`` is the channel's and
whose receivers are its ``type`` (``email``, ``pagerduty``, ``slack``,
``webhook_tokenauth`` …); an UNVERIFIED channel is documented as "non-functioning" and
reaches nobody; a channel not listed here (another project's) has unknown receivers.
A failed listing is an account ``alerting`` gap; what the other showed stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from scanner.collectors.gcp.alert_filters import matches_backup_failures
from scanner.collectors.gcp.api import GcpApi
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.readonly import declare
from scanner.model import AlertRule, AlertTarget, Evidence, Gap, Scalar

OPERATIONS = declare(
    "monitoring",
    {
        "ListAlertPolicies": "monitoring.alertPolicies.list",
        "ListNotificationChannels": "monitoring.notificationChannels.list",
    },
)
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", r"/v3/projects/[^/]+/alertPolicies"),
    route(OPERATIONS[1], "GET", r"/v3/projects/[^/]+/notificationChannels"),
)
#: The condition fields of a metric condition, and where each keeps its query.
_METRIC_CONDITIONS = {
    "conditionThreshold": "filter",
    "conditionAbsent": "filter",
    "conditionMonitoringQueryLanguage": "query",
    "conditionPrometheusQueryLanguage": "query",
    "conditionSql": "query",
}


@dataclass
class Alerting:
    """A project's alert rules (``None``: the policies could not be listed)."""

    rules: list[AlertRule] | None = None
    gaps: list[Gap] = field(default_factory=list)


def read_alerting(api: GcpApi, project: str) -> Alerting:
    """The project's alert policies with their channels resolved."""
    client = api.monitoring_client(project)
    listed = {}
    for operation, key in (
        ("ListAlertPolicies", "alertPolicies"),
        ("ListNotificationChannels", "notificationChannels"),
    ):
        path = f"/projects/{project}/{key}"
        listed[key] = api.pages(
            "monitoring", operation, "alerting", partial(api.json_pages, client, path, key)
        )
    policies, channels = listed["alertPolicies"], listed["notificationChannels"]
    gaps = [g for g in (policies.gap, channels.gap) if g is not None]
    if policies.gap is not None:
        return Alerting(None, gaps)
    known = None if channels.gap is not None else {str(c.get("name")): c for c in channels.items}
    return Alerting([alert_rule(p, project, known) for p in policies.items], gaps)


def alert_rule(
    policy: dict[str, Any], project: str, channels: dict[str, dict[str, Any]] | None
) -> AlertRule:
    """One ``AlertPolicy``; ``channels``: those listed by name (None: not listed)."""
    conditions = policy.get("conditions", [])
    logs = [str((c.get("conditionMatchedLog") or {}).get("filter", "")) for c in conditions]
    logs = [f for c, f in zip(conditions, logs, strict=True) if "conditionMatchedLog" in c]
    queries = [_metric_query(c) for c in conditions if "conditionMatchedLog" not in c]
    combiner = str(policy.get("combiner", "OR"))
    alone = len(conditions) == 1 or combiner == "OR"
    failures = alone and any(matches_backup_failures(f) for f in logs)
    names = [str(n) for n in policy.get("notificationChannels", [])]
    enabled = policy.get("enabled")
    fields: dict[str, Scalar] = {
        "name": policy.get("name"),
        "enabled": enabled,
        "combiner": combiner,
        "conditions[].conditionMatchedLog.filter": " | ".join(logs) or None,
        "conditions[] metric queries": " | ".join(queries) or None,
        "notificationChannels": ", ".join(names) or None,
    }
    return AlertRule(
        id=str(policy.get("name", "")),
        name=str(policy.get("displayName") or policy.get("name", "")),
        kind="log_match" if logs else "metric",
        enabled=enabled if isinstance(enabled, bool) else None,
        scopes=[project],  # a policy watches its whole project
        condition=f" {combiner} ".join([*logs, *queries]),
        backup_failures=failures,
        targets=[_target(n, channels) for n in names],
        source="gcp.monitoring.alertPolicy",
        evidence=[Evidence(operation="monitoring:ListAlertPolicies", fields=fields)],
    )


def _metric_query(condition: dict[str, Any]) -> str:
    for key, query in _METRIC_CONDITIONS.items():
        if key in condition:
            return str((condition[key] or {}).get(query, ""))
    return ""


def _target(name: str, channels: dict[str, dict[str, Any]] | None) -> AlertTarget:
    """A channel as a target: enabled as listed, its type the receiver (an UNVERIFIED
    channel reaches nobody); unknown when not listed here."""
    if channels is None:
        return AlertTarget(id=name)
    channel = channels.get(name) or _by_id(name, channels)
    if channel is None:
        return AlertTarget(id=name)
    enabled = channel.get("enabled")
    working = channel.get("verificationStatus") != "UNVERIFIED"
    return AlertTarget(
        id=str(channel.get("name", name)),
        enabled=enabled if isinstance(enabled, bool) else None,
        receivers=[str(channel.get("type"))] if working and channel.get("type") else [],
    )


def _by_id(name: str, channels: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The listed channel with the same channel id (``projects/NUMBER/…`` and
    ``projects/ID/…`` name the same channel)."""
    wanted = name.rsplit("/notificationChannels/", 1)[-1]
    same = [c for n, c in channels.items() if n.rsplit("/notificationChannels/", 1)[-1] == wanted]
    return same[0] if len(same) == 1 else None
