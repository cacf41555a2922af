"""DynamoDB collection against moto's server: a well and a badly protected table."""

from __future__ import annotations

import json

from scanner.emulator.aws.server import EmulatedAws, dummy_session
from scanner.engine.cases import case_policy
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import load_pack
from scanner.model import Snapshot
from scanner.policy import Policy
from tests.aws.helpers import ACCOUNT, NOW, collect, seed, store

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
    table = store(collect(aws), "orders")

    assert table.id == f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
    assert (table.kind, table.region, table.account) == ("aws.dynamodb.table", "eu-west-1", ACCOUNT)
    assert table.tags == {"data-classification": "pii"}
    assert table.deletion_protection is True
    described = next(e for e in table.evidence if e.operation == "dynamodb:DescribeTable")
    assert described.fields["Table.DeletionProtectionEnabled"] is True
    assert table.created_at is not None and described.fields["Table.CreationDateTime"]
    assert table.encryption is not None
    assert table.encryption.key_type == "customer_managed"
    assert table.encryption.key_id and table.encryption.key_id.startswith("arn:aws:kms:eu-west-1:")
    pitr = next(p for p in table.protections if p.role == "continuous")
    assert pitr.enabled and pitr.retention_days == 21
    assert pitr.evidence[0].operation == "dynamodb:DescribeContinuousBackups"
    kinds = {s.kind: s for s in table.recovery_points.sources}
    assert set(kinds) == {"continuous", "manual"}
    assert kinds["manual"].count == 2
    assert table.recovery_points.count == 2
    assert table.recovery_points.newest is not None
    assert table.gaps == []


def test_badly_protected_table(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"orders-key": "eu-west-1"}, dynamodb=TABLES)
    table = store(collect(aws), "scratch")

    assert table.tags == {}
    assert table.deletion_protection is False
    assert table.encryption is not None and table.encryption.key_type == "provider_owned"
    pitr = next(p for p in table.protections if p.role == "continuous")
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
    names = {s.name for s in collect(aws, regions=("us-east-1",)).stores}
    assert names == {"billing"}


def test_backups_of_every_type_are_asked_for(aws: EmulatedAws) -> None:
    # ListBackups defaults to BackupType=USER, which would hide SYSTEM backups; moto ignores
    # the filter, so the request moto received is what proves it.
    seed(aws, dynamodb=[{"name": "orders", "region": "eu-west-1", "on_demand_backups": 1}])
    aws.start_recording()
    table = store(collect(aws, regions=("eu-west-1",)), "orders")
    requests = aws.recorded()

    sent = [
        json.loads(r["body"])
        for r in requests
        if r["headers"].get("X-Amz-Target") == "DynamoDB_20120810.ListBackups"
    ]
    assert sent and all(body.get("BackupType") == "ALL" for body in sent)
    (manual,) = [s for s in table.recovery_points.sources if s.kind == "manual"]
    assert manual.count == 1 and manual.evidence[0].fields["BackupType"] == "USER"


def test_a_key_that_is_gone_leaves_encryption_known_and_only_its_type_unknown(
    aws: EmulatedAws,
) -> None:
    gone = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    dummy_session().client(
        "dynamodb", region_name="eu-west-1", endpoint_url=aws.moto_url
    ).create_table(
        TableName="legacy",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": gone},
    )
    table = store(collect(aws, regions=("eu-west-1",)), "legacy")

    assert table.encryption is not None and table.encryption.enabled is True
    assert table.encryption.key_type is None and table.encryption.key_id == gone
    (gap,) = table.gaps
    assert (gap.attribute, gap.operation, gap.cause) == (
        "encryption_key",
        "kms:DescribeKey",
        "not_found",
    )
    assert gap.request_id  # moto's KMS names the failed call
    # Judged: encrypted at rest passes; only the customer-managed-key question is open.
    policy = Policy.model_validate(
        case_policy() | {"tiering": {"tag": "backup-tier", "default": "critical"}}
    )
    snapshot = Snapshot(
        tool_version="test",
        collected_at=NOW,
        scope={"clouds": ["aws"], "accounts": [ACCOUNT], "regions": ["eu-west-1"]},
        stores=[table],
    )
    (verdicts,) = Evaluator(load_pack(), policy, NOW).run(snapshot)
    status = {r["rule"]: r["status"] for r in verdicts.results}
    assert status["ENC-AT-REST"] == "pass" and status["ENC-CMK"] == "not_assessed"
