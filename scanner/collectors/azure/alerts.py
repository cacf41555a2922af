"""A subscription's alert rules (Azure Monitor) and whom they notify: activity-log
alerts, metric alerts and log (scheduled query) alerts, each read as it is written —
scopes, condition, on or off, action groups — and marked when its condition is a failed
backup job; and the action groups, each with whether it is on and its receivers.

Four listings per subscription (azure-mgmt-monitor). A rule's condition is matched to
backup failures only on what it states:
- a metric alert: a criterion on ``BackupHealthEvent``, the Backup vaults' health
  metric, unless its dimensions keep only healthy events (the metric counts every job);
- a log alert: a query over ``AddonAzureBackupJobs`` comparing a status to ``Failed``
  (``== "Failed"``, ``=~``, ``in (…)``; ``!=`` does not count).
Activity-log alerts are listed but never matched: the activity log records control-plane
operations (a failed ad-hoc backup request), not the failures of scheduled jobs. A
Backup vault's own job-failure alerts (``alertsForAllJobFailures``) come from the
vaults' reading; whom they reach is set by alert processing rules, which are not read.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.azure.api import AzureApi
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.model import AlertRule, AlertTarget, Evidence, Gap
from scanner.vocabulary import AlertKind

OPERATIONS = declare(
    "monitor",
    {
        "ListActionGroups": "Microsoft.Insights/actionGroups/read",
        "ListActivityLogAlerts": "Microsoft.Insights/activityLogAlerts/read",
        "ListMetricAlerts": "Microsoft.Insights/metricAlerts/read",
        "ListScheduledQueryRules": "Microsoft.Insights/scheduledQueryRules/read",
    },
)
_GROUPS, _ACTIVITY, _METRIC, _QUERY = OPERATIONS
_INSIGHTS = r"/subscriptions/[^/]+/providers/Microsoft\.Insights/"
ROUTES: tuple[Route, ...] = (
    route(_GROUPS, "GET", _INSIGHTS + "actionGroups"),
    route(_ACTIVITY, "GET", _INSIGHTS + "activityLogAlerts"),
    route(_METRIC, "GET", _INSIGHTS + "metricAlerts"),
    route(_QUERY, "GET", _INSIGHTS + "scheduledQueryRules"),
)
_BACKUP_METRICS = frozenset({"backuphealthevent"})
_HEALTHY = frozenset({"healthy"})
_BACKUP_JOBS = re.compile(r"\bAddonAzureBackupJobs\b", re.IGNORECASE)
_FAILED = re.compile(
    r"(==|=~|(?<!!)\bin~?\s*\([^)]*?)\s*[\"']Failed[\"']|(?<!!)\bhas\s*[\"']Failed[\"']",
    re.IGNORECASE,
)


def read_alert_rules(api: AzureApi, subscription: str) -> tuple[list[AlertRule], list[Gap]]:
    """Every alert rule the subscription lists, with its targets resolved; a listing that
    failed leaves an ``alerting`` gap beside the rules the others showed."""
    from azure.mgmt.monitor import MonitorManagementClient

    client = api.client(MonitorManagementClient, subscription)
    groups = api.pages(
        "monitor", "ListActionGroups", "alerting", client.action_groups.list_by_subscription_id
    )
    targets = None if groups.gap else {str(g["id"]).lower(): action_group(g) for g in groups.items}
    listings = (
        ("ListActivityLogAlerts", client.activity_log_alerts.list_by_subscription_id, _activity),
        ("ListMetricAlerts", client.metric_alerts.list_by_subscription, _metric),
        ("ListScheduledQueryRules", client.scheduled_query_rules.list_by_subscription, _query),
    )
    rules: list[AlertRule] = []
    gaps = [groups.gap] if groups.gap else []
    for operation, paged, parse in listings:
        listing = api.pages("monitor", operation, "alerting", paged)
        rules.extend(parse(item, targets) for item in listing.items if _alerts(item))
        gaps.extend([listing.gap] if listing.gap else [])
    return rules, gaps


def _alerts(rule: dict[str, Any]) -> bool:
    """Whether a listed rule raises alerts (a ``LogToMetric`` query rule only makes a
    metric)."""
    return rule.get("kind") != "LogToMetric"


def action_group(answer: dict[str, Any]) -> AlertTarget:
    """An action group: on or off, and which kinds of receiver it has."""
    props = answer.get("properties") or {}
    kinds = sorted(
        {
            key.removesuffix("Receivers")
            for key, value in props.items()
            if key.endswith("Receivers")
            for receiver in value or []
            if receiver.get("status") != "Disabled"  # e.g. an unsubscribed e-mail
        }
    )
    return AlertTarget(id=str(answer["id"]), enabled=props.get("enabled"), receivers=kinds)


def _targets(ids: list[str], known: dict[str, AlertTarget] | None) -> list[AlertTarget]:
    """Action groups by id: as listed, or unknown (another subscription's, or unlisted)."""
    return [(known or {}).get(i.lower()) or AlertTarget(id=i) for i in ids if i]


def _rule(
    answer: dict[str, Any],
    kind: AlertKind,
    condition: str,
    backup: bool,
    targets: list[AlertTarget],
    operation: str,
) -> AlertRule:
    props = answer.get("properties") or {}
    return AlertRule(
        id=str(answer["id"]),
        name=str(answer.get("name", "")),
        kind=kind,
        # only activity-log alerts document a default (on); elsewhere absent is unknown
        enabled=props.get("enabled", True if kind == "activity_log" else None),
        scopes=[str(s) for s in props.get("scopes") or []],
        condition=condition,
        backup_failures=backup,
        targets=targets,
        source="azure.monitor",
        evidence=[
            Evidence(
                operation=f"monitor:{operation}",
                fields={"enabled": props.get("enabled"), "condition": condition[:300]},
            )
        ],
    )


def _activity(answer: dict[str, Any], known: dict[str, AlertTarget] | None) -> AlertRule:
    props = answer.get("properties") or {}
    terms = _activity_terms((props.get("condition") or {}).get("allOf") or [])
    groups = [
        g.get("actionGroupId", "") for g in (props.get("actions") or {}).get("actionGroups") or []
    ]
    condition = " and ".join(f"{f} = {v}" for f, v in terms)
    return _rule(
        answer, "activity_log", condition, False, _targets(groups, known), "ListActivityLogAlerts"
    )


def _activity_terms(conditions: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(field, value)`` pairs of an activity-log condition, lower-cased, with the
    alternatives of ``anyOf`` and ``containsAny`` each a pair."""
    terms: list[tuple[str, str]] = []
    for condition in conditions:
        if condition.get("anyOf"):
            terms.extend(_activity_terms(condition["anyOf"]))
        field = str(condition.get("field", "")).lower()
        values = [condition.get("equals"), *(condition.get("containsAny") or [])]
        terms.extend((field, str(v).lower()) for v in values if v)
    return terms


def _metric(answer: dict[str, Any], known: dict[str, AlertTarget] | None) -> AlertRule:
    props = answer.get("properties") or {}
    criteria = (props.get("criteria") or {}).get("allOf") or []
    backup = any(_counts_failures(c) for c in criteria)
    condition = " and ".join(_criterion_text(c) for c in criteria)
    groups = [a.get("actionGroupId", "") for a in props.get("actions") or []]
    return _rule(answer, "metric", condition, backup, _targets(groups, known), "ListMetricAlerts")


def _counts_failures(criterion: dict[str, Any]) -> bool:
    """A criterion on the Backup health metric whose dimensions do not keep only
    healthy events."""
    if str(criterion.get("metricName", "")).lower() not in _BACKUP_METRICS:
        return False
    for dimension in criterion.get("dimensions") or []:
        values = {str(v).lower() for v in dimension.get("values") or []}
        if str(dimension.get("name", "")).lower() == "healthstatus" and values:
            kept = values if dimension.get("operator") != "Exclude" else None
            if kept is not None and kept <= _HEALTHY:
                return False
    return True


def _criterion_text(criterion: dict[str, Any]) -> str:
    name = f"{criterion.get('metricNamespace', '')}/{criterion.get('metricName', '')}"
    dimensions = ", ".join(
        f"{d.get('name')} {d.get('operator')} {'|'.join(map(str, d.get('values') or []))}"
        for d in criterion.get("dimensions") or []
    )
    where = f" where {dimensions}" if dimensions else ""
    return (
        f"{criterion.get('timeAggregation', '')}({name}){where} "
        f"{criterion.get('operator', '')} {criterion.get('threshold', '')}"
    )


def _query(answer: dict[str, Any], known: dict[str, AlertTarget] | None) -> AlertRule:
    props = answer.get("properties") or {}
    queries = [str(c.get("query", "")) for c in (props.get("criteria") or {}).get("allOf") or []]
    backup = any(_BACKUP_JOBS.search(q) and _FAILED.search(q) for q in queries)
    groups = list((props.get("actions") or {}).get("actionGroups") or [])
    condition = " | ".join(" ".join(q.split()) for q in queries)
    return _rule(
        answer, "log_query", condition, backup, _targets(groups, known), "ListScheduledQueryRules"
    )


def vault_alerts(answer: dict[str, Any]) -> AlertRule | Gap:
    """A Backup vault's built-in job-failure alerts; whom they notify is set elsewhere
    (alert processing rules), so unknown. An answer that does not say whether they are
    on is an ``alerting`` gap."""
    props = answer.get("properties") or {}
    state = ((props.get("monitoringSettings") or {}).get("azureMonitorAlertSettings") or {}).get(
        "alertsForAllJobFailures"
    )
    vault_id = str(answer["id"])
    if state is None:
        return Gap(
            attribute="alerting",
            operation="dataprotection:ListBackupVaults",
            error_code="AlertSettingsAbsent",
            cause="error",
            message=(
                "the vault's answer carries no monitoringSettings.azureMonitorAlertSettings"
                ".alertsForAllJobFailures: whether it alerts on failed jobs is unknown"
            ),
            resource=vault_id,
        )
    return AlertRule(
        id=f"{vault_id}#alertsForAllJobFailures",
        name=f"{answer.get('name', '')}: job failure alerts",
        kind="vault_builtin",
        enabled=state == "Enabled",
        scopes=[vault_id],
        condition=f"alertsForAllJobFailures = {state}",
        backup_failures=True,
        targets=None,
        source="Azure Backup",
        evidence=[
            Evidence(
                operation="dataprotection:ListBackupVaults",
                fields={
                    "monitoringSettings.azureMonitorAlertSettings.alertsForAllJobFailures": state
                },
            )
        ],
    )
