"""The normalized inventory (``backup-audit/inventory/v2``): one shape for every cloud.

Collectors turn API answers into these records; rules read them. A value that could not
be read is ``None`` together with a :class:`Gap` naming the attribute — never a default.
The words (roles, kinds, key types …) come from :mod:`scanner.vocabulary`; each record
keeps the cloud's own name for the mechanism in ``source``. The snapshot on disk is
versioned (``schema``) and written deterministically by :mod:`scanner.inventory`;
version 1 files are converted on read (:mod:`scanner.inventory_v1`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.vocabulary import (
    AlertKind,
    AuditEvent,
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

Scalar = str | int | float | bool | None


#: Bounds that no real answer exceeds: a number outside them is a damaged file.
Count = Annotated[int, Field(ge=0, le=10**9)]
Hours = Annotated[float, Field(gt=0, le=1000 * 365 * 24)]
GapHours = Annotated[float, Field(ge=0, le=1000 * 365 * 24)]
Days = Annotated[float, Field(ge=0, le=1000 * 365)]
WholeDays = Annotated[int, Field(ge=0, le=1000 * 365)]
#: Clock skew tolerated between a collector and the APIs it read.
CLOCK_SKEW = timedelta(days=1)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _in_order(oldest: datetime | None, newest: datetime | None) -> None:
    if oldest is not None and newest is not None and oldest > newest:
        raise ValueError(f"oldest {oldest.isoformat()} is after newest {newest.isoformat()}")


class Evidence(_Record):
    """The API answer a fact rests on: operation, region, the field values read, and the
    provider's request id where the SDK returned one (to find the call in its logs).

    An answer read in several pages, or fields read from several calls, carry every
    call's request id, in call order, joined with ", "."""

    operation: str
    region: str | None = None
    fields: dict[str, Scalar] = Field(default_factory=dict)
    request_id: str | None = None


class Gap(_Record):
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


class Window(_Record):
    """When a backup starts (local time in ``timezone``) and how long it may run."""

    start: str | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    timezone: str = "UTC"


class Protection(_Record):
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


class RecoverySource(_Record):
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


class RecoveryPoints(_Record):
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


class Copy(_Record):
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


class Encryption(_Record):
    """Encryption at rest of the primary data; ``key_type`` None when the key is unknown."""

    enabled: bool
    key_type: KeyType | None
    key_id: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class DataStore(_Record):
    """One data store (table, bucket, database …) with everything known about its backups.

    ``region`` is the location as the provider names it (``eu-west-1``, ``EU``, ``eur3``,
    ``westeurope``); ``regions`` every region that holds the primary data (the members
    of a dual- or multi-region location; ``None`` when unresolved, with a ``location``
    gap). ``created_at`` is when the store was created (``None`` when the API does not
    say). ``evidence`` backs the store-level facts (location, tags, creation, deletion
    protection, attributes).
    """

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
    frequency_hours: Hours | None = None
    retention_days: Days | None = None
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


class Immutability(_Record):
    """A vault's immutability: ``locked`` cannot be undone, ``unlocked`` still can."""

    state: ImmutabilityState
    min_retention_days: WholeDays | None = None
    max_retention_days: WholeDays | None = None
    locked_since: datetime | None = None


class SoftDelete(_Record):
    """Whether deleted recovery points can be recovered, and for how long."""

    enabled: bool
    retention_days: WholeDays | None = None


class Vault(_Record):
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


class AuditLogConfig(_Record):
    """The audit events an account records for one service (``*``: every service) and
    the principals exempted from them."""

    service: str
    events: list[AuditEvent]
    exempted: list[str] = Field(default_factory=list)
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class LogStore(_Record):
    """Where log records are kept (a log bucket, a trail's bucket, a workspace): for how
    long, whether that can be shortened (``locked``), in which regions (``None``: the
    provider does not say), and whether it is being deleted (``active`` false)."""

    id: str
    name: str
    region: str
    regions: list[str] | None = None
    retention_days: WholeDays | None = None
    locked: bool | None = None
    active: bool = True
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class LogRoute(_Record):
    """What sends log records somewhere (a sink, a trail): destination, the filter that
    selects records (``None``: all) and the filters of exclusions that drop some."""

    id: str
    name: str
    destination: str
    filter: str | None = None
    exclusions: list[str] = Field(default_factory=list)
    enabled: bool
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class AuditTrail(_Record):
    """An account's audit trail as read; a list is ``None`` when it could not be read
    (an ``audit_trail`` gap of the account says why) and ``[]`` when it was read empty."""

    configs: list[AuditLogConfig] | None = None
    log_stores: list[LogStore] | None = None
    routes: list[LogRoute] | None = None


class AlertTarget(_Record):
    """Whom an alert rule notifies (an action group, a topic, a channel): whether it is
    on and the kinds of receiver it has (``email``, ``webhook`` …); ``None``: not read
    (another account's, or its listing failed)."""

    id: str
    enabled: bool | None = None
    receivers: list[str] | None = None


class AlertRule(_Record):
    """A rule that raises an alert: what it watches (``scopes``: resource or account
    ids), its condition as the provider states it, whether that condition is a failed
    backup job (``backup_failures``), whether it is on (``None``: the answer does not
    say), and whom it notifies (``targets``; ``None``: the provider routes it elsewhere
    and that was not read)."""

    id: str
    name: str
    kind: AlertKind
    enabled: bool | None
    scopes: list[str]
    condition: str
    backup_failures: bool
    targets: list[AlertTarget] | None
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class AccountFacts(_Record):
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


class ApiCalls(_Record):
    """How often one API operation was called, and the retries sent on top."""

    cloud: Cloud
    service: str
    operation: str
    calls: Count
    retries: Count = 0


class Principal(_Record):
    """Who collected: the identity the cloud saw (an ARN, a service account, an app id)."""

    cloud: Cloud
    account: str
    principal: str


class Scope(_Record):
    """What the snapshot covers."""

    clouds: list[Cloud]
    accounts: list[str]
    regions: list[str]


class SnapshotPart(_Record):
    """One snapshot that ``backup-audit merge`` joined into this one."""

    collected_at: datetime
    tool_version: str
    scope: Scope


class Snapshot(_Record):
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
