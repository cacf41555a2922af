"""The shapes of what rules see besides the store: the resolved policy and derived facts.

The engine builds plain dicts of these shapes (for speed); the models document them,
give ``rules show`` its field list and let the rule loader check every field path.
A value that is unknown is *absent* from the dict, so reading it makes the rule
undecidable (not_assessed) instead of passing on a default.
"""

from __future__ import annotations

from pydantic import BaseModel

from scanner.model import Protection


class ResolvedPolicy(BaseModel):
    """The policy as it applies to one store (``policy`` in rule expressions)."""

    tier: str
    classification: str
    frameworks: list[str]
    rpo_hours: float
    rto_hours: float
    retention_days: float
    cross_region_copy: bool
    cross_account_copy: bool
    immutable: bool
    customer_managed_key: bool
    deletion_protection: bool
    restore_test_every_days: float | None = None
    sox_retention_days: float | None = None
    gdpr_max_retention_days: float | None = None
    residency_zone: str | None = None
    max_share_per_hour: float | None = None


class CopyLocation(BaseModel):
    """Where one copy lives relative to the store's residency zone."""

    target: str
    kind: str
    region: str | None = None
    in_zone: bool | None = None


class Residency(BaseModel):
    """The store's location and copies against its zone: ``primary_in_zone`` holds when
    every region of the store's location is in the zone; ``regions_outside`` names those
    that are not (both absent when the location is unresolved); ``copies_outside`` the
    copies known to lie outside."""

    zone: str
    primary_in_zone: bool | None = None
    regions_outside: list[str] | None = None
    copies: list[CopyLocation]
    copies_outside: list[str] = []
    #: the copies known to lie inside, as text for messages
    copies_inside: list[str] = []


class BackupWindow(BaseModel):
    """When a scheduled backup starts, in the policy's time zone."""

    protection: str
    start_local: str | None = None
    hour: int | None = None
    in_peak: bool | None = None
    hour_share: float | None = None
    #: a schedule that runs more than once a day (no single start): every N hours
    every_hours: float | None = None


class PeriodFacts(BaseModel):
    """The audit period for one store: judged from ``evaluated_from`` (the period's start,
    the store's creation, or as far back as its backups keep points — the reason says
    which); points created in it, the largest span in it with no restorable point, and
    the days on which no new restorable copy was made; ``in_period`` False when the
    store did not exist in the period. ``visible_from``: from when every point is surely
    still listed (before it, points may have expired by their retention);
    ``largest_visible_gap_hours`` is the largest gap from then on;
    ``restorable_observed``: a point or an open window lies in the period judged."""

    start: str
    end: str
    evaluated_from: str
    evaluated_from_reason: str
    visible_from: str
    history_complete: bool
    points: int
    largest_gap_hours: float | None = None
    largest_visible_gap_hours: float | None = None
    restorable_observed: bool | None = None
    days_without_new_copy: int
    #: False when the store was created after the period ended: nothing to judge
    in_period: bool


class VaultHolding(BaseModel):
    """A vault holding the store's recovery points or an observed copy of them."""

    vault: str
    state: str | None = None
    locked: bool | None = None
    key_type: str | None = None


class Complete(BaseModel):
    """``True`` for each store attribute without a gap (absent when a gap hides part)."""

    inventory: bool | None = None
    tags: bool | None = None
    location: bool | None = None
    encryption: bool | None = None
    encryption_key: bool | None = None
    deletion_protection: bool | None = None
    protections: bool | None = None
    recovery_points: bool | None = None
    copies: bool | None = None
    attributes: bool | None = None
    audit_trail: bool | None = None
    alerting: bool | None = None
    restores: bool | None = None
    backup_jobs: bool | None = None
    #: the audit period's history is wholly visible (no point in it may have expired)
    period_history: bool | None = None
    #: no copy is configured into another region / account this scan did not list
    copies_other_region: bool | None = None
    copies_other_account: bool | None = None


class RestoreFacts(BaseModel):
    """The store's restores (provider-listed and from the restore-evidence file): the
    latest finished one and whether it succeeded (validation included), the latest
    success, its age and its measured restore time. With a ``restores`` gap only
    ``count`` and ``runs`` are given (a later restore may be hidden)."""

    count: int
    #: the last five finished restores, as text
    runs: list[str] = []
    listed: str | None = None
    latest_ok: bool | None = None
    latest: str | None = None
    last_success: str | None = None
    last_success_age_days: float | None = None
    last_success_hours: float | None = None


class JobFacts(BaseModel):
    """Failed backup and copy jobs that started in the audit period, and those not
    followed by a success within the RPO (absent when the jobs are not listed)."""

    failures: list[str] | None = None
    failures_in_period: int | None = None
    #: failed and not closed by a success within the RPO, the RPO having passed
    unrecovered: list[str] | None = None
    #: failed, with the RPO not passed yet: a success is not due
    awaiting: list[str] | None = None
    #: from when the listing shows every job, when it does not reach back further
    listed_from: str | None = None


class AlertingFacts(BaseModel):
    """Enabled backup-failure alert rules watching the store that notify someone
    (``paths``), rules that might (``unknown_paths``), and ``covered`` when decided."""

    paths: list[str] = []
    path_ids: list[str] = []
    unknown_paths: list[str] = []
    #: why ``covered`` is absent
    open: str | None = None
    covered: bool | None = None


class AuditFacts(BaseModel):
    """Whether the store's control-plane changes and its data reads and writes are
    recorded by an audit-log configuration covering it (absent when unknown)."""

    configs: list[str] = []
    control_plane: bool | None = None
    data_access: bool | None = None


class Derived(BaseModel):
    """Facts the engine computes for one store (``derived`` in rule expressions).

    ``backups`` are the enabled protections whose role makes a restorable backup
    (:data:`scanner.vocabulary.BACKUP_ROLES`) — the one place that decides it. Ages are
    as of the collection time and never negative: a point stamped after the collection
    (clock skew) has age 0 and ``newest_after_collection_seconds`` says by how much.
    ``pending_first_backup``: a backup is configured, none observed yet, and the store is
    younger than its RPO (absent when any of that is unknown).
    """

    backups: list[Protection] = []
    complete: Complete = Complete()
    newest_age_hours: float | None = None
    newest_after_collection_seconds: float | None = None
    oldest_age_hours: float | None = None
    oldest_age_days: float | None = None
    store_age_days: float | None = None
    backup_state: str | None = None
    pending_first_backup: bool | None = None
    period: PeriodFacts | None = None
    vaults_holding: list[VaultHolding] = []
    vault_states: list[str] = []
    #: the same vaults with their key type, ``VAULT (KEY_TYPE)``, for messages
    vault_keys: list[str] = []
    #: each recovery source with the key type of its points, ``SOURCE (KEY_TYPE)``
    source_keys: list[str] = []
    copies_configured_unobserved: list[str] = []
    #: configured, unobserved copies in another region / account (text for messages)
    copies_unobserved_other_region: list[str] = []
    copies_unobserved_other_account: list[str] = []
    #: of those, the ones whose destination (account, region) this scan did not list
    copies_unread_other_region: list[str] = []
    copies_unread_other_account: list[str] = []
    primary_data_locks: list[str] = []
    residency: Residency | None = None
    windows: list[BackupWindow] = []
    restore: RestoreFacts | None = None
    backup_jobs: JobFacts | None = None
    alerting: AlertingFacts | None = None
    audit: AuditFacts | None = None
