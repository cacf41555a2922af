"""Organisation-wide collection on moto: Organizations lists the accounts, each is entered
through the audit role; an account that refuses the role is a gap, never left out."""

from __future__ import annotations

import pytest

from scanner.collectors.aws.collect import AwsScope
from scanner.emulator.aws.backup_fake import BackupFakeServer
from scanner.emulator.aws.server import EmulatedAws
from scanner.errors import CollectionError, InputError
from tests.aws.helpers import ACCOUNT, NOW, collect, collector, seed, store

ROLE = "BackupAuditReadOnly"
ORG = {
    "role_name": ROLE,
    "members": [
        {
            "name": "billing",
            "dynamodb": [{"name": "invoices", "region": "eu-west-1", "pitr": True}],
            "s3": [{"name": "billing-exports", "region": "eu-west-1", "versioning": True}],
            "backup": {
                "vaults": [{"name": "billing-vault", "region": "eu-west-1"}],
                "plans": [
                    {
                        "name": "billing-daily",
                        "region": "eu-west-1",
                        "rules": [{"name": "daily", "vault": "billing-vault"}],
                        "selections": [{"name": "all", "resources": ["*"]}],
                    }
                ],
                "recovery_points": [
                    {
                        "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/invoices",
                        "vault": "billing-vault",
                        "region": "eu-west-1",
                    }
                ],
            },
        },
        {
            "name": "legacy",
            "trusts_audit_role": False,
            "dynamodb": [{"name": "hidden", "region": "eu-west-1"}],
        },
    ],
}


def org_scope(**more: object) -> AwsScope:
    return AwsScope(regions=("eu-west-1",), org=True, role_name=ROLE, **more)  # type: ignore[arg-type]


def test_every_account_is_collected_into_one_snapshot(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=[{"name": "main-table", "region": "eu-west-1"}], organisation=ORG)
    snapshot = collect(aws, scope=org_scope())
    facts = {a.name or a.account: a for a in snapshot.accounts}
    billing, legacy = facts["billing"], facts["legacy"]

    assert set(snapshot.scope.accounts) == {ACCOUNT, billing.account, legacy.account}
    invoices = store(snapshot, "invoices")
    assert invoices.account == billing.account
    assert invoices.id == f"arn:aws:dynamodb:eu-west-1:{billing.account}:table/invoices"
    assert store(snapshot, "billing-exports").account == billing.account
    assert store(snapshot, "main-table").account == ACCOUNT
    # Each account's AWS Backup is its own: the member's plan covers only the member's stores.
    assert [p.name for p in invoices.protections if p.origin == "backup_service"] == [
        "billing-daily/daily"
    ]
    assert not [p for p in store(snapshot, "main-table").protections if p.origin != "native"]
    assert invoices.recovery_points.count == 7
    assert [p.name for p in billing.backup_plans] == ["billing-daily"]


def test_an_account_that_refuses_the_role_is_a_gap_not_an_omission(aws: EmulatedAws) -> None:
    seed(aws, organisation=ORG)
    snapshot = collect(aws, scope=org_scope())
    legacy = next(a for a in snapshot.accounts if a.name == "legacy")

    assert legacy.account in snapshot.scope.accounts
    (gap,) = legacy.gaps
    assert (gap.operation, gap.error_code, gap.cause) == (
        "sts:AssumeRole",
        "AccessDenied",
        "denied",
    )
    assert gap.permission == "sts:AssumeRole" and gap.resource == legacy.account
    assert f"arn:aws:iam::{legacy.account}:role/{ROLE}" in gap.message
    assert "hidden" not in {s.name for s in snapshot.stores}


def test_accounts_narrow_the_organisation(aws: EmulatedAws) -> None:
    estate = seed(aws, organisation=ORG)
    assert estate.organisation is not None
    billing = next(a for a in collect(aws, scope=org_scope()).accounts if a.name == "billing")
    snapshot = collect(aws, scope=org_scope(accounts=(billing.account,)))
    assert snapshot.scope.accounts == [billing.account]
    with pytest.raises(InputError, match="999999999999 is not an active account"):
        collector(aws, scope=org_scope(accounts=("999999999999",))).targets()


def test_other_accounts_need_a_role_and_an_organisation_is_needed_for_org(
    aws: EmulatedAws,
) -> None:
    with pytest.raises(CollectionError, match="returned no accounts"):
        collector(aws, scope=org_scope()).targets()  # no organisation was created
    with pytest.raises(InputError, match="--role-name is needed"):
        collector(aws, scope=AwsScope(regions=("eu-west-1",), accounts=("210987654321",))).targets()


def test_an_account_entered_by_id_without_the_organisation(aws: EmulatedAws) -> None:
    seed(aws, organisation=ORG)
    billing = next(a for a in collect(aws, scope=org_scope()).accounts if a.name == "billing")
    scope = AwsScope(regions=("eu-west-1",), accounts=(billing.account,), role_name=ROLE)
    snapshot = collect(aws, scope=scope)
    assert snapshot.scope.accounts == [billing.account]
    assert snapshot.collected_at == NOW
    assert {s.name for s in snapshot.stores} == {"invoices", "billing-exports"}


def test_arns_use_the_partition_of_the_caller(aws: EmulatedAws) -> None:
    seed(
        aws,
        regions=["us-gov-west-1"],
        dynamodb=[{"name": "gov-table", "region": "us-gov-west-1"}],
        s3=[{"name": "gov-bucket", "region": "us-gov-west-1"}],
    )
    snapshot = collect(aws, regions=("us-gov-west-1",))
    assert store(snapshot, "gov-table").id == (
        f"arn:aws-us-gov:dynamodb:us-gov-west-1:{ACCOUNT}:table/gov-table"
    )
    assert store(snapshot, "gov-bucket").id == "arn:aws-us-gov:s3:::gov-bucket"


def test_an_organisation_that_cannot_be_listed_stops_before_reading(aws: EmulatedAws) -> None:
    seed(aws, organisation=ORG)
    denier = BackupFakeServer().start()  # an endpoint that answers AccessDenied to everything
    denier.state.fail("eu-west-1", "*", "AccessDeniedException")
    try:
        endpoints = aws.endpoints | {"organizations": denier.url}
        with pytest.raises(CollectionError, match="--org: cannot list the organisation's accounts"):
            collector(aws, scope=org_scope(), endpoints=endpoints).targets()
    finally:
        denier.stop()


def test_an_account_named_twice_is_read_once(aws: EmulatedAws) -> None:
    seed(aws, organisation=ORG)
    billing = next(a for a in collect(aws, scope=org_scope()).accounts if a.name == "billing")
    twice = collect(aws, scope=org_scope(accounts=(billing.account, billing.account)))
    assert [a.account for a in twice.accounts] == [billing.account]
    assert sorted(s.name for s in twice.stores) == ["billing-exports", "invoices"]


def test_a_closed_account_is_listed_with_its_state_not_read(aws: EmulatedAws) -> None:
    closing = {
        "name": "retired",
        "closed": True,
        "dynamodb": [{"name": "old", "region": "eu-west-1"}],
    }
    seed(aws, organisation={"role_name": ROLE, "members": [closing]})
    snapshot = collect(aws, scope=org_scope())
    retired = next(a for a in snapshot.accounts if a.name == "retired")
    (gap,) = retired.gaps
    assert gap.error_code == "AccountState:SUSPENDED" and "not read" in gap.message
    assert retired.account in snapshot.scope.accounts
    assert "old" not in {s.name for s in snapshot.stores}
