"""The read-only guarantee: undeclared operations are refused before they are sent, and
every operation a full (organisation-wide) scan sends is in the generated policy."""

from __future__ import annotations

import json

import pytest

from scanner.collectors.aws.api import AwsClients, ClientSettings
from scanner.collectors.aws.collect import OPERATIONS, AwsScope
from scanner.collectors.aws.plugin import PLUGIN, iam_policy
from scanner.collectors.readonly import SESSION_OPERATIONS, CallCounter, ReadOnlyGuard, declare
from scanner.emulator.aws.server import EmulatedAws, dummy_session
from scanner.errors import ReadOnlyViolation
from tests.aws.helpers import BACKUP, TABLES, collect, seed, seed_backup_alert, seed_trails


def clients(aws: EmulatedAws) -> AwsClients:
    guarded = AwsClients(
        dummy_session(),
        ReadOnlyGuard(OPERATIONS),
        CallCounter(),
        ClientSettings(endpoints=aws.endpoints),
    )
    guarded.add_account("caller")
    return guarded


def test_mutating_call_is_refused_and_never_reaches_the_server(aws: EmulatedAws) -> None:
    ddb = clients(aws).get("caller", "dynamodb", "eu-west-1")
    with pytest.raises(ReadOnlyViolation, match="dynamodb:CreateTable"):
        ddb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        )
    assert ddb.list_tables()["TableNames"] == []


def test_refused_backup_call_leaves_no_request_in_the_fake_log(aws: EmulatedAws) -> None:
    backup = clients(aws).get("caller", "backup", "eu-west-1")
    with pytest.raises(ReadOnlyViolation):
        backup.delete_backup_vault(BackupVaultName="main")
    with pytest.raises(ReadOnlyViolation):
        backup.list_restore_testing_plans()  # a read, but not declared: refused all the same
    assert aws.backup_state.requests == []
    backup.list_backup_vaults()
    assert [r[2] for r in aws.backup_state.requests] == ["ListBackupVaults"]


def test_declarations_hold_only_read_verbs() -> None:
    reads = ("List", "Get", "Describe", "Head")
    for op in OPERATIONS:
        assert op.name.startswith(reads) or (op.service, op.name) in SESSION_OPERATIONS
    with pytest.raises(ValueError, match="not a read operation"):
        declare("s3", {"PutBucketPolicy": "s3:PutBucketPolicy"})


def test_every_call_of_an_organisation_scan_is_in_the_generated_policy(aws: EmulatedAws) -> None:
    member = {"name": "billing", "dynamodb": [{"name": "bills", "region": "eu-west-1"}]}
    seed(
        aws,
        kms_keys={"k": "eu-west-1"},
        dynamodb=[
            *TABLES,
            {"name": "encrypted", "region": "eu-west-1", "kms_key": "k", "pitr": True},
        ],
        s3=[
            {
                "name": "audit-bucket",
                "region": "eu-west-1",
                "versioning": True,
                "replication": {"destination": "elsewhere", "account": "999988887777"},
            }
        ],
        rds_instances=[{"id": "db", "region": "eu-west-1", "manual_snapshots": 1}],
        rds_clusters=[{"id": "c", "region": "us-east-1", "engine": "aurora-postgresql"}],
        backup=BACKUP,
        organisation={"members": [member]},
    )
    seed_trails(aws)
    seed_backup_alert(aws)
    scope = AwsScope(regions=("eu-west-1", "us-east-1"), org=True, role_name="BackupAuditReadOnly")
    organisation = collect(aws, scope=scope)
    assert len(organisation.scope.accounts) == 2
    # The caller alone, its regions from ec2:DescribeRegions (every region moto knows).
    caller = collect(aws, regions=None)
    assert {"eu-west-1", "us-east-1"} < set(caller.scope.regions)
    guard = ReadOnlyGuard(OPERATIONS)
    allowed = set(iam_policy(OPERATIONS)["Statement"][0]["Action"])  # type: ignore[index]
    called = {(c.service, c.operation) for s in (organisation, caller) for c in s.api_calls or []}
    used = {guard.permission(service, op) for service, op in called}
    assert None not in used
    assert used <= allowed
    # Every declared operation was exercised by this scan (none declared needlessly).
    assert {(op.service, op.name) for op in OPERATIONS} == called


def test_policy_is_valid_json_with_only_read_actions() -> None:
    policy = json.loads(PLUGIN.permissions_document())
    actions = policy["Statement"][0]["Action"]
    assert actions == sorted(set(actions))
    reads = ("List", "Get", "Describe", "Head")
    assert all(a.split(":")[1].startswith(reads) or a == "sts:AssumeRole" for a in actions)
    assert "s3:ListAllMyBuckets" in actions and "backup:ListProtectedResources" in actions
    assert "organizations:ListAccounts" in actions
