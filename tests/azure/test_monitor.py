"""Azure Monitor read through the collector with real clients (azure-mgmt-monitor,
azure-mgmt-loganalytics, the ARM pipeline for diagnostic settings) against the ARM fake:
each store's diagnostic settings, the activity log's export and the workspaces as the
audit trail; alert rules and their action groups; refusals as gaps of exactly what they
hid."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.collect import ROUTES, AzureCollector
from scanner.collectors.azure.diagnostic_client import DiagnosticSettingsClient
from scanner.collectors.base import collect
from scanner.collectors.readonly import CallCounter
from scanner.emulator.azure.estate import AzureEstate
from scanner.emulator.azure.seed import seed
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import AccountFacts, DataStore
from tests.azure.test_cosmos import FAST, NOW

SUB = "5f0c2d1e-7a3b-4c9d-8e21-0b6a4d2f9c11"
ELSEWHERE = "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/ops/providers"
SETTINGS = "providers/microsoft.insights/diagnosticSettings"
MONITOR = f"/subscriptions/{SUB}/resourceGroups/monitoring/providers/Microsoft.Insights"
ESTATE = AzureEstate.model_validate(
    {
        "subscriptions": [
            {
                "id": SUB,
                "cosmos": [
                    {
                        "name": "patients",
                        "regions": ["West Europe"],
                        "mode": "continuous",
                        "audit_logs": True,
                    },
                ],
                "storage": [{"name": "nwblobs"}],
                "sql": [{"name": "nw-sql", "databases": [{"name": "ledger", "audit_logs": True}]}],
                "vaults": [{"name": "bv", "protects": [{"account": "nwblobs"}]}],
                "monitor": {
                    "workspace_days": 730,
                    "activity_log_export": True,
                    "backup_alert": "email",
                },
            }
        ]
    }
)


def _collect(state: ArmState) -> tuple[dict[str, DataStore], AccountFacts]:
    with arm_fake(state) as endpoint:
        collector = AzureCollector(AzureSettings(endpoint=endpoint, retry=FAST), (SUB,))
        snapshot = collect(collector, lambda: NOW)
    return {s.name: s for s in snapshot.stores}, snapshot.accounts[0]


def test_diagnostic_settings_workspaces_and_the_activity_log_make_the_audit_trail() -> None:
    stores, account = _collect(seed(ESTATE, NOW))
    trail = account.audit_trail
    assert trail is not None and trail.configs is not None
    configs = {c.service: c for c in trail.configs}
    assert configs["*"].events == ["admin_write"]  # the activity log, documented
    assert configs["*"].evidence[0].operation == "documented"
    assert configs[stores["patients"].id].events == ["admin_write", "data_read", "data_write"]
    blobs = configs[stores["nwblobs"].id]  # read, and no setting: an absence with evidence
    assert blobs.events == []
    assert blobs.evidence[0].fields["value (settings)"] == 0
    assert str(blobs.evidence[0].fields["resourceUri"]).endswith("/blobServices/default")
    # SQL audit records depend on the auditing policy, which is not read: no events claimed
    assert configs[stores["ledger"].id].events == []
    assert {(s.name, s.retention_days, s.locked) for s in trail.log_stores or []} == {
        ("Activity log", 90, True),
        ("audit-logs", 730, False),
    }
    destinations = {r.id.split("/providers/microsoft.insights/")[0]: r for r in trail.routes or []}
    assert destinations[f"/subscriptions/{SUB}"].filter == "categories: Administrative, Security"
    assert destinations[stores["patients"].id].destination.endswith("/workspaces/audit-logs")
    assert account.gaps == [] and all(s.gaps == [] for s in stores.values())


def test_a_metric_alert_on_vault_health_and_the_vaults_own_alerts_are_backup_alerts() -> None:
    _, account = _collect(seed(ESTATE, NOW))
    rules = {r.kind: r for r in account.alert_rules or []}
    metric = rules["metric"]
    assert (metric.enabled, metric.backup_failures) == (True, True)
    assert "BackupHealthEvent" in metric.condition
    assert [(t.enabled, t.receivers) for t in metric.targets or []] == [(True, ["email"])]
    builtin = rules["vault_builtin"]
    assert (builtin.enabled, builtin.backup_failures, builtin.targets) == (True, True, None)
    assert builtin.scopes == [next(v.id for v in account.vaults if v.name == "bv")]


def _rule(kind: str, name: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{MONITOR}/{kind}/{name}",
        "name": name,
        "location": "global",
        "properties": {"enabled": True, "scopes": [f"/subscriptions/{SUB}"], **props},
    }


def _health(name: str, *dimensions: dict[str, Any]) -> dict[str, Any]:
    criterion = {
        "criterionType": "StaticThresholdCriterion",
        "name": "c",
        "metricName": "BackupHealthEvent",
        "metricNamespace": "Microsoft.DataProtection/backupVaults",
        "operator": "GreaterThan",
        "threshold": 0,
        "timeAggregation": "Count",
        "dimensions": list(dimensions),
    }
    odata = "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
    return _rule(
        "metricAlerts",
        name,
        criteria={"odata.type": odata, "allOf": [criterion]},
        actions=[{"actionGroupId": f"{MONITOR}/actionGroups/backup-oncall"}],
    )


def test_rules_are_matched_to_backup_failures_only_on_what_their_conditions_state() -> None:
    state = seed(ESTATE, NOW)
    group = {"actionGroups": [{"actionGroupId": f"{ELSEWHERE}/Microsoft.Insights/actionGroups/x"}]}
    failed = [
        {"field": "category", "equals": "Administrative"},
        {"anyOf": [{"field": "resourceProvider", "equals": "Microsoft.DataProtection"}]},
        {"field": "status", "equals": "Failed"},
    ]
    state.resources[SUB]["activity_log_alerts"] = [
        # failed control-plane operations on the Backup provider, not failed jobs
        _rule("activityLogAlerts", "backup-ops-failed", condition={"allOf": failed}, actions=group)
    ]
    healthy = {"name": "healthStatus", "operator": "Include", "values": ["Healthy"]}
    unhealthy = {"name": "healthStatus", "operator": "Include", "values": ["Healthy", "Unhealthy"]}
    state.resources[SUB]["metric_alerts"] = [
        _health("only-healthy", healthy),
        _health("any", unhealthy),
    ]
    jobs = 'AddonAzureBackupJobs | where JobOperation == "Backup" and JobStatus {} "Failed"'
    actions = {"actionGroups": [f"{MONITOR}/actionGroups/backup-oncall"]}
    state.resources[SUB]["scheduled_query_rules"] = [
        _rule(
            "scheduledQueryRules",
            name,
            criteria={"allOf": [{"query": jobs.format(op)}]},
            actions=actions,
        )
        for name, op in (("jobs-failed", "=="), ("jobs-not-failed", "!="))
    ]
    _, account = _collect(state)
    rules = {r.name: r for r in account.alert_rules or []}
    matched = {name for name, r in rules.items() if r.backup_failures}
    assert matched == {"any", "jobs-failed", "bv: job failure alerts"}
    assert "healthStatus Include Healthy" in rules["only-healthy"].condition
    # an action group of another subscription: whether it notifies anyone is unknown
    assert [(t.enabled, t.receivers) for t in rules["backup-ops-failed"].targets or []] == [
        (None, None)
    ]
    assert [t.receivers for t in rules["jobs-failed"].targets or []] == [["email"]]


def test_refused_store_settings_are_gaps_of_each_store_and_keep_the_activity_logs_route() -> None:
    state = seed(ESTATE, NOW)
    state.faults[SUB] = Fault(
        "denied",
        provider="Microsoft.Insights",
        path_end="/databaseAccounts/patients/providers/Microsoft.Insights/diagnosticSettings",
    )
    stores, account = _collect(state)
    assert [(g.attribute, g.permission, g.resource) for g in stores["patients"].gaps] == [
        ("audit_trail", "Microsoft.Insights/diagnosticSettings/read", stores["patients"].id)
    ]
    assert stores["nwblobs"].gaps == [] and account.gaps == []
    trail = account.audit_trail
    assert trail is not None
    services = {c.service for c in trail.configs or []}
    assert stores["patients"].id not in services and stores["ledger"].id in services
    assert any(r.id.startswith(f"/subscriptions/{SUB}/providers/") for r in trail.routes or [])


def test_a_refused_activity_log_read_keeps_every_stores_routes_and_the_activity_log() -> None:
    state = seed(ESTATE, NOW)
    end = f"{SUB}/providers/Microsoft.Insights/diagnosticSettings"
    state.faults[SUB] = Fault("denied", provider="Microsoft.Insights", path_end=end)
    state.faults[SUB].times = 1
    state.resources[SUB].pop("workspaces")
    stores, account = _collect(state)
    trail = account.audit_trail
    assert trail is not None
    assert [g.operation for g in account.gaps] == ["monitor:ListDiagnosticSettings"]
    destinations = {r.id.split("/providers/microsoft.insights/")[0] for r in trail.routes or []}
    assert destinations == {stores["patients"].id, stores["ledger"].id}
    assert [s.name for s in trail.log_stores or []] == ["Activity log"]
    assert all(s.gaps == [] for s in stores.values())


def test_an_audit_category_group_counts_where_tabled_and_is_a_gap_elsewhere() -> None:
    state = seed(ESTATE, NOW)
    for setting in state.resources[SUB]["diagnostic_settings"]:
        setting["properties"]["logs"] = [{"categoryGroup": "audit", "enabled": True}]
    blobs = next(s for s in state.resources[SUB]["storage"] if s["name"] == "nwblobs")
    workspace = state.resources[SUB]["workspaces"][0]["id"]
    state.resources[SUB]["diagnostic_settings"].append(
        {
            "id": f"{blobs['id']}/blobServices/default/{SETTINGS}/a",
            "name": "a",
            "properties": {
                "workspaceId": workspace,
                "logs": [{"categoryGroup": "audit", "enabled": True}],
            },
        }
    )
    stores, account = _collect(state)
    configs = {
        c.service: c.events for c in (account.audit_trail and account.audit_trail.configs) or []
    }
    assert configs[stores["nwblobs"].id] == ["data_read", "data_write"]
    assert configs[stores["patients"].id] == []
    assert [g.error_code for g in stores["patients"].gaps] == ["CategoryGroupNotTabled"]
    assert stores["nwblobs"].gaps == []


def test_a_refused_alert_listing_keeps_the_rules_the_others_showed() -> None:
    state = seed(ESTATE, NOW)
    state.faults[SUB] = Fault("denied", provider="Microsoft.Insights", path_end="metricAlerts")
    _, account = _collect(state)
    assert [(g.attribute, g.operation, g.cause) for g in account.gaps] == [
        ("alerting", "monitor:ListMetricAlerts", "denied")
    ]
    assert [r.kind for r in account.alert_rules or []] == ["vault_builtin"]


def test_the_guard_refuses_writing_a_diagnostic_setting_or_an_action_group() -> None:
    from azure.core.rest import HttpRequest
    from azure.mgmt.monitor import MonitorManagementClient

    state = seed(ESTATE, NOW)
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        settings = api.client(DiagnosticSettingsClient, SUB)
        put = HttpRequest(
            "PUT", f"/subscriptions/{SUB}/providers/Microsoft.Insights/diagnosticSettings/x"
        )
        with pytest.raises(ReadOnlyViolation):
            settings._pipeline.send_request(put)
        monitor = api.client(MonitorManagementClient, SUB)
        with pytest.raises(ReadOnlyViolation):
            monitor.action_groups.delete("monitoring", "backup-oncall")
    assert state.requests == []
