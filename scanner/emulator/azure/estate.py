"""The ``azure:`` section of an emulated estate (``samples/estate.yaml``): subscriptions
with Cosmos DB accounts, storage accounts, SQL servers and databases, Backup vaults and
Azure Monitor (a workspace, diagnostic settings, a backup alert).

Times are ages relative to "now" (``10h``, ``400d``); a series of recovery points is
``{every, newest, count}``. Seeding into the fake is :mod:`scanner.emulator.azure.seed`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scanner.emulator.ages import Series


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CosmosSpec(_Spec):
    """A Cosmos DB account: continuous backup, or periodic with its storage redundancy."""

    name: str
    regions: list[str] = Field(description="Display names, write region first: West Europe …")
    mode: Literal["continuous", "periodic"] = "periodic"
    tier_days: Literal[7, 30] = 7
    interval_minutes: int = Field(240, ge=60, le=1440)
    retention_hours: int = Field(8, ge=8, le=720)
    redundancy: Literal["Geo", "Zone", "Local"] = "Geo"
    cmk: bool = False
    audit_logs: bool = Field(False, description="A diagnostic setting sending its logs")
    tags: dict[str, str] = Field(default_factory=dict)
    created: str = "400d"


class StorageSpec(_Spec):
    """A storage account and its blob service settings."""

    name: str = Field(pattern=r"^[a-z0-9]{3,24}$")
    location: str = "westeurope"
    sku: Literal["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] = "LRS"
    soft_delete_days: int | None = None
    versioning: bool = False
    version_days: int | None = Field(None, description="A lifecycle rule deleting versions")
    pitr_days: int | None = None
    immutability_days: int | None = None
    immutability_locked: bool = False
    cmk: bool = False
    audit_logs: bool = Field(False, description="A diagnostic setting sending its logs")
    tags: dict[str, str] = Field(default_factory=dict)
    created: str = "400d"


class DatabaseSpec(_Spec):
    """An Azure SQL database with its backup settings."""

    name: str
    pitr_days: int = Field(7, ge=1, le=35)
    weekly: str = "PT0S"
    monthly: str = "PT0S"
    yearly: str = "PT0S"
    ltr_locked: bool = False
    backup_redundancy: Literal["Geo", "GeoZone", "Zone", "Local"] = "Geo"
    replica_location: str | None = Field(None, description="A geo-replica's display name")
    audit_logs: bool = Field(False, description="A diagnostic setting sending its logs")
    tags: dict[str, str] = Field(default_factory=dict)
    created: str = "400d"


class ServerSpec(_Spec):
    """A SQL server and its databases (``master`` is added, as Azure does)."""

    name: str
    location: str = "westeurope"
    auditing: bool = Field(False, description="Server auditing to storage and Azure Monitor")
    databases: list[DatabaseSpec] = Field(default_factory=list)


class JobSpec(_Spec):
    """A job the vault ran for the account, besides the successful backup behind each
    recovery point (which the seed adds)."""

    operation: Literal["Backup", "Restore"]
    status: Literal["Completed", "Failed", "Cancelled", "CompletedWithWarnings", "InProgress"]
    started: str = Field(description="How long ago it started: 3d")
    hours: float | None = Field(0.25, ge=0, description="How long it ran (None: still running)")
    error: str | None = Field(None, description="errorDetails as 'Code: message'")
    user: bool = Field(True, description="Started by someone (isUserTriggered), not scheduled")


class ProtectedSpec(_Spec):
    """A storage account a vault's policy protects, its recovery points and jobs."""

    account: str
    points: Series = Field(default_factory=Series)
    jobs: list[JobSpec] = Field(default_factory=list)


class VaultSpec(_Spec):
    """A Backup vault with one daily policy for blobs."""

    name: str
    location: str = "westeurope"
    redundancy: Literal["GeoRedundant", "ZoneRedundant", "LocallyRedundant"] = "LocallyRedundant"
    immutability: Literal["Locked", "Unlocked", "Disabled"] = "Disabled"
    soft_delete_days: int = 14
    keep: str = Field("P30D", description="How long the policy keeps a backup (ISO 8601)")
    job_failure_alerts: Literal["Enabled", "Disabled"] | None = "Enabled"
    protects: list[ProtectedSpec] = Field(default_factory=list)


class MonitorSpec(_Spec):
    """Azure Monitor: a Log Analytics workspace that stores' diagnostic settings send to,
    the activity log exported there, and a metric alert on Backup vault health."""

    workspace_days: int | None = Field(None, ge=4, le=4383)
    activity_log_export: bool = False
    backup_alert: Literal["none", "disabled", "no_receivers", "email"] = "none"


class SubscriptionSpec(_Spec):
    """One subscription."""

    id: str = Field(pattern=r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
    cosmos: list[CosmosSpec] = Field(default_factory=list)
    storage: list[StorageSpec] = Field(default_factory=list)
    sql: list[ServerSpec] = Field(default_factory=list)
    vaults: list[VaultSpec] = Field(default_factory=list)
    monitor: MonitorSpec = Field(default_factory=MonitorSpec)


class AzureEstate(_Spec):
    """The ``azure:`` section."""

    subscriptions: list[SubscriptionSpec]
