"""A project's audit trail — audit-log configuration (Resource Manager's IAM policy), log
buckets and sinks (Cloud Logging) — read with the real clients from the fake on
127.0.0.1; what cannot be read stays unknown with its gap, and hides nothing else."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.auditlogs import ROUTES, read_audit_trail
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.estate import GcpEstate
from scanner.emulator.gcp.seed import seed
from scanner.emulator.gcp.server import Fault, GcpState, gcp_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import AuditTrail, Gap

PROJECT = "northwind-prod"
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
EU_BUCKET = f"projects/{PROJECT}/locations/europe-west1/buckets/audit-eu"


def _state(**faults: Fault) -> GcpState:
    audit = {
        "data_access": ["storage.googleapis.com"],
        "default_retention_days": 90,
        "log_buckets": [
            {"name": "audit-eu", "location": "europe-west1", "retention_days": 3650, "locked": True}
        ],
        "sinks": [
            {
                "name": "audit-to-eu",
                "destination": f"logging.googleapis.com/{EU_BUCKET}",
                "filter": 'logName:"cloudaudit.googleapis.com"',
            },
            {"name": "old-export", "destination": "storage.googleapis.com/old", "disabled": True},
        ],
    }
    state = seed(GcpEstate.model_validate({"projects": [{"id": PROJECT, "audit": audit}]}), NOW)
    state.faults.update(faults)
    return state


def test_exclusions_intercepting_sinks_and_a_bucket_being_deleted_are_seen() -> None:
    state = _state()
    default = next(s for s in state.sinks[PROJECT] if s["name"] == "_Default")
    default["exclusions"] = [
        {"name": "no-data-access", "filter": 'LOG_ID("cloudaudit.googleapis.com/data_access")'},
        {"name": "off", "filter": "severity<ERROR", "disabled": True},
    ]
    state.ancestor_sinks[PROJECT] = [
        {
            "name": "org-audit",
            "destination": "storage.googleapis.com/org",
            "interceptChildren": True,
        }
    ]
    state.log_buckets[PROJECT].append(
        {
            "name": f"projects/{PROJECT}/locations/eu/buckets/leaving",
            "retentionDays": 30,
            "lifecycleState": "DELETE_REQUESTED",
        }
    )
    trail, gaps, _ = _read(state)
    assert gaps == [] and trail.routes is not None and trail.log_stores is not None
    routes = {r.name: r for r in trail.routes}
    assert routes["_Default"].exclusions == ['LOG_ID("cloudaudit.googleapis.com/data_access")']
    assert routes["org-audit"].evidence[0].fields["interceptChildren"] is True
    leaving = next(s for s in trail.log_stores if s.name == "leaving")
    assert (leaving.active, leaving.region, leaving.locked) == (False, "EU", False)


def _read(state: GcpState, page_size: int = 50) -> tuple[AuditTrail, list[Gap], CallCounter]:
    state.page_size = page_size
    with gcp_fake(state) as endpoint:
        counter = CallCounter()
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        trail, gaps = read_audit_trail(api, PROJECT)
    return trail, gaps, counter


def test_audit_configs_log_buckets_and_sinks_are_read_as_the_apis_answer() -> None:
    trail, gaps, _ = _read(_state())
    assert gaps == []
    assert trail.configs is not None
    by_source = {(c.source, c.service): c.events for c in trail.configs}
    assert by_source == {
        ("gcp.audit.adminActivity", "*"): ["admin_write"],
        ("gcp.iam.auditConfig", "storage.googleapis.com"): [
            "admin_read",
            "data_read",
            "data_write",
        ],
    }
    assert trail.log_stores is not None
    stores = {s.name: s for s in trail.log_stores}
    assert (stores["_Required"].retention_days, stores["_Required"].locked) == (400, True)
    assert (stores["_Default"].retention_days, stores["_Default"].locked) == (90, False)
    assert stores["_Default"].regions is None  # "global" names no region
    assert stores["audit-eu"].regions == ["europe-west1"] and stores["audit-eu"].locked
    assert stores["audit-eu"].evidence[0].fields["retentionDays"] == 3650
    assert trail.routes is not None
    routes = {r.name: r for r in trail.routes}
    assert sorted(routes) == ["_Default", "_Required", "audit-to-eu", "old-export"]
    assert routes["audit-to-eu"].destination.endswith(EU_BUCKET) and routes["audit-to-eu"].enabled
    assert not routes["old-export"].enabled and routes["old-export"].filter is None
    assert "cloudaudit.googleapis.com/activity" in (routes["_Required"].filter or "")


def test_an_exempted_member_and_an_all_services_config_are_kept() -> None:
    state = _state()
    state.iam_policies[PROJECT]["auditConfigs"] = [
        {
            "service": "allServices",
            "auditLogConfigs": [
                {"logType": "DATA_READ", "exemptedMembers": ["user:batch@example.com"]},
                {"logType": "DATA_WRITE"},
            ],
        }
    ]
    trail, _, _ = _read(state)
    assert trail.configs is not None
    config = next(c for c in trail.configs if c.source == "gcp.iam.auditConfig")
    assert (config.service, config.events) == ("*", ["data_read", "data_write"])
    assert config.exempted == ["user:batch@example.com"]


def test_a_project_without_data_access_logs_has_only_admin_activity() -> None:
    state = _state()
    del state.iam_policies[PROJECT]["auditConfigs"]
    trail, gaps, _ = _read(state)
    assert gaps == [] and trail.configs is not None
    assert [c.events for c in trail.configs] == [["admin_write"]]
    assert trail.configs[0].evidence[0].operation == "documented"


def test_a_denied_iam_policy_leaves_configs_unknown_and_the_logs_known() -> None:
    denied = Fault("denied", service="cloudresourcemanager")
    trail, gaps, _ = _read(_state(**{PROJECT: denied}))
    assert trail.configs is None
    assert trail.log_stores is not None and trail.routes is not None
    [gap] = gaps
    assert (gap.attribute, gap.cause, gap.error_code) == (
        "audit_trail",
        "denied",
        "PERMISSION_DENIED",
    )
    assert gap.permission == "resourcemanager.projects.getIamPolicy"
    assert gap.operation == "cloudresourcemanager:GetIamPolicy"


def test_denied_logging_leaves_buckets_and_sinks_unknown_naming_each_permission() -> None:
    trail, gaps, _ = _read(_state(**{PROJECT: Fault("denied", service="logging")}))
    assert trail.log_stores is None and trail.routes is None and trail.configs is not None
    assert sorted(g.permission or "" for g in gaps) == [
        "logging.buckets.list",
        "logging.sinks.list",
    ]
    assert {g.cause for g in gaps} == {"denied"}


def test_throttled_logging_is_retried_and_then_read() -> None:
    throttled = Fault("throttled", times=2, service="logging", path_end="/buckets")
    trail, gaps, counter = _read(_state(**{PROJECT: throttled}))
    assert gaps == [] and trail.log_stores is not None and len(trail.log_stores) == 3
    assert counter.counts()[("logging", "ListLogBuckets")] == (1, 2)


def test_unavailable_logging_after_retries_is_a_gap_saying_so() -> None:
    down = Fault("unavailable", service="logging", path_end="/sinks")
    trail, gaps, _ = _read(_state(**{PROJECT: down}))
    assert trail.routes is None and trail.log_stores is not None
    [gap] = gaps
    assert gap.error_code == "UNAVAILABLE" and gap.message.endswith("(after retries)")


def test_log_buckets_and_sinks_are_read_across_pages() -> None:
    trail, gaps, counter = _read(_state(), page_size=1)
    assert gaps == []
    assert trail.log_stores is not None and len(trail.log_stores) == 3
    assert trail.routes is not None and len(trail.routes) == 4
    assert counter.counts()[("logging", "ListLogBuckets")] == (3, 0)
    assert counter.counts()[("logging", "ListSinks")] == (4, 0)


def test_the_guard_refuses_a_logging_write_before_it_is_sent() -> None:
    state = _state()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.logging_client(PROJECT)
        with pytest.raises(ReadOnlyViolation):
            client.sink("audit-to-eu").delete()
        with pytest.raises(ReadOnlyViolation):
            client.sink("new", filter_="", destination="storage.googleapis.com/x").create()
    assert state.requests == []
