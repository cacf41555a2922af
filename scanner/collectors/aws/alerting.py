"""Who hears of a failed AWS backup job: EventBridge rules on AWS Backup's job events and
CloudWatch alarms on its failure metrics, with the SNS topics they notify.

Per region ``ListRules`` (the default event bus) and ``DescribeAlarms``; per rule whose
pattern names ``aws.backup``, ``ListTargetsByRule``; per SNS topic a rule or alarm
notifies, ``ListSubscriptionsByTopic`` in the topic's region (confirmed subscriptions
are its receivers). A rule is a backup-failure alert only on what its pattern states:
source ``aws.backup``, detail-type ``Backup Job State Change`` (or none), and a
``detail.state`` that admits ``FAILED``, ``ABORTED`` or ``EXPIRED`` (or none); a content
filter on the state is not worked out and claims nothing. An alarm is one when its
metric is AWS/Backup's ``NumberOfBackupJobsFailed``, ``…Aborted`` or ``…Expired``. Each
vault's notifications (``GetBackupVaultNotifications``, read after the vaults are listed)
are one when they include ``BACKUP_JOB_FAILED``, ``…EXPIRED`` or ``…COMPLETED``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import TaskResult
from scanner.model import AlertRule, AlertTarget, Evidence, Gap

OPERATIONS = (
    *declare(
        "events",
        {"ListRules": "events:ListRules", "ListTargetsByRule": "events:ListTargetsByRule"},
    ),
    *declare("cloudwatch", {"DescribeAlarms": "cloudwatch:DescribeAlarms"}),
    *declare("sns", {"ListSubscriptionsByTopic": "sns:ListSubscriptionsByTopic"}),
    *declare("backup", {"GetBackupVaultNotifications": "backup:GetBackupVaultNotifications"}),
)
_FAILED_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED"})
#: Vault events that tell of a failed job: its failure, its expiry, or its completion in
#: any state (AWS documents filtering BACKUP_JOB_COMPLETED on the state for failures).
_FAILURE_EVENTS = frozenset({"BACKUP_JOB_FAILED", "BACKUP_JOB_EXPIRED", "BACKUP_JOB_COMPLETED"})
_FAILURE_METRICS = frozenset(
    {"NumberOfBackupJobsFailed", "NumberOfBackupJobsAborted", "NumberOfBackupJobsExpired"}
)


@dataclass
class RegionAlerts:
    """The alert rules of one region."""

    rules: list[AlertRule] = field(default_factory=list)


def collect_region(api: AwsApi, ctx: AccountContext, region: str) -> TaskResult:
    """The region's EventBridge rules and CloudWatch alarms, with whom they notify."""
    rules = api.pages("events", region, "ListRules", "alerting", "Rules")
    alarms = api.pages("cloudwatch", region, "DescribeAlarms", "alerting", "MetricAlarms")
    gaps = [g for g in (rules.gap, alarms.gap) if g is not None]
    topics = _Topics(api)
    found = RegionAlerts()
    for rule in rules.items:
        if "aws.backup" in str(rule.get("EventPattern", "")):
            found.rules.append(_event_rule(api, rule, region, ctx.account, topics, gaps))
    found.rules += [_alarm(alarm, region, ctx.account, topics) for alarm in alarms.items]
    return TaskResult(facts=[found], gaps=gaps + topics.gaps)


class _Topics:
    """SNS topics as alert targets, each read once: its confirmed subscriptions' kinds."""

    def __init__(self, api: AwsApi) -> None:
        self.api = api
        self.known: dict[str, AlertTarget] = {}
        self.gaps: list[Gap] = []

    def target(self, arn: str) -> AlertTarget:
        if not arn.startswith("arn:") or ":sns:" not in arn:
            return AlertTarget(
                id=arn, receivers=[arn.split(":")[2]] if arn.count(":") > 2 else None
            )
        if arn not in self.known:
            region = arn.split(":")[3]
            listing = self.api.pages(
                "sns", region, "ListSubscriptionsByTopic", "alerting", "Subscriptions", TopicArn=arn
            )
            if listing.gap is not None:
                self.gaps.append(listing.gap.model_copy(update={"resource": arn}))
                self.known[arn] = AlertTarget(id=arn)
            else:
                confirmed = {
                    str(s.get("Protocol"))
                    for s in listing.items
                    if str(s.get("SubscriptionArn", "")).startswith("arn:")
                }
                self.known[arn] = AlertTarget(id=arn, enabled=True, receivers=sorted(confirmed))
        return self.known[arn]


