"""AWS Backup collection: moto for the stores, our API-faithful fake for AWS Backup."""

from __future__ import annotations

from datetime import timedelta

from conftest import ACCOUNT, NOW, arn, collect, seed, store

from scanner.emulator.server import EmulatedAws

TABLES = [
    {"name": "patients", "region": "eu-west-1", "tags": {"tier": "critical"}},
    {"name": "sessions", "region": "eu-west-1", "tags": {"tier": "critical", "scratch": "yes"}},
    {"name": "notes", "region": "eu-west-1", "tags": {"backup": "daily"}},
    {"name": "untagged", "region": "eu-west-1"},
    {"name": "ledger", "region": "us-east-1", "tags": {"tier": "critical"}},
]
DR_VAULT = "arn:aws:backup:us-east-1:{account}:backup-vault:dr"
OTHER_ACCOUNT_VAULT = "arn:aws:backup:eu-west-1:999988887777:backup-vault:archive"
BACKUP = {
    "vaults": [
        {
            "name": "main",
            "region": "eu-west-1",
            "lock": "compliance",
            "min_retention_days": 7,
            "max_retention_days": 365,
            "deny_delete": True,
        },
        {"name": "dr", "region": "us-east-1", "lock": "governance"},
        {"name": "plain", "region": "eu-west-1"},
    ],
    "plans": [
        {
            "name": "critical",
            "region": "eu-west-1",
            "rules": [
                {
                    "name": "hourly",
                    "vault": "main",
                    "schedule": "cron(0 * ? * * *)",
                    "delete_after_days": 35,
                    "copy_to": [DR_VAULT, OTHER_ACCOUNT_VAULT],
                }
            ],
            "selections": [
                {
                    "name": "by-tag",
                    "tags": {"tier": "critical"},
                    "not_resources": ["arn:aws:dynamodb:*:*:table/sessions"],
                }
            ],
        },
        {
            "name": "daily",
            "region": "eu-west-1",
            "rules": [
                {
                    "name": "nightly",
                    "vault": "plain",
                    "schedule": "cron(30 2 ? * * *)",
                    "timezone": "Europe/Berlin",
                }
            ],
            "selections": [
                {
                    "name": "opted-in",
                    "resources": ["arn:aws:dynamodb:*:*:table/*"],
                    "conditions": {"StringEquals": {"backup": "daily"}},
                }
            ],
        },
    ],
    "recovery_points": [
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients",
            "vault": "main",
            "region": "eu-west-1",
            "newest": "40m",
            "every": "1h",
            "count": 30,
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients",
            "vault": "dr",
            "region": "us-east-1",
            "newest": "2h",
            "every": "1h",
            "count": 5,
            "copy_of": "arn:aws:backup:eu-west-1:{account}:backup-vault:main",
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes",
            "vault": "plain",
            "region": "eu-west-1",
            "newest": "1d",
            "every": "24h",
            "count": 3,
        },
        {
            "resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes",
            "vault": "plain",
            "region": "eu-west-1",
            "newest": "6d",
            "every": "24h",
            "count": 2,
        },
    ],
}


def test_tag_selection_covers_and_not_resources_excludes(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws).snapshot

    def plans(name: str) -> set[str]:
        return {p.name for p in store(snapshot, name).protections if p.kind == "backup_plan"}

    assert plans("patients") == {"critical/hourly"}
    assert plans("sessions") == set()  # excluded by NotResources
    assert plans("notes") == {"daily/nightly"}  # Resources wildcard AND StringEquals condition
    assert plans("untagged") == set()
    assert plans("ledger") == set()  # the plan lives in eu-west-1: it covers that region only


def test_plan_rule_parameters_and_vault_lock(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws).snapshot
    hourly = next(p for p in store(snapshot, "patients").protections if p.kind == "backup_plan")
    nightly = next(p for p in store(snapshot, "notes").protections if p.kind == "backup_plan")

    assert hourly.frequency_hours == 1 and hourly.retention_days == 35
    assert hourly.immutable is True and hourly.details["vault_lock"] == "compliance"
    assert nightly.frequency_hours == 24 and nightly.retention_unbounded
    assert nightly.immutable is False
    assert nightly.window is not None and nightly.window.start == "02:30"
    assert nightly.window.timezone == "Europe/Berlin"
    vaults = {v.name: v for v in snapshot.accounts[0].vaults}
    assert (
        vaults["main"].lock_mode == "compliance" and vaults["main"].denies_recovery_point_deletion
    )
    assert (
        vaults["dr"].lock_mode == "governance"
        and vaults["dr"].denies_recovery_point_deletion is False
    )
    assert vaults["plain"].lock_mode == "none"
    assert {p.name for p in snapshot.accounts[0].backup_plans} == {"critical", "daily"}


def test_cross_region_and_cross_account_copies(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    patients = store(collect(aws).snapshot, "patients")

    configured = {(c.region, c.account) for c in patients.copies if c.state == "configured"}
    assert configured == {("us-east-1", ACCOUNT), ("eu-west-1", "999988887777")}
    (observed,) = [c for c in patients.copies if c.state == "observed"]
    assert observed.target == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:dr"
    assert observed.region == "us-east-1" and observed.resolved
    assert observed.evidence[0].fields["count (Status=COMPLETED)"] == 5


def test_recovery_points_newest_oldest_count_and_largest_gap(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    snapshot = collect(aws).snapshot
    patients, notes = store(snapshot, "patients"), store(snapshot, "notes")

    (source,) = patients.recovery_points.sources
    assert source.kind == "aws_backup" and source.count == 30 and source.encrypted is True
    assert patients.recovery_points.newest == NOW - timedelta(minutes=40)
    assert patients.recovery_points.oldest == NOW - timedelta(minutes=40, hours=29)
    assert patients.recovery_points.max_gap_hours == 1.0
    assert patients.attributes["aws_backup_last_backup"] is not None
    # notes: points at 1, 2, 3 days and 6, 7 days old — the largest gap is 3 days.
    assert notes.recovery_points.count == 5
    assert notes.recovery_points.max_gap_hours == 72.0


def test_plan_in_other_region_and_backup_evidence(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP)
    patients = store(collect(aws).snapshot, "patients")
    hourly = next(p for p in patients.protections if p.kind == "backup_plan")
    operations = {e.operation for e in hourly.evidence}
    assert operations == {"backup:GetBackupPlan", "backup:GetBackupSelection"}
    assert hourly.evidence[0].fields["BackupPlan.Rules[].ScheduleExpression"] == "cron(0 * ? * * *)"
    assert patients.id == arn("dynamodb", "eu-west-1", "table/patients")
