"""The normalized inventory (``backup-audit/inventory/v2``): one shape for every cloud.

Collectors turn API answers into these records; rules read them. A value that could not
be read is ``None`` together with a :class:`Gap` naming the attribute — never a default.
The words (roles, kinds, key types …) come from :mod:`scanner.vocabulary`; each record
keeps the cloud's own name for the mechanism in ``source``. The snapshot on disk is
versioned (``schema``) and written deterministically by :mod:`scanner.inventory`;
version 1 files are converted on read (:mod:`scanner.inventory_v1`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import ConfigDict, Field, model_validator

from scanner.model_audit import AlertRule as AlertRule
from scanner.model_audit import AlertTarget as AlertTarget
from scanner.model_audit import AuditLogConfig as AuditLogConfig
from scanner.model_audit import AuditTrail as AuditTrail
from scanner.model_audit import LogRoute as LogRoute
from scanner.model_audit import LogStore as LogStore
from scanner.model_base import CLOCK_SKEW as CLOCK_SKEW
from scanner.model_base import Count as Count
from scanner.model_base import Days as Days
from scanner.model_base import Evidence as Evidence
from scanner.model_base import GapHours as GapHours
from scanner.model_base import Hours as Hours
from scanner.model_base import Record
from scanner.model_base import Scalar as Scalar
from scanner.model_base import WholeDays as WholeDays
from scanner.model_ops import JobRun as JobRun
from scanner.model_ops import RestoreRun as RestoreRun
from scanner.vocabulary import (
    Cloud,
    CopyKind,
    CopyState,
    GapAttribute,
    GapCause,
    ImmutabilityState,
    KeyType,
    ProtectionOrigin,
    ProtectionRole,
    RecoveryKind,
    Redundancy,
)

SCHEMA_ID: Final = "backup-audit/inventory/v2"


def _in_order(oldest: datetime | None, newest: datetime | None) -> None:
    if oldest is not None and newest is not None and oldest > newest:
        raise ValueError(f"oldest {oldest.isoformat()} is after newest {newest.isoformat()}")


class Gap(Record):
    """An attribute that could not be read: the operation, why (``cause``), and the
    permission the operation needs — the fix only when ``cause`` is ``denied``.

    A ``protections`` gap may name the ``role`` of the protection that could not be read
    (an unreadable versioning setting): rules that never count that role are unaffected.
    ``request_id`` is the provider's id of the call the gap comes from (the failed call's
    error answer, or the answer that revealed the gap), where one came back; several,
    joined with ", ", when the same failure was met in several calls.
    """

    attribute: GapAttribute
    operation: str
    error_code: str
    cause: GapCause
    message: str
    role: ProtectionRole | None = None
    permission: str | None = None
    region: str | None = None
    resource: str | None = None
    request_id: str | None = None


class Window(Record):
    """When a backup starts (local time in ``timezone``) and how long it may run."""

    start: str | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    timezone: str = "UTC"


class Protection(Record):
    """Something that keeps restorable data, in neutral terms beside the cloud's own.

    ``role`` says what it does (see :data:`scanner.vocabulary.ProtectionRole`), ``origin``
    whether the store's service or a backup service runs it, ``source`` the mechanism in
    the cloud's words (``DynamoDB point-in-time recovery``, ``AWS Backup``). ``frequency_hours``
    is the longest interval between scheduled copies (``None`` when continuous or not
    scheduled); ``retention_days`` is ``None`` when ``retention_unbounded`` (kept until
    deleted) or unknown. ``vault`` is where its copies are kept, when a vault keeps them.
    """

    role: ProtectionRole
    origin: ProtectionOrigin
    source: str
    name: str
    enabled: bool
    frequency_hours: Hours | None = None
    retention_days: Days | None = None
    retention_unbounded: bool = False
    window: Window | None = None
    immutable: bool | None = None
    vault: str | None = None
    details: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class RecoverySource(Record):
    """Recovery points of one kind and mechanism (a PITR window, a vault's points …).

    ``points`` are the creation times of the discrete points (empty for a continuous
    window, whose span is ``oldest`` → ``newest``); ``vaults`` the vaults holding them;
    ``encrypted`` and ``key_type`` describe the copies themselves, not the store.
    """

    kind: RecoveryKind
    source: str
    newest: datetime | None = None
    oldest: datetime | None = None
    count: Count = 0
    points: list[datetime] = Field(default_factory=list)
    vaults: list[str] = Field(default_factory=list)
    encrypted: bool | None = None
    key_type: KeyType | None = None
    details: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _oldest_first(self) -> RecoverySource:
        _in_order(self.oldest, self.newest)
        return self


class RecoveryPoints(Record):
    """Summary over all sources: newest and oldest restorable point, count, largest gap.

    ``max_gap_hours`` is the largest interval between consecutive restorable points,
    where a continuous window counts as having no gap inside it.
    """

    newest: datetime | None = None
    oldest: datetime | None = None
    count: Count = 0
    max_gap_hours: GapHours | None = None
    sources: list[RecoverySource] = Field(default_factory=list)
    #: what the listings answered, absences included ("returned 0 backups for this table")
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _oldest_first(self) -> RecoveryPoints:
        _in_order(self.oldest, self.newest)
        return self


class Copy(Record):
    """Another copy of the data and where it lives; ``region`` is None when unresolved.
    ``observable`` is false for a configured copy that no API shows, wherever one scans
    (the paired-region secondary of a provider's geo-redundant backup storage)."""

    kind: CopyKind
    target: str
    region: str | None = None
    account: str | None = None
    resolved: bool
    state: CopyState
    observable: bool = True
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class Encryption(Record):
    """Encryption at rest of the primary data; ``key_type`` None when the key is unknown."""

    enabled: bool
    key_type: KeyType | None
    key_id: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class StoreOutline(Record):
    """What a first pass over an estate reads of a store (decision 55): who it is, its
    tags (its policy), its protections and gaps (its backup windows). The rest of the
    store's JSON is skipped, not checked: a store is validated whole, as a
    :class:`DataStore`, when it is judged."""

    model_config = ConfigDict(extra="ignore")

    id: str
    cloud: Cloud
    account: str
    region: str
    regions: list[str] | None
    kind: str
    name: str
    #: ``geo`` when the location itself keeps the data in several regions (a multi- or
    #: dual-region) though they are not listed in ``regions``; None when single-region or
    #: not said
    redundancy: Redundancy | None = None
    created_at: datetime | None = None
    tags: dict[str, str] | None = None
    protections: list[Protection] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class DataStore(StoreOutline):
    """One data store (table, bucket, database …) with everything known about its backups.

    ``region`` is the location as the provider names it (``eu-west-1``, ``EU``, ``eur3``,
    ``westeurope``); ``regions`` every region that holds the primary data (the members
    of a dual- or multi-region location; ``None`` when unresolved, with a ``location``
    gap). ``created_at`` is when the store was created (``None`` when the API does not
    say). ``evidence`` backs the store-level facts (location, tags, creation, deletion
    protection, attributes). ``restores`` and ``backup_jobs`` are what the provider
    listed of them (``None``: no API of the provider lists them for this kind — only the
    restore-evidence file can show restores; a listing that failed leaves a gap);
    ``backup_jobs_from``: the earliest time from which the job listing shows every job
    (AWS keeps 30 days of backup jobs; ``None``: as far back as the store's history).
    """

    model_config = ConfigDict(extra="forbid")

    encryption: Encryption | None = None
    deletion_protection: bool | None = None
    recovery_points: RecoveryPoints = Field(default_factory=RecoveryPoints)
    copies: list[Copy] = Field(default_factory=list)
    restores: list[RestoreRun] | None = None
    backup_jobs: list[JobRun] | None = None
    backup_jobs_from: datetime | None = None
    attributes: dict[str, Scalar] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class BackupPlanRule(Record):
    """One rule of a backup plan (AWS Backup plan rule, Azure policy rule …)."""

    name: str
    vault: str
    schedule: str | None = None
    frequency_hours: Hours | None = None
    retention_days: Days | None = None
    continuous: bool = False
    window: Window | None = None
    copy_targets: list[str] = Field(default_factory=list)


class BackupPlan(Record):
    """A backup plan and the selections that decide what it covers."""

    id: str
    name: str
    region: str
    rules: list[BackupPlanRule] = Field(default_factory=list)
    selections: list[str] = Field(default_factory=list)
    last_execution: datetime | None = None


class Immutability(Record):
    """A vault's immutability: ``locked`` cannot be undone, ``unlocked`` still can."""

    state: ImmutabilityState
    min_retention_days: WholeDays | None = None
    max_retention_days: WholeDays | None = None
    locked_since: datetime | None = None


class SoftDelete(Record):
    """Whether deleted recovery points can be recovered, and for how long."""

    enabled: bool
    retention_days: WholeDays | None = None


class Vault(Record):
    """A backup vault: where recovery points live, their key, immutability and redundancy.

    ``None`` in any field means unknown (a gap on the account says why) or, for
    ``soft_delete`` and ``redundancy``, that the provider has no such setting.
    """

    id: str
    name: str
    region: str
    account: str
    key_type: KeyType | None = None
    key_id: str | None = None
    immutability: Immutability | None = None
    soft_delete: SoftDelete | None = None
    redundancy: Redundancy | None = None
    denies_recovery_point_deletion: bool | None = None
    recovery_point_count: Count | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class AccountFacts(Record):
    """One account (project, subscription): regions scanned, plans, vaults, its audit
    trail and alert rules (``None``: not collected for this cloud; a listing that failed
    leaves an ``audit_trail`` or ``alerting`` gap beside what the others showed) and
    gaps."""

    cloud: Cloud
    account: str
    name: str | None = None
    regions: list[str] = Field(default_factory=list)
    backup_plans: list[BackupPlan] = Field(default_factory=list)
    vaults: list[Vault] = Field(default_factory=list)
    audit_trail: AuditTrail | None = None
    alert_rules: list[AlertRule] | None = None
    gaps: list[Gap] = Field(default_factory=list)


class ApiCalls(Record):
    """How often one API operation was called, and the retries sent on top."""

    cloud: Cloud
    service: str
    operation: str
    calls: Count
    retries: Count = 0


class Principal(Record):
    """Who collected: the identity the cloud saw (an ARN, a service account, an app id)."""

    cloud: Cloud
    account: str
    principal: str


class Scope(Record):
    """What the snapshot covers."""

    clouds: list[Cloud]
    accounts: list[str]
    regions: list[str]


class SnapshotPart(Record):
    """One snapshot that ``backup-audit merge`` joined into this one."""

    collected_at: datetime
    tool_version: str
    scope: Scope


class Snapshot(Record):
    """The inventory snapshot: the versioned envelope written to ``inventory.json``.

    ``api_calls`` lists the operations actually called (``None`` when the snapshot does
    not record them: converted from v1); ``parts`` the snapshots a merge joined.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_id: Literal["backup-audit/inventory/v2"] = Field(default=SCHEMA_ID, alias="schema")
    tool_version: str
    collected_at: datetime
    scope: Scope
    stores: list[DataStore] = Field(default_factory=list)
    accounts: list[AccountFacts] = Field(default_factory=list)
    api_calls: list[ApiCalls] | None = None
    principals: list[Principal] = Field(default_factory=list)
    parts: list[SnapshotPart] = Field(default_factory=list)
