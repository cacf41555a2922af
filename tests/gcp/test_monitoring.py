"""Cloud Monitoring alert policies and notification channels read through the JSON
client from the fake on 127.0.0.1, and which log filters count as backup-failure
alerts."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collectors.gcp.alert_filters import matches_backup_failures
from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.monitoring import ROUTES, Alerting, read_alerting
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.server import Fault, GcpState, gcp_fake
from scanner.errors import ReadOnlyViolation

PROJECT = "northwind-prod"
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)
CHANNELS = f"projects/{PROJECT}/notificationChannels"
FAILED_JOBS = (
    'logName="projects/northwind-prod/logs/backupdr.googleapis.com%2Fbdr_backup_restore_jobs"\n'
    'jsonPayload.jobStatus="FAILED"'
)


def policy(name: str, condition: dict[str, Any], *channels: str, **more: Any) -> dict[str, Any]:
    """An ``AlertPolicy`` as ``alertPolicies.list`` returns it."""
    return {
        "name": f"projects/{PROJECT}/alertPolicies/{name}",
        "displayName": name,
        "combiner": "OR",
        "conditions": [
            {
                "name": f"projects/{PROJECT}/alertPolicies/{name}/conditions/1",
                "displayName": "c",
                **condition,
            }
        ],
        "notificationChannels": list(channels),
        "enabled": True,
        **more,
    }


def channel(id: str, type: str, **more: Any) -> dict[str, Any]:
    return {
        "name": f"{CHANNELS}/{id}",
        "type": type,
        "displayName": id,
        "labels": {},
        "enabled": True,
        "verificationStatus": "VERIFIED",
        **more,
    }


POLICIES = [
    policy(
        "backup-failures",
        {"conditionMatchedLog": {"filter": FAILED_JOBS}},
        f"{CHANNELS}/1",
        "projects/123456789/notificationChannels/2",  # the project's number, same channel
        "projects/other-project/notificationChannels/9",
    ),
    policy(
        "sql-cpu",
        {
            "conditionThreshold": {
                "filter": 'metric.type="cloudsql.googleapis.com/database/cpu/utilization"',
                "comparison": "COMPARISON_GT",
                "thresholdValue": 0.9,
                "duration": "300s",
            }
        },
        f"{CHANNELS}/3",
        enabled=False,
    ),
]
LISTED = [
    channel("1", "email", labels={"email_address": "oncall@northwind.example"}),
    channel("2", "pagerduty", enabled=False),
    channel("3", "sms", verificationStatus="UNVERIFIED"),
]


def _read(state: GcpState) -> tuple[Alerting, CallCounter]:
    counter = CallCounter()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        return read_alerting(api, PROJECT), counter


def _state(**more: Any) -> GcpState:
    return GcpState(
        alert_policies={PROJECT: POLICIES}, notification_channels={PROJECT: LISTED}, **more
    )


def test_policies_become_rules_with_their_channels_resolved() -> None:
    found, counter = _read(_state(page_size=1))
    assert found.gaps == [] and found.rules is not None
    rules = {r.name: r for r in found.rules}
    failures, cpu = rules["backup-failures"], rules["sql-cpu"]
    assert (failures.kind, failures.enabled, failures.backup_failures) == ("log_match", True, True)
    assert failures.condition == FAILED_JOBS and failures.scopes == [PROJECT]
    assert [(t.enabled, t.receivers) for t in failures.targets or []] == [
        (True, ["email"]),
        (False, ["pagerduty"]),  # named by the project number: the same channel
        (None, None),  # another project's channel: not listed here, unknown
    ]
    assert (cpu.kind, cpu.enabled, cpu.backup_failures) == ("metric", False, False)
    assert "cpu/utilization" in cpu.condition
    [sms] = cpu.targets or []
    assert sms.receivers == []  # UNVERIFIED: documented as non-functioning
    assert failures.evidence[0].operation == "monitoring:ListAlertPolicies"
    # page size 1: two pages of policies, three of channels
    assert counter.counts()[("monitoring", "ListAlertPolicies")] == (2, 0)
    assert counter.counts()[("monitoring", "ListNotificationChannels")] == (3, 0)


def test_a_project_without_policies_has_no_rules_not_unknown_ones() -> None:
    found, _ = _read(GcpState())
    assert found.rules == [] and found.gaps == []


def test_denied_policies_leave_the_rules_unknown() -> None:
    fault = Fault("denied", service="monitoring", path_end="/alertPolicies")
    found, _ = _read(_state(faults={PROJECT: fault}))
    assert found.rules is None
    [gap] = found.gaps
    assert (gap.attribute, gap.cause, gap.permission) == (
        "alerting",
        "denied",
        "monitoring.alertPolicies.list",
    )


def test_denied_channels_leave_the_targets_unknown_and_the_rules_read() -> None:
    fault = Fault("denied", service="monitoring", path_end="/notificationChannels")
    found, _ = _read(_state(faults={PROJECT: fault}))
    assert found.rules is not None and len(found.rules) == 2
    assert all(
        t.receivers is None and t.enabled is None for r in found.rules for t in r.targets or []
    )
    assert [g.permission for g in found.gaps] == ["monitoring.notificationChannels.list"]


def test_the_guard_refuses_creating_or_deleting_a_policy() -> None:
    state = _state()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint), ROUTES, CallCounter())
        client = api.monitoring_client(PROJECT)
        with pytest.raises(ReadOnlyViolation):
            client._connection.api_request(
                method="POST", path=f"/projects/{PROJECT}/alertPolicies", data={}
            )
        with pytest.raises(ReadOnlyViolation):
            client._connection.api_request(method="DELETE", path=f"{CHANNELS}/1")
    assert state.requests == []


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        (FAILED_JOBS, True),
        ('logName:"bdr_backup_restore_jobs"', True),  # every job entry, failures included
        (
            'logName:"bdr_backup_restore_jobs"\n'
            'jsonPayload.jobCategory=("SCHEDULED_BACKUP" OR "RESTORE")\n'
            'jsonPayload.jobStatus!="SUCCESSFUL" AND jsonPayload.jobStatus != "RUNNING"',
            True,
        ),
        (
            'LOG_ID("backupdr.googleapis.com/bdr_backup_restore_jobs")'
            " jsonPayload.jobStatus=FAILED",
            True,
        ),
        ('logName:"bdr_backup_restore_jobs" jsonPayload.jobStatus="SUCCESSFUL"', False),
        ('logName:"bdr_backup_restore_jobs" jsonPayload.jobStatus!="FAILED"', False),
        ('logName:"bdr_backup_restore_jobs" NOT jsonPayload.jobStatus="FAILED"', False),
        ('logName:"bdr_backup_restore_jobs" -jsonPayload.jobStatus="FAILED"', False),
        ('logName:"bdr_backup_restore_jobs" OR severity>=ERROR', False),
        ('logName:"bdr_backup_restore_jobs" severity>=ERROR', False),  # not evaluated
        ('logName:"bdr_backup_restore_jobs" jsonPayload.jobCategory="RESTORE"', False),
        ('jsonPayload.jobStatus="FAILED"', False),  # which log is not said
        ('resource.type="cloudsql_database" textPayload:"backup failed"', False),
        ("", False),
    ],
)
def test_which_log_filters_count_as_backup_failure_alerts(text: str, counts: bool) -> None:
    assert matches_backup_failures(text) is counts


def test_a_failure_filter_in_an_and_policy_with_another_condition_does_not_count() -> None:
    both = policy("both", {"conditionMatchedLog": {"filter": FAILED_JOBS}}, combiner="AND")
    both["conditions"].append({"conditionAbsent": {"filter": 'metric.type="x"', "duration": "60s"}})
    found, _ = _read(GcpState(alert_policies={PROJECT: [both]}))
    assert found.rules is not None and found.rules[0].backup_failures is False
