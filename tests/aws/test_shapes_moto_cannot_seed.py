"""Answers moto cannot produce, fed as the API reference shapes them.

moto never populates DynamoDB ``Table.Replicas`` nor RDS
``DBInstanceAutomatedBackupsReplications``, and cannot create DynamoDB ``SYSTEM`` backups
(shared/reference/cloud-apis.md §C), so these normalizers are exercised with answers
written from the API reference instead.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scanner.collectors.aws import dynamodb, rds
from scanner.collectors.aws.api import AwsClients
from scanner.collectors.aws.collect import OPERATIONS
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.kms import KeyResolver
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.collectors.tasks import StoreResult
from scanner.emulator.aws.server import dummy_session
from scanner.model import DataStore

REPLICATED_BACKUP = "arn:aws:rds:eu-central-1:111122223333:auto-backup:ab-4x7example"
CTX = AccountContext(account="111122223333", regions=("eu-west-1",))
# No call is made: none of these answers names a KMS key to describe.
CLIENTS = AwsClients(dummy_session(), ReadOnlyGuard(OPERATIONS), CallCounter())
KEYS = KeyResolver(CLIENTS.add_account("111122223333"))


def table_store() -> DataStore:
    """A DynamoDB table as the collector starts it, before its answers are applied."""
    return DataStore(
        id="arn:aws:dynamodb:eu-west-1:111122223333:table/t",
        cloud="aws",
        account="111122223333",
        region="eu-west-1",
        regions=["eu-west-1"],
        kind=dynamodb.KIND,
        name="t",
    )


def test_global_table_replicas_become_copies() -> None:
    store = table_store()
    table = {
        "TableName": "t",
        "DeletionProtectionEnabled": True,
        "GlobalTableVersion": "2019.11.21",
        "Replicas": [
            {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"},
            {"RegionName": "eu-central-1", "ReplicaStatus": "ACTIVE"},
            {"RegionName": "us-east-1", "ReplicaStatus": "CREATING"},
        ],
    }
    dynamodb._apply_table(store, table, KEYS, "eu-west-1")

    assert [(c.kind, c.region, c.state) for c in store.copies] == [
        ("replica", "eu-central-1", "observed"),
        ("replica", "us-east-1", "observed"),
    ]
    assert store.copies[1].evidence[0].fields["Table.Replicas[].ReplicaStatus"] == "CREATING"
    assert store.attributes["global_table_version"] == "2019.11.21"
    assert store.encryption is not None and store.encryption.key_type == "provider_owned"


def test_replicated_automated_backups_and_cross_region_replicas_become_copies() -> None:
    db = {
        "DBInstanceIdentifier": "ehr",
        "DBInstanceArn": "arn:aws:rds:eu-west-1:111122223333:db:ehr",
        "Engine": "postgres",
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-03:30",
        "StorageEncrypted": False,
        "DeletionProtection": True,
        "TagList": [],
        "LatestRestorableTime": datetime(2026, 11, 23, 11, 55, tzinfo=timezone.utc),
        "DBInstanceAutomatedBackupsReplications": [
            {"DBInstanceAutomatedBackupsArn": REPLICATED_BACKUP}
        ],
        "ReadReplicaDBInstanceIdentifiers": [
            "arn:aws:rds:us-east-2:111122223333:db:ehr-reader",
            "ehr-local-reader",
        ],
    }
    item = rds._instance(db, KEYS, CTX, "eu-west-1")

    copies = [(c.kind, c.region, c.account) for c in item.store.copies]
    assert copies == [
        ("backup_copy", "eu-central-1", "111122223333"),
        ("replica", "us-east-2", "111122223333"),
    ]
    assert item.store.recovery_points.sources[0].kind == "continuous"
    assert item.intervals == [(db["LatestRestorableTime"], db["LatestRestorableTime"])]


def test_system_backups_are_native_backups_and_user_backups_manual() -> None:
    created = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    summaries = [
        {"BackupType": "SYSTEM", "BackupStatus": "AVAILABLE", "BackupCreationDateTime": created},
        {"BackupType": "USER", "BackupStatus": "AVAILABLE", "BackupCreationDateTime": created},
        {"BackupType": "USER", "BackupStatus": "CREATING", "BackupCreationDateTime": created},
        {
            "BackupType": "AWS_BACKUP",
            "BackupStatus": "AVAILABLE",
            "BackupCreationDateTime": created,
        },
    ]
    item = StoreResult(table_store())
    dynamodb._apply_on_demand(item, summaries, "eu-west-1")

    sources = {s.kind: s for s in item.store.recovery_points.sources}
    # AWS_BACKUP backups are the vault's recovery points, counted from AWS Backup instead.
    assert set(sources) == {"native_backup", "manual"}
    assert sources["native_backup"].count == 1 and sources["manual"].count == 1
    assert sources["native_backup"].evidence[0].fields["BackupType"] == "SYSTEM"
