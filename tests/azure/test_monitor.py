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


def test_activity_log_and_log_query_rules_are_matched_on_what_their_conditions_state() -> None:
    state = seed(ESTATE, NOW)
    group = {"actionGroups": [{"actionGroupId": f"{ELSEWHERE}/Microsoft.Insights/actionGroups/x"}]}
    failed = [
        {"field": "category", "equals": "Administrative"},
        {"anyOf": [{"field": "resourceProvider", "equals": "Microsoft.DataProtection"}]},
        {"field": "status", "equals": "Failed"},
    ]
    state.resources[SUB]["activity_log_alerts"] = [
        _rule("activityLogAlerts", "backup-failed", condition={"allOf": failed}, actions=group),
        _rule(
            "activityLogAlerts",
            "any-failure",  # a failure of anything, not a backup's
            condition={"allOf": [{"field": "status", "equals": "Failed"}]},
            actions=group,
        ),
    ]
    query = 'AddonAzureBackupJobs | where JobOperation == "Backup" and JobStatus == "Failed"'
    state.resources[SUB]["scheduled_query_rules"] = [
        _rule(
            "scheduledQueryRules",
            "backup-jobs",
            criteria={"allOf": [{"query": query, "timeAggregation": "Count"}]},
            actions={"actionGroups": [f"{MONITOR}/actionGroups/backup-oncall"]},
        )
    ]
    _, account = _collect(state)
    rules = {r.name: r for r in account.alert_rules or []}
    assert rules["backup-failed"].backup_failures is True
    assert rules["any-failure"].backup_failures is False
    # an action group of another subscription: whether it notifies anyone is unknown
    assert [(t.enabled, t.receivers) for t in rules["backup-failed"].targets or []] == [
        (None, None)
    ]
    assert rules["backup-jobs"].backup_failures is True
    assert [t.receivers for t in rules["backup-jobs"].targets or []] == [["email"]]


def test_refused_diagnostic_settings_are_a_gap_of_each_store_and_of_the_activity_log() -> None:
    state = seed(ESTATE, NOW)
    state.faults[SUB] = Fault("denied", provider="Microsoft.Insights", path_end="Settings")
    stores, account = _collect(state)
    for store in stores.values():
        assert [(g.attribute, g.permission) for g in store.gaps] == [
            ("audit_trail", "Microsoft.Insights/diagnosticSettings/read")
        ]
    trail = account.audit_trail
    assert trail is not None and trail.routes is None  # unknown, not "sent nowhere"
    assert [c.service for c in trail.configs or []] == ["*"]
    assert {s.name for s in trail.log_stores or []} == {"Activity log", "audit-logs"}
    assert [g.operation for g in account.gaps] == ["monitor:ListDiagnosticSettings"]
    assert any(r.kind == "metric" for r in account.alert_rules or [])  # still read


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
