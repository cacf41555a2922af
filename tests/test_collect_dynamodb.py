"""DynamoDB collection against moto's server: a well and a badly protected table."""

from __future__ import annotations

from conftest import ACCOUNT, collect, seed, store

from scanner.emulator.server import EmulatedAws

TABLES = [
    {
        "name": "orders",
        "region": "eu-west-1",
        "pitr": True,
        "recovery_days": 21,
        "deletion_protection": True,
        "kms_key": "orders-key",
        "on_demand_backups": 2,
        "tags": {"data-classification": "pii"},
    },
    {"name": "scratch", "region": "eu-west-1"},
]


def test_well_protected_table(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"orders-key": "eu-west-1"}, dynamodb=TABLES)
    table = store(collect(aws).snapshot, "orders")

    assert table.id == f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
    assert (table.kind, table.region, table.account) == ("aws.dynamodb.table", "eu-west-1", ACCOUNT)
    assert table.tags == {"data-classification": "pii"}
    assert table.deletion_protection is True
    assert table.evidence[0].fields["Table.DeletionProtectionEnabled"] is True
    assert table.encryption is not None
    assert table.encryption.key_type == "customer_managed"
    assert table.encryption.key_id and table.encryption.key_id.startswith("arn:aws:kms:eu-west-1:")
    pitr = next(p for p in table.protections if p.kind == "pitr")
    assert pitr.enabled and pitr.continuous and pitr.retention_days == 21
    assert pitr.evidence[0].operation == "dynamodb:DescribeContinuousBackups"
    kinds = {s.kind: s for s in table.recovery_points.sources}
    assert set(kinds) == {"pitr", "on_demand"}
    assert kinds["on_demand"].count == 2
    assert table.recovery_points.count == 2
    assert table.recovery_points.newest is not None
    assert table.gaps == []


def test_badly_protected_table(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"orders-key": "eu-west-1"}, dynamodb=TABLES)
    table = store(collect(aws).snapshot, "scratch")

    assert table.tags == {}
    assert table.deletion_protection is False
    assert table.encryption is not None and table.encryption.key_type == "provider_owned"
    pitr = next(p for p in table.protections if p.kind == "pitr")
    assert not pitr.enabled and pitr.retention_days is None
    assert table.recovery_points.newest is None and table.recovery_points.count == 0
    assert table.copies == []
    assert table.gaps == []


def test_regions_narrow_the_scan(aws: EmulatedAws) -> None:
    seed(
        aws,
        kms_keys={"orders-key": "eu-west-1"},
        dynamodb=[*TABLES, {"name": "billing", "region": "us-east-1"}],
    )
    names = {s.name for s in collect(aws, regions=("us-east-1",)).snapshot.stores}
    assert names == {"billing"}
