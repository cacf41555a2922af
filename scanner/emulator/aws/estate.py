"""The ``aws:`` section of an emulated estate (``samples/estate.yaml``).

Times are written as ages relative to "now" (``3h``, ``2d``) so the estate looks the
same whenever it is seeded. Seeding itself is in :mod:`scanner.emulator.aws.seed`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TableSpec(_Spec):
    """A DynamoDB table."""

    name: str
    region: str
    pitr: bool = False
    recovery_days: int | None = None
    deletion_protection: bool = False
    kms_key: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    on_demand_backups: int = 0
    created: str = Field("400d", description="How long ago the table was created")


class ReplicationSpec(_Spec):
    """An S3 replication rule's destination."""

    destination: str
    account: str | None = None


class ObjectLockSpec(_Spec):
    """S3 Object Lock default retention."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"]
    days: int


class BucketSpec(_Spec):
    """An S3 bucket."""

    name: str
    region: str
    versioning: bool = False
    noncurrent_days: int | None = None
    object_lock: ObjectLockSpec | None = None
    replication: ReplicationSpec | None = None
    kms_key: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    created: str = Field("400d", description="How long ago the bucket was created")


class DatabaseSpec(_Spec):
    """An RDS instance or Aurora cluster."""

    id: str
    region: str
    engine: str = "postgres"
    retention_days: int = 7
    backup_window: str = "02:00-02:30"
    encrypted: bool = False
    kms_key: str | None = None
    deletion_protection: bool = False
    tags: dict[str, str] = Field(default_factory=dict)
    manual_snapshots: int = 0
    global_cluster: str | None = None
    created: str = Field("400d", description="How long ago the database was created")


class VaultSpec(_Spec):
    """An AWS Backup vault."""

    name: str
    region: str
    kms_key: str | None = None
    lock: Literal["none", "governance", "compliance"] = "none"
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    deny_delete: bool = False


class RuleSpec(_Spec):
    """A backup plan rule."""

    name: str
    vault: str
    schedule: str = "cron(0 5 ? * * *)"
    timezone: str | None = None
    start_window_minutes: int = 60
    delete_after_days: int | None = None
    continuous: bool = False
    copy_to: list[str] = Field(default_factory=list)


class SelectionSpec(_Spec):
    """A backup selection, in the API's own terms."""

    name: str
    resources: list[str] = Field(default_factory=list)
    not_resources: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    conditions: dict[str, dict[str, str]] = Field(default_factory=dict)


class PlanSpec(_Spec):
    """A backup plan."""

    name: str
    region: str
    rules: list[RuleSpec]
    selections: list[SelectionSpec] = Field(default_factory=list)


class PointsSpec(_Spec):
    """A series of recovery points of one resource in one vault."""

    resource: str
    vault: str
    region: str
    newest: str = "3h"
    every: str = "24h"
    count: int = 7
    delete_after_days: int | None = 35
    copy_of: str | None = None


class JobSpec(_Spec):
    """One AWS Backup backup or copy job of a resource, started ``ago``."""

    resource: str
    region: str
    kind: Literal["backup", "copy"] = "backup"
    state: str = "COMPLETED"
    ago: str = "1d"
    message: str | None = None


class RestoreSpec(_Spec):
    """One restore job from a resource's recovery point, started ``ago``, ``hours`` long;
    ``test``: started by a restore testing plan (with a validation status)."""

    resource: str
    region: str
    status: str = "COMPLETED"
    ago: str = "7d"
    hours: float = 1.0
    test: bool = False
    validation: str | None = None


class BackupSpec(_Spec):
    """AWS Backup: vaults, plans, recovery points, and backup, copy and restore jobs."""

    vaults: list[VaultSpec] = Field(default_factory=list)
    plans: list[PlanSpec] = Field(default_factory=list)
    recovery_points: list[PointsSpec] = Field(default_factory=list)
    jobs: list[JobSpec] = Field(default_factory=list)
    restores: list[RestoreSpec] = Field(default_factory=list)


class AccountEstate(_Spec):
    """What one account holds: keys, tables, buckets, databases and AWS Backup."""

    kms_keys: dict[str, str] = Field(default_factory=dict, description="alias -> region")
    dynamodb: list[TableSpec] = Field(default_factory=list)
    s3: list[BucketSpec] = Field(default_factory=list)
    rds_instances: list[DatabaseSpec] = Field(default_factory=list)
    rds_clusters: list[DatabaseSpec] = Field(default_factory=list)
    backup: BackupSpec = Field(default_factory=BackupSpec)

    @model_validator(mode="after")
    def _keys_exist(self) -> AccountEstate:
        specs: list[Any] = [*self.dynamodb, *self.s3, *self.rds_instances, *self.rds_clusters]
        specs += self.backup.vaults
        unknown = sorted({s.kms_key for s in specs if s.kms_key and s.kms_key not in self.kms_keys})
        if unknown:
            raise ValueError(f"kms_key {', '.join(unknown)} not declared under kms_keys")
        return self


class MemberSpec(AccountEstate):
    """A member account of the organisation; ``trusts_audit_role: false`` makes
    ``sts:AssumeRole`` into it fail, as for an account whose role is missing;
    ``closed: true`` closes it (Organizations then lists it as SUSPENDED)."""

    name: str
    trusts_audit_role: bool = True
    closed: bool = False


class OrganisationSpec(_Spec):
    """AWS Organizations: the member accounts (their ids are given by Organizations)."""

    role_name: str = "BackupAuditReadOnly"
    members: list[MemberSpec] = Field(default_factory=list)


class AwsEstate(AccountEstate):
    """A fictional organisation's AWS estate: the caller's account, and members."""

    account: Literal["123456789012"] = Field(
        "123456789012", description="moto's account for the demo's credentials"
    )
    regions: list[str]
    organisation: OrganisationSpec | None = None

    def arn(self, text: str) -> str:
        """Expand ``{account}`` in an ARN written in the estate file."""
        return text.replace("{account}", self.account)