def _event_rule(
    api: AwsApi,
    rule: dict[str, Any],
    region: str,
    account: str,
    topics: _Topics,
    gaps: list[Gap],
) -> AlertRule:
    targets = api.pages(
        "events", region, "ListTargetsByRule", "alerting", "Targets", Rule=rule["Name"]
    )
    if targets.gap is not None:
        gaps.append(targets.gap.model_copy(update={"resource": rule.get("Arn")}))
    pattern = str(rule.get("EventPattern", ""))
    return AlertRule(
        id=str(rule.get("Arn", rule["Name"])),
        name=str(rule["Name"]),
        kind="event_rule",
        enabled=None if rule.get("State") is None else rule["State"] != "DISABLED",
        scopes=[account],
        regions=[region],
        condition=" ".join(pattern.split()),
        backup_failures=backup_failures(pattern),
        targets=None if targets.gap else [topics.target(str(t["Arn"])) for t in targets.items],
        source="aws.events",
        evidence=[
            Evidence(
                operation="events:ListRules",
                region=region,
                fields={"State": rule.get("State"), "EventBusName": rule.get("EventBusName")},
            )
        ],
    )


def backup_failures(pattern: str) -> bool:
    """Whether an EventBridge pattern admits AWS Backup's failed, aborted or expired
    backup jobs (an unparsable pattern or a content filter on the state: no)."""
    try:
        parsed = json.loads(pattern)
    except ValueError:
        return False
    if not isinstance(parsed, dict) or "aws.backup" not in (parsed.get("source") or []):
        return False
    kinds = parsed.get("detail-type")
    if kinds is not None and "Backup Job State Change" not in kinds:
        return False
    states = (parsed.get("detail") or {}).get("state")
    if states is None:
        return True
    return all(isinstance(s, str) for s in states) and bool(_FAILED_STATES & set(states))


def _alarm(alarm: dict[str, Any], region: str, account: str, topics: _Topics) -> AlertRule:
    metrics = [alarm.get("MetricName")] + [
        ((m.get("MetricStat") or {}).get("Metric") or {}).get("MetricName")
        for m in alarm.get("Metrics") or []
    ]
    namespaces = [alarm.get("Namespace")] + [
        ((m.get("MetricStat") or {}).get("Metric") or {}).get("Namespace")
        for m in alarm.get("Metrics") or []
    ]
    watched = {(n, m) for n, m in zip(namespaces, metrics, strict=True) if m}
    failures = any(n == "AWS/Backup" and m in _FAILURE_METRICS for n, m in watched)
    condition = (
        f"{alarm.get('Statistic') or ''}({', '.join(f'{n}/{m}' for n, m in sorted(watched))}) "
        f"{alarm.get('ComparisonOperator', '')} {alarm.get('Threshold', '')}"
    )
    return AlertRule(
        id=str(alarm.get("AlarmArn", alarm.get("AlarmName"))),
        name=str(alarm.get("AlarmName", "")),
        kind="alarm",
        enabled=alarm.get("ActionsEnabled"),
        scopes=[account],
        regions=[region],
        condition=condition.strip(),
        backup_failures=failures,
        targets=[topics.target(str(a)) for a in alarm.get("AlarmActions") or []],
        source="aws.cloudwatch",
        evidence=[
            Evidence(
                operation="cloudwatch:DescribeAlarms",
                region=region,
                fields={"ActionsEnabled": alarm.get("ActionsEnabled"), "condition": condition},
            )
        ],
    )


def vault_notifications(api: AwsApi, region: str, vaults: list[tuple[str, str]]) -> TaskResult:
    """Each vault's SNS notifications (``vaults``: name and ARN); a vault without any
    answers ``ResourceNotFoundException``."""
    topics = _Topics(api)
    found, gaps = RegionAlerts(), []
    for name, arn in vaults:
        answer = api.call(
            "backup",
            region,
            "GetBackupVaultNotifications",
            "alerting",
            absent=("ResourceNotFoundException",),
            BackupVaultName=name,
        )
        if answer.gap is not None:
            gaps.append(answer.gap.model_copy(update={"resource": arn}))
        elif answer.data is not None and not answer.absent:
            found.rules.append(_notification(answer.data, arn, region, topics))
    return TaskResult(facts=[found], gaps=gaps + topics.gaps)


def _notification(answer: dict[str, Any], vault: str, region: str, topics: _Topics) -> AlertRule:
    events = sorted(str(e) for e in answer.get("BackupVaultEvents") or [])
    topic = answer.get("SNSTopicArn")
    return AlertRule(
        id=f"{vault}#notifications",
        name=f"{answer.get('BackupVaultName', '')} notifications",
        kind="vault_notification",
        enabled=True,
        scopes=[vault],
        condition="BackupVaultEvents: " + ", ".join(events),
        backup_failures=bool(_FAILURE_EVENTS & set(events)),
        targets=[topics.target(str(topic))] if topic else [],
        source="aws.backup",
        evidence=[
            Evidence(
                operation="backup:GetBackupVaultNotifications",
                region=region,
                fields={"SNSTopicArn": topic, "BackupVaultEvents": ", ".join(events)},
            )
        ],
    )
