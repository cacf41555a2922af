"""The normalized inventory: one shape for every cloud's data stores and their backups.

Collectors turn API answers into these records; rules read them. A value that could not
be read is ``None`` together with a :class:`Gap` naming the attribute — never a default.
The snapshot on disk is versioned (``schema``) and written deterministically by
:mod:`scanner.inventory`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID: Final = "backup-audit/inventory/v1"

Cloud = Literal["aws", "gcp", "azure"]
Scalar = str | int | float | bool | None

#: Attributes of a DataStore that a Gap can leave unknown.
GapAttribute = Literal[
    "inventory",
    "tags",
    "encryption",
    "deletion_protection",
    "protections",
    "recovery_points",
    "copies",
    "attributes",
]

ProtectionKind = Literal[
    "pitr",
    "automated_backup",
    "backup_plan",
    "versioning",
    "replication",
    "object_lock",
]

CopyKind = Literal[
    "replica",
    "replication",
    "backup_copy",
    "automated_backup_replica",
    "read_replica",
    "global_cluster_member",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Record):
    """The API answer a fact rests on: operation, region and the field values read."""

    operation: str
    region: str | None = None
    fields: dict[str, Scalar] = Field(default_factory=dict)


class Gap(_Record):
    """An attribute that could not be read, why, and the permission that would fix it."""

    attribute: GapAttribute
    operation: str
    error_code: str
    message: str
    permission: str | None = None
    region: str | None = None
    resource: str | None = None


class Window(_Record):
    """When a backup starts (local time in ``timezone``) and how long it may run."""

    start: str | None = None
    duration_minutes: int | None = None
    timezone: str = "UTC"


class Protection(_Record):
    """Something that keeps a restorable copy, with its provenance and parameters.

    ``frequency_hours`` is the longest interval between scheduled copies (``None`` for
    continuous protection or when not scheduled); ``retention_days`` is ``None`` when
    ``retention_unbounded`` (kept until deleted) or when retention does not apply.
    """

    kind: ProtectionKind
    source: str
    name: str
    enabled: bool
    continuous: bool = False
    frequency_hours: float | None = None
    retention_days: float | None = None
    retention_unbounded: bool = False
    window: Window | None = None
    immutable: bool | None = None
    details: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


RecoveryKind = Literal["pitr", "aws_backup", "on_demand", "snapshot"]


class RecoverySource(_Record):
    """Recovery points of one kind (PITR window, AWS Backup points, snapshots …)."""

    kind: RecoveryKind
    continuous: bool = False
    newest: datetime | None = None
    oldest: datetime | None = None
    count: int = 0
    encrypted: bool | None = None
    details: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class RecoveryPoints(_Record):
    """Summary over all sources: newest and oldest restorable point, count, largest gap.

    ``max_gap_hours`` is the largest interval between consecutive restorable points,
    where a continuous window counts as having no gap inside it.
    """

    newest: datetime | None = None
    oldest: datetime | None = None
    count: int = 0
    max_gap_hours: float | None = None
    sources: list[RecoverySource] = Field(default_factory=list)


class Copy(_Record):
    """Another copy of the data and where it lives; ``region`` is None when unresolved."""

    kind: CopyKind
    target: str
    region: str | None = None
    account: str | None = None
    resolved: bool
    state: Literal["configured", "observed"]
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


KeyType = Literal["provider_owned", "provider_managed", "customer_managed"]


class Encryption(_Record):
    """Encryption at rest of the primary data."""

    enabled: bool
    key_type: KeyType | None
    key_id: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class DataStore(_Record):
    """One data store (table, bucket, database …) with everything known about its backups.

    ``evidence`` backs the store-level facts (deletion protection, attributes); each
    protection, recovery source, copy and the encryption carry their own.
    """

    id: str
    cloud: Cloud
    account: str
    region: str
    kind: str
    name: str
    tags: dict[str, str] | None = None
    encryption: Encryption | None = None
    deletion_protection: bool | None = None
    protections: list[Protection] = Field(default_factory=list)
    recovery_points: RecoveryPoints = Field(default_factory=RecoveryPoints)
    copies: list[Copy] = Field(default_factory=list)
    attributes: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class BackupPlanRule(_Record):
    """One rule of a backup plan (AWS Backup plan rule, Azure policy rule …)."""

    name: str
    vault: str
    schedule: str | None = None
    frequency_hours: float | None = None
    retention_days: float | None = None
    continuous: bool = False
    window: Window | None = None
    copy_targets: list[str] = Field(default_factory=list)


class BackupPlan(_Record):
    """A backup plan and the selections that decide what it covers."""

    id: str
    name: str
    region: str
    rules: list[BackupPlanRule] = Field(default_factory=list)
    selections: list[str] = Field(default_factory=list)
    last_execution: datetime | None = None


class Vault(_Record):
    """A backup vault: where recovery points live, their key, lock and access policy."""

    id: str
    name: str
    region: str
    account: str
    encryption_key: str | None = None
    encryption_key_type: str | None = None
    locked: bool | None = None
    lock_mode: Literal["compliance", "governance", "none"] | None = None
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    lock_date: datetime | None = None
    denies_recovery_point_deletion: bool | None = None
    recovery_point_count: int | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class AccountFacts(_Record):
    """Account-level facts: regions scanned, backup plans and vaults, account gaps."""

    cloud: Cloud
    account: str
    regions: list[str] = Field(default_factory=list)
    backup_plans: list[BackupPlan] = Field(default_factory=list)
    vaults: list[Vault] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class Scope(_Record):
    """What the snapshot covers."""

    clouds: list[Cloud]
    accounts: list[str]
    regions: list[str]


class Snapshot(_Record):
    """The inventory snapshot: the versioned envelope written to ``inventory.json``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_id: Literal["backup-audit/inventory/v1"] = Field(default=SCHEMA_ID, alias="schema")
    tool_version: str
    collected_at: datetime
    scope: Scope
    stores: list[DataStore] = Field(default_factory=list)
    accounts: list[AccountFacts] = Field(default_factory=list)
