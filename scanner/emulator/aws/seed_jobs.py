"""AWS Backup's job history in the fake: backup, copy and restore jobs of the estate's
resources, shaped as ``ListBackupJobs``, ``ListCopyJobs`` and ``ListRestoreJobs`` return
them."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from scanner.durations import parse_duration
from scanner.emulator.aws.backup_fake import BackupState
from scanner.emulator.aws.estate import AwsEstate, JobSpec, RestoreSpec


def _id(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def seed_jobs(estate: AwsEstate, state: BackupState, now: datetime) -> None:
    """Write the estate's jobs and restores into the fake."""
    for number, job in enumerate(estate.backup.jobs):
        _job(estate, state, now, job, number)
    for number, restore in enumerate(estate.backup.restores):
        _restore(estate, state, now, restore, number)


def _job(estate: AwsEstate, state: BackupState, now: datetime, spec: JobSpec, n: int) -> None:
    resource = estate.arn(spec.resource)
    created = now - parse_duration(spec.ago)
    done = spec.state in ("COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL")
    job: dict[str, Any] = {
        "AccountId": estate.account,
        "ResourceArn": resource,
        "ResourceType": resource_type(resource),
        "CreationDate": created,
        "State": spec.state,
        "IamRoleArn": f"arn:aws:iam::{estate.account}:role/backup",
    }
    if done:
        job["CompletionDate"] = created + timedelta(minutes=12)
    if spec.message:
        job["StatusMessage"] = spec.message
    if spec.kind == "backup":
        job["BackupJobId"] = _id("backup", resource, str(n))
        key = "BackupJobs"
    else:
        job["CopyJobId"] = _id("copy", resource, str(n))
        key = "CopyJobs"
    state.region(spec.region, estate.account).jobs[key].append(job)


def _restore(
    estate: AwsEstate, state: BackupState, now: datetime, spec: RestoreSpec, n: int
) -> None:
    resource = estate.arn(spec.resource)
    created = now - parse_duration(spec.ago)
    job: dict[str, Any] = {
        "AccountId": estate.account,
        "RestoreJobId": _id("restore", resource, str(n)),
        "SourceResourceArn": resource,
        "RecoveryPointArn": f"arn:aws:backup:{spec.region}:{estate.account}:recovery-point:"
        + _id("point", resource, str(n)),
        "CreationDate": created,
        "Status": spec.status,
        "ResourceType": resource_type(resource),
        "IamRoleArn": f"arn:aws:iam::{estate.account}:role/backup",
    }
    if spec.status in ("COMPLETED", "FAILED", "ABORTED"):
        job["CompletionDate"] = created + timedelta(hours=spec.hours)
    if spec.status == "FAILED":
        job["StatusMessage"] = "Restore failed: the target table already exists"
    if spec.test:
        plan = f"arn:aws:backup:{spec.region}:{estate.account}:restore-testing-plan:monthly-drill"
        job["CreatedBy"] = {"RestoreTestingPlanArn": plan}
        if spec.validation:
            job["ValidationStatus"] = spec.validation
    state.region(spec.region, estate.account).jobs["RestoreJobs"].append(job)


_RESOURCE_TYPES = {"dynamodb": "DynamoDB", "s3": "S3", "rds:db": "RDS", "rds:cluster": "Aurora"}


def resource_type(arn: str) -> str:
    """AWS Backup's ``ResourceType`` of a resource ARN (``DynamoDB``, ``Aurora`` …)."""
    service = arn.split(":")[2]
    return _RESOURCE_TYPES.get(
        f"{service}:{arn.split(':')[5]}" if service == "rds" else service, service
    )
