"""Who hears of a failed backup job on AWS, read with the real collector from moto:
EventBridge rules and CloudWatch alarms, matched to backup failures on what their
patterns and metrics state, with the SNS topics they notify; refusals are gaps."""

from __future__ import annotations

import json

from scanner.emulator.aws.backup_fake import BackupFakeServer
from scanner.emulator.aws.server import EmulatedAws
from scanner.model import AlertRule
from tests.aws.helpers import (
    ACCOUNT,
    BACKUP,
    TABLES,
    aws_client,
    collect,
    seed,
    seed_backup_alert,
)

REGION = "eu-west-1"


def _topic(aws: EmulatedAws) -> str:
    """The on-call topic (with the helper's own failure rule, named backup-failed)."""
    return seed_backup_alert(aws, REGION)


def _rule(aws: EmulatedAws, name: str, pattern: dict[str, object], topic: str) -> None:
    events = aws_client(aws, "events", REGION)
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=name, Targets=[{"Id": "oncall", "Arn": topic}])


def _rules(aws: EmulatedAws) -> dict[str, AlertRule]:
    snapshot = collect(aws)
    [account] = snapshot.accounts
    assert account.gaps == []
    return {r.name: r for r in account.alert_rules or []}


def test_rules_and_alarms_on_failed_backup_jobs_and_whom_they_notify(aws: EmulatedAws) -> None:
    topic = _topic(aws)
    job = {"source": ["aws.backup"], "detail-type": ["Backup Job State Change"]}
    # the helper's rule, put again with a detail-type and ABORTED too
    _rule(aws, "backup-failed", job | {"detail": {"state": ["FAILED", "ABORTED"]}}, topic)
    _rule(aws, "backup-completed", job | {"detail": {"state": ["COMPLETED"]}}, topic)
    _rule(aws, "not-completed", job | {"detail": {"state": [{"anything-but": "COMPLETED"}]}}, topic)
    cloudwatch = aws_client(aws, "cloudwatch", REGION)
    for name, metric in (
        ("jobs-failed", "NumberOfBackupJobsFailed"),
        ("jobs-created", "NumberOfBackupJobsCreated"),
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/Backup",
            MetricName=metric,
            Statistic="Sum",
            Period=3600,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic],
        )
    rules = _rules(aws)
    failures = {name for name, r in rules.items() if r.backup_failures}
    # a content filter on the state is not worked out: it claims nothing
    assert failures == {"backup-failed", "jobs-failed"}
    assert {r.kind for r in rules.values()} == {"event_rule", "alarm"}
    for name in ("backup-failed", "jobs-failed"):
        [target] = rules[name].targets or []
        assert (target.id, target.enabled, target.receivers) == (topic, True, ["email"])
    assert rules["jobs-failed"].enabled is True
    assert "AWS/Backup/NumberOfBackupJobsFailed" in rules["jobs-failed"].condition
    assert rules["backup-failed"].scopes == [ACCOUNT]


def test_rules_on_other_sources_are_not_listed(aws: EmulatedAws) -> None:
    _rule(aws, "ec2", {"source": ["aws.ec2"]}, _topic(aws))
    assert sorted(_rules(aws)) == ["backup-failed"]


def test_refused_alerting_reads_are_gaps_per_region(aws: EmulatedAws) -> None:
    denier = BackupFakeServer().start()
    for region in ("eu-west-1", "us-east-1"):
        denier.state.fail(region, "*", "AccessDeniedException")
    try:
        endpoints = aws.endpoints | {"events": denier.url, "cloudwatch": denier.url}
        snapshot = collect(aws, endpoints=endpoints)
    finally:
        denier.stop()
    [account] = snapshot.accounts
    refused = sorted((g.attribute, g.operation, g.region) for g in account.gaps)
    assert refused == [
        ("alerting", "cloudwatch:DescribeAlarms", "eu-west-1"),
        ("alerting", "cloudwatch:DescribeAlarms", "us-east-1"),
        ("alerting", "events:ListRules", "eu-west-1"),
        ("alerting", "events:ListRules", "us-east-1"),
    ]


def test_a_vaults_notifications_of_failed_jobs_are_a_backup_alert(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    topic = seed_backup_alert(aws, REGION)
    state = aws.backup_state.region(REGION, ACCOUNT)
    first, second = sorted(state.vaults)[:2]
    state.notifications[first] = {
        "SNSTopicArn": topic,
        "BackupVaultEvents": ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"],
    }
    state.notifications[second] = {
        "SNSTopicArn": topic,
        "BackupVaultEvents": ["RESTORE_JOB_COMPLETED"],
    }
    rules = {r.name: r for r in _rules(aws).values() if r.kind == "vault_notification"}
    assert {name: r.backup_failures for name, r in rules.items()} == {
        f"{first} notifications": True,  # a completed job's state may be FAILED
        f"{second} notifications": False,
    }
    [target] = rules[f"{first} notifications"].targets or []
    assert target.receivers == ["email"]
