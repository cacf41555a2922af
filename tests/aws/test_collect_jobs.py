"""AWS Backup's backup, copy and restore jobs read with the real collector from the AWS
Backup fake: failures kept with their messages, restores gathered from every region by
their source resource with their measured time and validation; a refused listing is a
gap on exactly the facts it hides, never an empty history."""

from __future__ import annotations

from datetime import timedelta

from scanner.emulator.aws.backup_fake import DEFAULT_PAGE
from scanner.emulator.aws.server import EmulatedAws
from tests.aws.helpers import BACKUP, NOW, TABLES, calls, collect, seed, store

JOBS = [
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes", "region": "eu-west-1",
     "state": "FAILED", "ago": "50h", "message": "Insufficient privileges"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes", "region": "eu-west-1",
     "ago": "26h"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes", "region": "eu-west-1",
     "ago": "2h"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes", "region": "eu-west-1",
     "ago": "3d"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients", "region": "eu-west-1",
     "kind": "copy", "state": "PARTIAL", "ago": "5h"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients", "region": "eu-west-1",
     "state": "RUNNING", "ago": "10m"},
]  # fmt: skip
RESTORES = [
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients", "region": "eu-west-1",
     "ago": "9d", "hours": 1.5, "test": True, "validation": "SUCCESSFUL"},
    {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/patients", "region": "us-east-1",
     "status": "FAILED", "ago": "2d", "hours": 0.25},
    {"resource": "arn:aws:dynamodb:us-east-1:{account}:table/ledger", "region": "us-east-1",
     "ago": "40d", "hours": 3, "test": True, "validation": "FAILED"},
]  # fmt: skip


def _seeded(aws: EmulatedAws) -> None:
    seed(aws, dynamodb=TABLES, backup=BACKUP | {"jobs": JOBS, "restores": RESTORES})


def test_failures_and_restores_reach_their_stores(aws: EmulatedAws) -> None:
    _seeded(aws)
    snapshot = collect(aws)
    notes = store(snapshot, "notes")
    assert [(j.outcome, j.message) for j in notes.backup_jobs or []] == [
        ("failed", "Insufficient privileges"),  # kept: a failure
        ("succeeded", None),  # kept: the first success after it
        ("succeeded", None),  # kept: the latest success
    ]  # the success three days ago, before the failure, is not kept
    patients = store(snapshot, "patients")
    assert [(j.kind, j.outcome) for j in patients.backup_jobs or []] == [
        ("copy", "partial"),
        ("backup", "running"),
    ]
    restores = patients.restores or []
    assert [(r.outcome, r.test, r.validated) for r in restores] == [
        ("succeeded", True, True),
        ("failed", False, None),  # restored in the other region from the copy
    ]
    assert restores[0].duration_hours == 1.5 and restores[0].source == "AWS Backup restore testing"
    ledger = store(snapshot, "ledger")
    assert [(r.outcome, r.validated) for r in ledger.restores or []] == [("succeeded", False)]
    # not in AWS Backup: its jobs are listed (none), its native restores are listed nowhere
    untagged = store(snapshot, "untagged")
    assert (untagged.restores, untagged.backup_jobs) == (None, [])
    absence = {e.operation: e.fields for e in untagged.evidence if "Jobs" in e.operation}
    assert absence["backup:ListBackupJobs"]["backup and copy jobs of this resource kept"] == 0
    assert untagged.backup_jobs_from == NOW - timedelta(days=30)  # AWS keeps 30 days
    notes = store(snapshot, "notes")  # in AWS Backup's daily plan, never restored
    absence = {e.operation: e.fields for e in notes.evidence if "Jobs" in e.operation}
    assert notes.restores == []
    assert absence["backup:ListRestoreJobs"]["restore jobs of this resource kept"] == 0
    assert all(
        g.attribute not in ("restores", "backup_jobs") for s in snapshot.stores for g in s.gaps
    )


def test_jobs_older_than_aws_keeps_are_not_shown(aws: EmulatedAws) -> None:
    old = {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/untagged",
           "region": "eu-west-1", "state": "FAILED", "ago": "40d"}  # fmt: skip
    seed(aws, dynamodb=TABLES, backup=BACKUP | {"jobs": [old]})
    untagged = store(collect(aws), "untagged")
    assert untagged.backup_jobs == []
    assert untagged.backup_jobs_from is not None and untagged.backup_jobs_from > NOW - timedelta(
        days=31
    )


def test_each_listing_is_one_call_per_region_and_page(aws: EmulatedAws) -> None:
    _seeded(aws)
    many = [
        {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes", "region": "eu-west-1",
         "ago": f"{n + 1}h"}
        for n in range(DEFAULT_PAGE + 1)
    ]  # fmt: skip
    seed(aws, backup={"jobs": many})
    counted = calls(collect(aws))
    assert counted[("backup", "ListBackupJobs")] == 3  # two pages in eu-west-1, one in us-east-1
    assert counted[("backup", "ListCopyJobs")] == 2
    assert counted[("backup", "ListRestoreJobs")] == 2


def test_a_refused_restore_listing_is_a_gap_on_every_store_not_an_untested_one(
    aws: EmulatedAws,
) -> None:
    _seeded(aws)
    aws.backup_state.fail("us-east-1", "ListRestoreJobs", "AccessDeniedException")
    aws.backup_state.fail("eu-west-1", "ListBackupJobs", "AccessDeniedException")
    snapshot = collect(aws)
    patients = store(snapshot, "patients")
    gaps = {(g.attribute, g.operation, g.permission) for g in patients.gaps}
    assert ("restores", "backup:ListRestoreJobs", "backup:ListRestoreJobs") in gaps
    assert ("backup_jobs", "backup:ListBackupJobs", "backup:ListBackupJobs") in gaps
    # what the other listings showed stays: eu-west-1's restore, eu-west-1's copy job
    assert [r.outcome for r in patients.restores or []] == ["succeeded"]
    assert [j.kind for j in patients.backup_jobs or []] == ["copy"]
    ledger = store(snapshot, "ledger")  # us-east-1: its jobs were listed, its restores not
    assert {g.attribute for g in ledger.gaps} >= {"restores"}
    assert "backup_jobs" not in {g.attribute for g in ledger.gaps}


def test_a_job_in_a_state_aws_does_not_document_is_a_gap_not_a_default(aws: EmulatedAws) -> None:
    odd = {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/untagged",
           "region": "eu-west-1", "state": "QUARANTINED", "ago": "2d"}  # fmt: skip
    odd_restore = {"resource": "arn:aws:dynamodb:eu-west-1:{account}:table/notes",
                   "region": "eu-west-1", "status": "QUARANTINED", "ago": "2d"}  # fmt: skip
    seed(aws, dynamodb=TABLES, backup=BACKUP | {"jobs": [odd], "restores": [odd_restore]})
    snapshot = collect(aws)
    untagged, notes = store(snapshot, "untagged"), store(snapshot, "notes")
    [gap] = [g for g in untagged.gaps if g.attribute == "backup_jobs"]
    assert gap.error_code == "UnreadableJob" and "QUARANTINED" in gap.message
    assert untagged.backup_jobs == []  # nothing claimed of it
    [restore_gap] = [g for g in notes.gaps if g.attribute == "restores"]
    assert "QUARANTINED" in restore_gap.message and notes.restores == []
