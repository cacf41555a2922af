"""AWS Backup collection: moto for the stores, our API-faithful fake for AWS Backup."""

from __future__ import annotations

from datetime import timedelta

from scanner.emulator.aws.server import EmulatedAws
from tests.aws.helpers import ACCOUNT, BACKUP, NOW, TABLES, arn, collect, seed, store


def test_tag_selection_covers_and_not_resources_excludes(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws)

    def plans(name: str) -> set[str]:
        return {p.name for p in store(snapshot, name).protections if p.origin == "backup_service"}

    assert plans("patients") == {"critical/hourly"}
    assert plans("sessions") == set()  # excluded by NotResources
    assert plans("notes") == {"daily/nightly"}  # Resources wildcard AND StringEquals condition
    assert plans("untagged") == set()
    assert plans("ledger") == set()  # the plan lives in eu-west-1: it covers that region only


def test_plan_rule_parameters_and_vault_lock(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws)
    hourly = next(
        p for p in store(snapshot, "patients").protections if p.origin == "backup_service"
    )
    nightly = next(p for p in store(snapshot, "notes").protections if p.origin == "backup_service")

    assert hourly.frequency_hours == 1 and hourly.retention_days == 35
    assert hourly.immutable is True and hourly.details["vault_lock"] == "locked"
    assert nightly.frequency_hours == 24 and nightly.retention_unbounded
    assert nightly.immutable is False
    assert nightly.window is not None and nightly.window.start == "02:30"
    assert nightly.window.timezone == "Europe/Berlin"
    vaults = {v.name: v for v in snapshot.accounts[0].vaults}
    assert (
        vaults["main"].immutability.state == "locked"
        and vaults["main"].denies_recovery_point_deletion
    )
    assert (
        vaults["dr"].immutability.state == "unlocked"
        and vaults["dr"].denies_recovery_point_deletion is False
    )
    assert vaults["plain"].immutability.state == "disabled"
    assert {p.name for p in snapshot.accounts[0].backup_plans} == {"critical", "daily"}


def test_cross_region_and_cross_account_copies(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    patients = store(collect(aws), "patients")

    configured = {(c.region, c.account) for c in patients.copies if c.state == "configured"}
    assert configured == {("us-east-1", ACCOUNT), ("eu-west-1", "999988887777")}
    (observed,) = [c for c in patients.copies if c.state == "observed"]
    assert observed.target == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:dr"
    assert observed.region == "us-east-1" and observed.resolved
    assert observed.evidence[0].fields["count (Status=COMPLETED)"] == 5


def test_recovery_points_newest_oldest_count_and_largest_gap(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws)
    patients, notes = store(snapshot, "patients"), store(snapshot, "notes")

    (source,) = patients.recovery_points.sources
    assert source.kind == "backup_service" and source.count == 30 and source.encrypted is True
    assert patients.recovery_points.newest == NOW - timedelta(minutes=40)
    assert patients.recovery_points.oldest == NOW - timedelta(minutes=40, hours=29)
    assert patients.recovery_points.max_gap_hours == 1.0
    assert patients.attributes["aws_backup_last_backup"] is not None
    # notes: points at 1, 2, 3 days and 6, 7 days old — the largest gap is 3 days.
    assert notes.recovery_points.count == 5
    assert notes.recovery_points.max_gap_hours == 72.0


def test_plan_in_other_region_and_backup_evidence(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    patients = store(collect(aws), "patients")
    hourly = next(p for p in patients.protections if p.origin == "backup_service")
    operations = {e.operation for e in hourly.evidence}
    assert operations == {"backup:GetBackupPlan", "backup:GetBackupSelection"}
    assert hourly.evidence[0].fields["BackupPlan.Rules[].ScheduleExpression"] == "cron(0 * ? * * *)"
    assert patients.id == arn("dynamodb", "eu-west-1", "table/patients")
