"""Giving emulated stores a past: their creation time and how far back they can restore.

moto creates every resource "now" and has no API to create one in the past, so an
estate whose stores are 400 days old (and whose recovery points are) would describe
stores younger than their own backups. The seeder runs in the same process as moto's
server (the demo, the tests and the bench's child process all do), so it sets moto's own
fields for what real AWS would answer: ``CreationDateTime`` / ``CreationDate`` /
``InstanceCreateTime`` / ``ClusterCreateTime``, the earliest point-in-time restore time
(never before creation, never beyond the recovery period), and the automated snapshot
that moto takes at creation. Only the emulator is touched; the collectors read it over
HTTP as from AWS.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

DEFAULT_ACCOUNT = "123456789012"


def _earliest(created: datetime, now: datetime, days: int | None) -> datetime:
    return max(created, now - timedelta(days=days)) if days else created


def table(
    account: str, region: str, name: str, created: datetime, now: datetime, days: int | None
) -> None:
    """A DynamoDB table created at ``created``; its PITR window reaches ``days`` back."""
    from moto.dynamodb.models import dynamodb_backends

    found = dynamodb_backends[account][region].tables[name]
    found.created_at = created
    pitr: dict[str, Any] = found.continuous_backups.get("PointInTimeRecoveryDescription", {})
    if pitr.get("PointInTimeRecoveryStatus") == "ENABLED":
        pitr["EarliestRestorableDateTime"] = _earliest(created, now, days or 35).timestamp()


def bucket(account: str, name: str, created: datetime) -> None:
    """An S3 bucket created at ``created``."""
    from moto.s3.models import s3_backends

    for backend in s3_backends[account].values():  # one per partition
        if name in backend.buckets:
            backend.buckets[name].creation_date = created


def instance(
    account: str, region: str, identifier: str, created: datetime, now: datetime, days: int
) -> None:
    """An RDS instance created at ``created``; its automated snapshot (moto takes one at
    creation) is as old as its backup retention allows."""
    from moto.rds.models import rds_backends

    backend = rds_backends[account][region]
    database = backend.databases[identifier]
    database.created = database.instance_create_time = created
    for snapshot in backend.database_snapshots.values():
        if (
            snapshot.snapshot_type == "automated"
            and snapshot.database.db_instance_identifier == identifier
        ):
            snapshot.created = _earliest(created, now, days)


def cluster(
    account: str, region: str, identifier: str, created: datetime, now: datetime, days: int
) -> None:
    """An Aurora / Multi-AZ cluster created at ``created``, restorable ``days`` back."""
    from moto.rds.models import rds_backends

    found = rds_backends[account][region].clusters[identifier]
    found.created = found.cluster_create_time = created
    found.earliest_restorable_time = _earliest(created, now, days)
