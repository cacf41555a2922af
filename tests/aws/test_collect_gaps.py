"""Unknown is never compliant: denied, throttled, timed-out and unreachable reads become gaps."""

from __future__ import annotations

from scanner.emulator.aws.backup_fake import SLOW, BackupFakeServer
from scanner.emulator.aws.server import EmulatedAws
from scanner.model import DataStore
from tests.aws.helpers import BACKUP, TABLES, collect, seed, store


def gaps(s: DataStore, attribute: str) -> list[tuple[str, str, str | None]]:
    return [(g.operation, g.error_code, g.permission) for g in s.gaps if g.attribute == attribute]


def test_denied_recovery_point_listing_is_a_gap_not_an_empty_history(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    aws.backup_state.fail("eu-west-1", "ListRecoveryPointsByBackupVault", "AccessDeniedException")
    snapshot = collect(aws)
    patients, ledger = store(snapshot, "patients"), store(snapshot, "ledger")

    expected = (
        "backup:ListRecoveryPointsByBackupVault",
        "AccessDeniedException",
        "backup:ListRecoveryPointsByBackupVault",
    )
    assert expected in gaps(patients, "recovery_points")
    assert all(s.kind != "backup_service" for s in patients.recovery_points.sources)
    # The eu-west-1 vaults may hold copies of us-east-1 stores: those copies are unknown.
    assert expected in gaps(ledger, "copies")


def test_denied_selection_read_leaves_plan_coverage_unknown(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    aws.backup_state.fail("eu-west-1", "GetBackupSelection", "AccessDeniedException")
    snapshot = collect(aws)

    for name in ("patients", "notes", "untagged"):
        assert (
            "backup:GetBackupSelection",
            "AccessDeniedException",
            "backup:GetBackupSelection",
        ) in gaps(store(snapshot, name), "protections")
    assert gaps(store(snapshot, "ledger"), "protections") == []


def test_throttling_after_retries_is_a_gap(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    aws.backup_state.fail("eu-west-1", "ListProtectedResources", "ThrottlingException")
    snapshot = collect(aws, max_attempts=3)

    assert (
        "backup:ListProtectedResources",
        "ThrottlingException",
        "backup:ListProtectedResources",
    ) in gaps(store(snapshot, "patients"), "recovery_points")
    attempts = [
        r
        for r in aws.backup_state.requests
        if r[0] == "eu-west-1" and r[2] == "ListProtectedResources"
    ]
    assert len(attempts) == 3
    # The snapshot counts each call once and the retries apart: eu-west-1 sent 3 requests.
    recorded = {(c.service, c.operation): c for c in snapshot.api_calls or []}
    throttled = recorded[("backup", "ListProtectedResources")]
    assert (throttled.calls, throttled.retries) == (2, 2)  # one call per region
    assert "aws_backup_last_backup" not in store(snapshot, "patients").attributes


def test_timeout_is_a_gap(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    aws.backup_state.fail("eu-west-1", "ListBackupVaults", SLOW)
    snapshot = collect(aws, max_attempts=1, read_timeout=0.5)

    recorded = gaps(store(snapshot, "patients"), "recovery_points")
    assert ("backup:ListBackupVaults", "ReadTimeoutError", "backup:ListBackupVaults") in recorded


def test_unreadable_tags_make_tag_based_coverage_unknown(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    denier = BackupFakeServer().start()  # a second endpoint that denies every request
    denier.state.fail("eu-west-1", "*", "AccessDeniedException")
    try:
        endpoints = aws.endpoints | {"resourcegroupstaggingapi": denier.url}
        snapshot = collect(aws, endpoints=endpoints)
    finally:
        denier.stop()
    patients = store(snapshot, "patients")

    assert patients.tags is None
    assert gaps(patients, "tags") == [
        ("resourcegroupstaggingapi:GetResources", "AccessDeniedException", "tag:GetResources")
    ]
    unknown = [g for g in patients.gaps if g.attribute == "protections"]
    assert {g.error_code for g in unknown} == {"TagsUnknown"}
    assert sorted(g.message.split("'")[1] for g in unknown) == ["by-tag", "opted-in"]
    assert all(p.origin != "backup_service" for p in patients.protections)
    # The rest of the table was read: unknown tags do not spill into other attributes.
    assert patients.encryption is not None and patients.deletion_protection is False


def test_a_service_failing_everywhere_is_recorded_and_the_scan_goes_on(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, s3=[{"name": "kept", "region": "eu-west-1"}])
    endpoints = aws.endpoints | {"dynamodb": "http://127.0.0.1:9"}  # nothing listens there
    snapshot = collect(aws, endpoints=endpoints, max_attempts=1)

    account_gaps = {(g.operation, g.region, g.attribute) for g in snapshot.accounts[0].gaps}
    assert account_gaps == {
        ("dynamodb:ListTables", "eu-west-1", "inventory"),
        ("dynamodb:ListTables", "us-east-1", "inventory"),
    }
    assert [s.name for s in snapshot.stores] == ["kept"]
