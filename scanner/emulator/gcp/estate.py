"""The ``gcp:`` section of an emulated estate (``samples/estate.yaml``): projects with
buckets, Firestore databases, Cloud SQL instances, Backup and DR and audit logging.

Times are ages relative to "now" (``10h``, ``400d``); a series of backups is
``{every, newest, count}``. Seeding into the fake is :mod:`scanner.emulator.gcp.seed`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.emulator.ages import Series


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BucketSpec(_Spec):
    """A Cloud Storage bucket."""

    name: str
    location: str = Field(description="EUROPE-WEST1, EU, NAM4 … as Cloud Storage writes it")
    location_type: Literal["region", "dual-region", "multi-region"] = "region"
    data_locations: list[str] = Field(default_factory=list)
    versioning: bool = False
    noncurrent_days: int | None = None
    soft_delete_days: int = 7
    retention_days: int | None = None
    retention_locked: bool = False
    cmek: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    created: str = "400d"

    @model_validator(mode="after")
    def _one_of_versioning_or_retention(self) -> BucketSpec:
        """Cloud Storage refuses a retention policy on a versioned bucket, and the reverse."""
        if self.versioning and self.retention_days is not None:
            raise ValueError("a bucket cannot have both versioning and a retention policy")
        return self


class ScheduleSpec(_Spec):
    """A Firestore backup schedule."""

    recurrence: Literal["daily", "weekly"] = "daily"
    retention: str = "14d"


class RestoreSpec(_Spec):
    """How a Firestore database was made: restored from another database's newest backup
    older than ``started``, taking ``hours``, ending in ``state``."""

    database: str
    started: str
    hours: float = Field(1.0, gt=0)
    state: Literal["SUCCESSFUL", "FAILED"] = "SUCCESSFUL"


class FirestoreSpec(_Spec):
    """A Firestore database (``restored_from``: made by a restore)."""

    name: str
    location: str = Field(description="eur3, nam5, europe-west3 …")
    pitr: bool = False
    delete_protection: bool = False
    cmek: bool = False
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    backups: Series | None = None
    created: str = "400d"
    restored_from: RestoreSpec | None = None


class SqlSpec(_Spec):
    """A Cloud SQL instance and its automated backups."""

    name: str
    region: str
    version: str = "POSTGRES_15"
    backups: bool = False
    start: str = "02:00"
    retained: int = 7
    pitr: bool = False
    log_days: int = 7
    deletion_protection: bool = False
    cmek: bool = False
    backup_location: str | None = Field(None, description="eu, us … or a region")
    labels: dict[str, str] = Field(default_factory=dict)
    runs: Series | None = None
    failed_runs: list[str] = Field(default_factory=list, description="ages of FAILED runs")
    replicas: dict[str, str] = Field(default_factory=dict, description="name → region")
    created: str = "400d"


class VaultSpec(_Spec):
    """A Backup and DR vault: a minimum enforced retention, locked or not yet."""

    name: str
    location: str
    min_retention_days: int = 0
    locked: bool = False


class PlanSpec(_Spec):
    """A Backup and DR plan with one rule."""

    name: str
    location: str
    vault: str
    recurrence: Literal["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"] = "DAILY"
    retention_days: int = 30
    window: tuple[int, int] = (2, 6)


class ProtectedSpec(_Spec):
    """A Cloud SQL instance a plan protects, and the backups its vault holds."""

    instance: str
    plan: str
    backups: Series = Field(default_factory=Series)


class BackupDrSpec(_Spec):
    """Backup and DR in one project."""

    vaults: list[VaultSpec] = Field(default_factory=list)
    plans: list[PlanSpec] = Field(default_factory=list)
    protects: list[ProtectedSpec] = Field(default_factory=list)


class LogBucketSpec(_Spec):
    """A user-defined log bucket (``_Required`` and ``_Default`` exist in every project)."""

    name: str
    location: str = "global"
    retention_days: int = Field(30, ge=1, le=3650)
    locked: bool = False


class SinkSpec(_Spec):
    """A user-defined sink (``_Required`` and ``_Default`` exist in every project)."""

    name: str
    destination: str
    filter: str = ""
    disabled: bool = False


class AuditSpec(_Spec):
    """A project's audit trail: services whose Data Access logs are on (``allServices``
    for all), the ``_Default`` bucket's retention, further log buckets and sinks."""

    data_access: list[str] = Field(default_factory=list)
    default_retention_days: int = Field(30, ge=1, le=3650)
    log_buckets: list[LogBucketSpec] = Field(default_factory=list)
    sinks: list[SinkSpec] = Field(default_factory=list)


class ChannelSpec(_Spec):
    """A Cloud Monitoring notification channel."""

    name: str
    type: str = Field("email", description="email, pagerduty, slack, webhook_tokenauth …")
    enabled: bool = True


class AlertSpec(_Spec):
    """A log-match alert policy notifying channels (by name)."""

    name: str
    filter: str
    channels: list[str] = Field(default_factory=list)
    enabled: bool = True


class MonitoringSpec(_Spec):
    """A project's Cloud Monitoring alert policies and notification channels."""

    channels: list[ChannelSpec] = Field(default_factory=list)
    alerts: list[AlertSpec] = Field(default_factory=list)


class ProjectSpec(_Spec):
    """One project."""

    id: str
    buckets: list[BucketSpec] = Field(default_factory=list)
    firestore: list[FirestoreSpec] = Field(default_factory=list)
    sql: list[SqlSpec] = Field(default_factory=list)
    backupdr: BackupDrSpec = Field(default_factory=BackupDrSpec)
    audit: AuditSpec = Field(default_factory=AuditSpec)
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)


class GcpEstate(_Spec):
    """The ``gcp:`` section."""

    projects: list[ProjectSpec]
