"""The Azure Monitor reads the fake serves: diagnostic settings of any resource (or of a
subscription's activity log; not paged, as ARM does not page it), Log Analytics
workspaces, action groups and alert rules (metric alerts not paged either),
each at the api-version its client sends (diagnostic settings: the documented
2021-05-01-preview; azure-mgmt-monitor 7: action groups 2023-01-01, activity-log alerts
2020-10-01, metric alerts 2018-03-01, scheduled query rules 2023-12-01;
azure-mgmt-loganalytics 14: 2025-07-01)."""

from __future__ import annotations

from typing import Any

from scanner.emulator.azure.server import Answer, ArmState, arm_route

_INSIGHTS = "/subscriptions/{sub}/providers/Microsoft.Insights"


@arm_route(
    "Microsoft.Insights",
    "/subscriptions/{sub}(?P<resource>/resourceGroups/.+)?"
    "/providers/Microsoft.Insights/diagnosticSettings",
    "2021-05-01-preview",
)
def _diagnostic_settings(state: ArmState, path: dict[str, str]) -> Answer:
    """Every setting of the resource in one answer: this list is not paged."""
    parent = f"/subscriptions/{path['sub']}{path.get('resource') or ''}".lower()
    prefix = parent + "/providers/microsoft.insights/diagnosticsettings/"
    found = sorted(
        (
            s
            for s in state.listed(path["sub"], "diagnostic_settings")
            if s["id"].lower().startswith(prefix) and "/" not in s["id"][len(prefix) :]
        ),
        key=lambda s: s["id"],
    )
    return 200, {"value": found}


@arm_route(
    "Microsoft.OperationalInsights",
    "/subscriptions/{sub}/providers/Microsoft.OperationalInsights/workspaces",
    "2025-07-01",
)
def _workspaces(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _sorted(state, path, "workspaces")


@arm_route("Microsoft.Insights", _INSIGHTS + "/actionGroups", "2023-01-01")
def _action_groups(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _sorted(state, path, "action_groups")


@arm_route("Microsoft.Insights", _INSIGHTS + "/activityLogAlerts", "2020-10-01")
def _activity_log_alerts(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _sorted(state, path, "activity_log_alerts")


@arm_route("Microsoft.Insights", _INSIGHTS + "/metricAlerts", "2018-03-01")
def _metric_alerts(state: ArmState, path: dict[str, str]) -> Answer:
    """Every metric alert in one answer: api-version 2018-03-01 lists without paging."""
    return 200, {"value": _sorted(state, path, "metric_alerts")}


@arm_route("Microsoft.Insights", _INSIGHTS + "/scheduledQueryRules", "2023-12-01")
def _scheduled_query_rules(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _sorted(state, path, "scheduled_query_rules")


def _sorted(state: ArmState, path: dict[str, str], collection: str) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], collection), key=lambda item: item["id"])
