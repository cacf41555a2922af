"""RDS and Aurora collection against moto's server."""

from __future__ import annotations

from scanner.emulator.aws.server import EmulatedAws
from tests.aws.helpers import ACCOUNT, arn, collect, seed, store

KEYS = {"db-key": "eu-west-1"}
INSTANCES = [
    {
        "id": "ehr",
        "region": "eu-west-1",
        "retention_days": 14,
        "backup_window": "01:00-01:30",
        "encrypted": True,
        "kms_key": "db-key",
        "deletion_protection": True,
        "manual_snapshots": 1,
        "tags": {"data-classification": "phi"},
    },
    {
        "id": "reporting",
        "region": "eu-west-1",
        "engine": "mysql",
        "retention_days": 0,
        "backup_window": "12:00-12:30",
    },
]
CLUSTERS = [
    {
        "id": "ledger",
        "region": "us-east-1",
        "engine": "aurora-postgresql",
        "retention_days": 7,
        "global_cluster": "ledger-global",
        "deletion_protection": True,
    },
    {
        "id": "ledger-eu",
        "region": "eu-west-1",
        "engine": "aurora-postgresql",
        "retention_days": 1,
        "global_cluster": "ledger-global",
    },
]


def test_well_protected_instance(aws: EmulatedAws) -> None:
    seed(aws, kms_keys=KEYS, rds_instances=INSTANCES)
    db = store(collect(aws), "ehr")

    assert db.id == arn("rds", "eu-west-1", "db:ehr") and db.kind == "aws.rds.instance"
    assert db.tags == {"data-classification": "phi"}
    assert db.deletion_protection is True
    assert db.evidence[0].operation == "rds:DescribeDBInstances"
    assert db.evidence[0].fields["DeletionProtection"] is True
    assert db.encryption is not None and db.encryption.enabled
    assert db.encryption.key_type == "customer_managed"
    (backups,) = db.protections
    assert (backups.role, backups.origin) == ("continuous", "native") and backups.enabled
    assert backups.retention_days == 14 and backups.frequency_hours == 24
    assert backups.window is not None
    assert (backups.window.start, backups.window.duration_minutes) == ("01:00", 30)
    kinds = {s.kind: s for s in db.recovery_points.sources}
    assert {"continuous", "manual"} <= set(kinds)
    assert kinds["continuous"].newest is not None
    assert kinds["manual"].details["types"] == "manual" and kinds["manual"].count == 1
    assert db.gaps == []


def test_instance_without_automated_backups(aws: EmulatedAws) -> None:
    seed(aws, kms_keys=KEYS, rds_instances=INSTANCES)
    db = store(collect(aws), "reporting")

    (backups,) = db.protections
    assert not backups.enabled and backups.retention_days is None
    assert db.encryption is not None and db.encryption.enabled is False
    assert db.deletion_protection is False
    # LatestRestorableTime and automated snapshots mean nothing with retention 0.
    assert db.recovery_points.newest is None and db.recovery_points.sources == []


def test_global_cluster_members_are_copies_in_other_regions(aws: EmulatedAws) -> None:
    seed(aws, rds_clusters=CLUSTERS)
    snapshot = collect(aws)
    primary, secondary = store(snapshot, "ledger"), store(snapshot, "ledger-eu")

    assert primary.kind == "aws.rds.cluster" and primary.deletion_protection is True
    (copy,) = primary.copies
    assert (copy.kind, copy.region, copy.account) == ("replica", "eu-west-1", ACCOUNT)
    assert copy.target == arn("rds", "eu-west-1", "cluster:ledger-eu")
    assert [c.region for c in secondary.copies] == ["us-east-1"]
    assert primary.attributes["global_cluster"] == "ledger-global"
    protection = primary.protections[0]
    assert protection.enabled and protection.retention_days == 7
    assert primary.recovery_points.sources[0].kind == "continuous"
    # Encryption off: no key is reported even if the endpoint fills KmsKeyId.
    assert primary.encryption is not None and primary.encryption.key_id is None
