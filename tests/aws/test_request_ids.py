"""Every answer's evidence, and every failed call's gap, cites the provider's request id.

moto's server and the AWS Backup fake both answer with a request id (moto: its own
``x-amzn-RequestId`` / ``RequestId``; the fake: ``x-amzn-RequestId``, as AWS Backup does),
so every evidence item built from an answer carries one. A listing read in several pages
cites each page's id, joined with ", ".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.collectors.answers import Listing, join_request_ids, sort_gaps
from scanner.emulator.aws.server import EmulatedAws
from scanner.model import DataStore, Evidence, Gap
from tests.aws.helpers import BACKUP, TABLES, collect, seed, store
from tests.aws.test_collect_org import ORG, org_scope
from tests.aws.test_collect_rds import CLUSTERS, INSTANCES, KEYS
from tests.aws.test_collect_s3 import BUCKETS

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def evidence(s: DataStore) -> Iterator[Evidence]:
    """Every evidence item of a store, wherever it sits."""
    yield from s.evidence
    yield from s.encryption.evidence if s.encryption else []
    for protection in s.protections:
        yield from protection.evidence
    yield from s.recovery_points.evidence
    for source in s.recovery_points.sources:
        yield from source.evidence
    for copy in s.copies:
        yield from copy.evidence


def ids(item: Evidence | Gap) -> list[str]:
    """The request ids an evidence item or gap cites."""
    return item.request_id.split(", ") if item.request_id else []


def without_id(s: DataStore) -> list[str]:
    return [e.operation for e in evidence(s) if not e.request_id]


def test_s3_evidence_cites_each_call(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    images = store(collect(aws), "images")

    items = list(evidence(images))
    assert {e.operation for e in items} >= {
        "s3:ListBuckets",
        "s3:GetBucketVersioning",
        "s3:GetBucketLifecycleConfiguration",
        "s3:GetObjectLockConfiguration",
        "s3:GetBucketReplication",
        "s3:GetBucketEncryption",
        "s3:GetBucketTagging",
    }
    assert without_id(images) == []
    # One bucket, one call per setting: each setting's evidence cites its own call.
    per_call = {e.operation: e.request_id for e in items if e.operation != "s3:ListBuckets"}
    assert len(set(per_call.values())) == len(per_call)


def test_rds_evidence_cites_the_listings(aws: EmulatedAws) -> None:
    seed(aws, kms_keys=KEYS, rds_instances=INSTANCES, rds_clusters=CLUSTERS)
    snapshot = collect(aws)
    ehr, ledger = store(snapshot, "ehr"), store(snapshot, "ledger")

    assert without_id(ehr) == [] and without_id(ledger) == []
    operations = {e.operation for s in (ehr, ledger) for e in evidence(s)}
    assert operations >= {
        "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBClusters",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeGlobalClusters",
    }
    # Every fact about the instance read from the one DescribeDBInstances page cites it.
    listed = {e.request_id for e in evidence(ehr) if e.operation == "rds:DescribeDBInstances"}
    assert len(listed) == 1


def test_backup_evidence_cites_plans_selections_and_listings(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws)
    patients = store(snapshot, "patients")

    assert without_id(patients) == []
    by_operation: dict[str, set[str]] = {}
    for item in evidence(patients):
        by_operation.setdefault(item.operation, set()).update(ids(item))
    for operation in (
        "backup:GetBackupPlan",
        "backup:GetBackupSelection",
        "backup:ListRecoveryPointsByBackupVault",
    ):
        assert by_operation[operation] and all(UUID.match(i) for i in by_operation[operation])
    # The listing evidence sums up the vault listing and both eu-west-1 vaults' point
    # listings: three calls, three ids.
    (listing,) = [
        e
        for e in patients.recovery_points.evidence
        if e.operation == "backup:ListRecoveryPointsByBackupVault"
    ]
    assert len(ids(listing)) == 3
    # A vault's evidence cites the vault listing and its access policy read.
    (account,) = snapshot.accounts
    main = next(v for v in account.vaults if v.name == "main")
    assert len(ids(main.evidence[0])) == 2


def test_a_listing_read_in_pages_cites_every_page(aws: EmulatedAws) -> None:
    many = {
        "vaults": [{"name": "main", "region": "eu-west-1"}],
        "recovery_points": [
            {
                "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients",
                "vault": "main",
                "region": "eu-west-1",
                "every": "1h",
                "count": 150,  # the fake answers 100 per page: two pages
            }
        ],
    }
    seed(aws, dynamodb=TABLES[:1], backup=many)
    patients = store(collect(aws, regions=("eu-west-1",)), "patients")

    (source,) = patients.recovery_points.sources
    assert source.count == 150
    pages = ids(source.evidence[0])
    assert len(pages) == 2 and len(set(pages)) == 2 and all(UUID.match(i) for i in pages)
    requests = [r for r in aws.backup_state.requests if r[2] == "ListRecoveryPointsByBackupVault"]
    assert len(requests) == 2


def test_a_denied_call_leaves_a_gap_with_its_request_id(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    aws.backup_state.fail("eu-west-1", "ListProtectedResources", "AccessDeniedException")
    aws.backup_state.fail("eu-west-1", "ListRecoveryPointsByBackupVault", "AccessDeniedException")
    patients = store(collect(aws), "patients")

    denied = {g.operation: g for g in patients.gaps if g.cause == "denied"}
    protected = denied["backup:ListProtectedResources"]
    assert len(ids(protected)) == 1 and UUID.match(ids(protected)[0])
    # Both eu-west-1 vaults' listings were refused alike: one gap citing both calls.
    points = [
        g
        for g in patients.gaps
        if g.operation == "backup:ListRecoveryPointsByBackupVault"
        and g.attribute == "recovery_points"
    ]
    assert len(points) == 1 and len(set(ids(points[0]))) == 2


def test_a_refused_role_and_a_closed_account_cite_their_calls(aws: EmulatedAws) -> None:
    closed = {"name": "retired", "closed": True}
    seed(aws, organisation=ORG | {"members": [*ORG["members"], closed]})
    snapshot = collect(aws, scope=org_scope())
    facts = {a.name: a for a in snapshot.accounts}

    (refused,) = facts["legacy"].gaps  # STS's AccessDenied answer names its RequestId
    assert refused.operation == "sts:AssumeRole" and refused.request_id
    (state,) = facts["retired"].gaps  # read from organizations:ListAccounts' answer
    assert state.operation == "organizations:ListAccounts" and state.request_id


def test_a_call_that_got_no_answer_leaves_a_gap_without_request_id(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES[:1])
    endpoints = aws.endpoints | {"dynamodb": "http://127.0.0.1:9"}  # nothing listens there
    snapshot = collect(aws, endpoints=endpoints, max_attempts=1)
    gaps = snapshot.accounts[0].gaps
    assert gaps and all(g.request_id is None for g in gaps)


def test_join_and_listing_request_ids() -> None:
    assert join_request_ids() is None
    assert join_request_ids(None, "") is None
    assert join_request_ids("a", None, "b, a", "c") == "a, b, c"
    assert Listing(request_ids=("p1", "p2")).request_id == "p1, p2"
    assert Listing().request_id is None


def test_the_same_failure_in_several_calls_is_one_gap_citing_each() -> None:
    def gap(request_id: str | None) -> Gap:
        return Gap(
            attribute="recovery_points",
            operation="backup:ListRecoveryPointsByBackupVault",
            error_code="AccessDeniedException",
            cause="denied",
            message="denied",
            request_id=request_id,
        )

    (merged,) = sort_gaps([gap("r1"), gap(None), gap("r2"), gap("r1")])
    assert merged.request_id == "r1, r2"
    # Inventories written before gaps had request ids still load.
    old = gap(None).model_dump(exclude={"request_id"})
    assert Gap.model_validate(old).request_id is None
