"""Seeding the emulated AWS and collecting it with the real collectors, for the AWS tests.

``TABLES`` and ``BACKUP`` are a small estate (tables in two regions, three vaults, two
plans with tag, resource and condition selections, recovery points and copies) that
several tests share.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from scanner.collectors.aws.api import ClientSettings
from scanner.collectors.aws.collect import AwsCollector, AwsScope
from scanner.collectors.base import collect as run_collector
from scanner.emulator.aws.estate import AwsEstate
from scanner.emulator.aws.seed import Seeder
from scanner.emulator.aws.server import EmulatedAws, dummy_session
from scanner.model import DataStore, Snapshot

NOW = datetime.now(timezone.utc).replace(microsecond=0)
ACCOUNT = "123456789012"
REGIONS = ("eu-west-1", "us-east-1")


def seed(aws: EmulatedAws, **estate: Any) -> AwsEstate:
    """Seed an estate given as the keyword arguments of an estate file's ``aws:`` section."""
    spec = AwsEstate.model_validate({"regions": list(REGIONS)} | estate)
    Seeder(dummy_session(), aws.moto_url, spec, NOW).seed(aws.backup_state)
    return spec


def collector(
    aws: EmulatedAws, regions: tuple[str, ...] | None = REGIONS, **settings: Any
) -> AwsCollector:
    """The real AWS collector pointed at the emulator (``regions=None``: all enabled)."""
    scope = settings.pop("scope", None) or AwsScope(regions=regions)
    options = {"endpoints": aws.endpoints, "max_attempts": 2} | settings
    return AwsCollector(dummy_session(), scope, ClientSettings(**options))


def collect(
    aws: EmulatedAws, regions: tuple[str, ...] | None = REGIONS, **settings: Any
) -> Snapshot:
    """Collect the emulated account with the real collectors."""
    return run_collector(collector(aws, regions, **settings), lambda: NOW)


def calls(snapshot: Snapshot) -> dict[tuple[str, str], int]:
    """Calls per (service, operation) the snapshot records."""
    return {(c.service, c.operation): c.calls for c in snapshot.api_calls or []}


def store(snapshot: Snapshot, name: str) -> DataStore:
    """The store called ``name``."""
    found = [s for s in snapshot.stores if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in snapshot.stores]}"
    return found[0]


def arn(service: str, region: str, resource: str) -> str:
    """An ARN in the test account."""
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


TABLES = [
    {"name": "patients", "region": "eu-west-1", "tags": {"tier": "critical"}},
    {"name": "sessions", "region": "eu-west-1", "tags": {"tier": "critical", "scratch": "yes"}},
    {"name": "notes", "region": "eu-west-1", "tags": {"backup": "daily"}},
    {"name": "untagged", "region": "eu-west-1"},
    {"name": "ledger", "region": "us-east-1", "tags": {"tier": "critical"}},
]
DR_VAULT = "arn:aws:backup:us-east-1:{account}:backup-vault:dr"
OTHER_ACCOUNT_VAULT = "arn:aws:backup:eu-west-1:999988887777:backup-vault:archive"
BACKUP = {
    "vaults": [
        {
            "name": "main",
            "region": "eu-west-1",
            "lock": "compliance",
            "min_retention_days": 7,
            "max_retention_days": 365,
            "deny_delete": True,
        },
        {"name": "dr", "region": "us-east-1", "lock": "governance"},
        {"name": "plain", "region": "eu-west-1"},
    ],
    "plans": [
        {
            "name": "critical",
            "region": "eu-west-1",
            "rules": [
                {
                    "name": "hourly",
                    "vault": "main",
                    "schedule": "cron(0 * ? * * *)",
                    "delete_after_days": 35,
                    "copy_to": [DR_VAULT, OTHER_ACCOUNT_VAULT],
                }
            ],
            "selections": [
                {
                    "name": "by-tag",
                    "tags": {"tier": "critical"},
                    "not_resources": ["arn:aws:dynamodb:*:*:table/sessions"],
                }
            ],
        },
        {
            "name": "daily",
            "region": "eu-west-1",
            "rules": [
                {
                    "name": "nightly",
                    "vault": "plain",
                    "schedule": "cron(30 2 ? * * *)",
                    "timezone": "Europe/Berlin",
                }
            ],
            "selections": [
                {
                    "name": "opted-in",
                    "resources": ["arn:aws:dynamodb:*:*:table/*"],
                    "conditions": {"StringEquals": {"backup": "daily"}},
                }
            ],
        },
    ],
    "recovery_points": [
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients",
            "vault": "main",
            "region": "eu-west-1",
            "newest": "40m",
            "every": "1h",
            "count": 30,
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients",
            "vault": "dr",
            "region": "us-east-1",
            "newest": "2h",
            "every": "1h",
            "count": 5,
            "copy_of": "arn:aws:backup:eu-west-1:{account}:backup-vault:main",
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes",
            "vault": "plain",
            "region": "eu-west-1",
            "newest": "1d",
            "every": "24h",
            "count": 3,
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes",
            "vault": "plain",
            "region": "eu-west-1",
            "newest": "6d",
            "every": "24h",
            "count": 2,
        },
    ],
}


def aws_client(aws: EmulatedAws, service: str, region: str) -> Any:
    """A boto3 client of moto, for seeding what the estate format does not describe."""
    return dummy_session().client(service, region_name=region, endpoint_url=aws.moto_url)


def seed_trails(aws: EmulatedAws) -> None:
    """Two trails: a logging multi-region one with basic selectors (management events,
    one bucket's objects, part of another's) and a stopped single-region one with
    advanced selectors (writes to every bucket; every table but one)."""
    s3 = aws_client(aws, "s3", "eu-west-1")
    s3.create_bucket(
        Bucket="nw-trail-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    eu = aws_client(aws, "cloudtrail", "eu-west-1")
    eu.create_trail(
        Name="org-audit",
        S3BucketName="nw-trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    eu.start_logging(Name="org-audit")
    eu.put_event_selectors(
        TrailName="org-audit",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::records/"]},
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::scans/2026/"]},
                ],
            }
        ],
    )
    us = aws_client(aws, "cloudtrail", "us-east-1")
    us.create_trail(Name="us-writes", S3BucketName="nw-trail-logs", S3KeyPrefix="us")
    us.put_event_selectors(
        TrailName="us-writes",
        AdvancedEventSelectors=[
            {
                "Name": "writes to every bucket",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            },
            {
                "Name": "all but one table",  # narrowed by a negative operator: no claim
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
                    {
                        "Field": "resources.ARN",
                        "NotStartsWith": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/x"],
                    },
                ],
            },
        ],
    )


def seed_backup_alert(aws: EmulatedAws, region: str = "eu-west-1") -> str:
    """An SNS topic with an e-mail subscription, and an EventBridge rule sending AWS
    Backup's failed jobs to it; the topic's ARN."""
    sns = aws_client(aws, "sns", region)
    topic = str(sns.create_topic(Name="backup-oncall")["TopicArn"])
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.org")
    pattern = {"source": ["aws.backup"], "detail": {"state": ["FAILED"]}}
    events = aws_client(aws, "events", region)
    events.put_rule(Name="backup-failed", EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule="backup-failed", Targets=[{"Id": "oncall", "Arn": topic}])
    return topic
