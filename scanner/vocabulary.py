"""The one home of backup-audit's words: clouds, statuses, severities, protection roles,
recovery and copy kinds, key types, gap attributes and causes, store capabilities.

Every other module imports these instead of spelling them again, so a word means the
same thing in the inventory, the rules, the findings and the reports. The words are
cloud-neutral; each cloud maps its own services onto them in its collector folder.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Cloud = Literal["aws", "gcp", "azure"]
#: How each cloud writes its region names (locations on GCP, including multi-regions
#: such as ``eur3``; Azure's programmatic names such as ``westeurope``).
REGION_SYNTAX: Final[dict[str, str]] = {
    "aws": r"^[a-z]{2}(-[a-z]+)+-\d+$",
    "gcp": r"^([A-Z]+\d*|[a-z]+(-[a-z]+)*\d*)$",
    "azure": r"^[a-z]+\d*$",
}
CLOUDS: Final[tuple[str, ...]] = get_args(Cloud)

#: ``pending``: nothing could be observed yet (a new store before its first backup is
#: due; a retention longer than the store has existed) — neither a pass nor a fail.
Status = Literal["pass", "fail", "not_assessed", "excepted", "not_applicable", "pending"]
STATUSES: Final[tuple[str, ...]] = get_args(Status)
#: Statuses that count a result as covered.
COVERED_STATUSES: Final = ("pass", "excepted")

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: Final[tuple[str, ...]] = get_args(Severity)
SEVERITY_ORDER: Final[dict[str, int]] = {"low": 1, "medium": 2, "high": 3, "critical": 4}

#: What a protection does for the data, whatever the cloud calls it:
#: backup — a restorable copy kept apart from the data (snapshots, backup plans);
#: continuous — point-in-time restore over a window;
#: versioning — earlier versions of objects are kept;
#: replication — the data is copied to another store as it changes;
#: soft_delete — deleted data can be undeleted for a while;
#: retention_lock — data or copies cannot be deleted before their retention ends.
ProtectionRole = Literal[
    "backup", "continuous", "versioning", "replication", "soft_delete", "retention_lock"
]
PROTECTION_ROLES: Final[tuple[str, ...]] = get_args(ProtectionRole)
#: The roles that make a restorable backup. Decided here, once: rules read ``derived.backups``.
BACKUP_ROLES: Final = ("backup", "continuous")

#: Who runs a protection: the store's own service, or a backup service's plan or policy
#: (AWS Backup, Google Cloud Backup and DR, Azure Backup).
ProtectionOrigin = Literal["native", "backup_service"]
ORIGINS: Final[tuple[str, ...]] = get_args(ProtectionOrigin)

#: Where recovery points come from: a continuous (point-in-time) window; a backup
#: service's vault; the store's own scheduled backups or snapshots; manual (on-demand) ones.
RecoveryKind = Literal["continuous", "backup_service", "native_backup", "manual"]
RECOVERY_KINDS: Final[tuple[str, ...]] = get_args(RecoveryKind)

#: Another copy of the data: a live replica of the store; replication of its objects to
#: another store; a copy of its backups; a geo-redundant secondary the provider keeps.
CopyKind = Literal["replica", "replication", "backup_copy", "geo_secondary"]
COPY_KINDS: Final[tuple[str, ...]] = get_args(CopyKind)
CopyState = Literal["configured", "observed"]
COPY_STATES: Final[tuple[str, ...]] = get_args(CopyState)

KeyType = Literal["provider_owned", "provider_managed", "customer_managed"]
KEY_TYPES: Final[tuple[str, ...]] = get_args(KeyType)  # least to most customer-controlled


def weakest_key(types: set[KeyType | None]) -> KeyType | None:
    """The least customer-controlled of several key types; None if any is unknown."""
    if not types or None in types:
        return None
    return min((t for t in types if t is not None), key=KEY_TYPES.index)


#: Whether a vault's (or a policy's) immutability can still be removed.
ImmutabilityState = Literal["locked", "unlocked", "disabled"]
IMMUTABILITY_STATES: Final[tuple[str, ...]] = get_args(ImmutabilityState)
#: Where a vault keeps its copies: one zone, several zones, a paired region (+ zones).
Redundancy = Literal["local", "zone", "geo", "geo_zone"]

#: Attributes of a store (or account) that a gap can leave unknown.
GapAttribute = Literal[
    "inventory",
    "tags",
    "location",
    "encryption",
    "encryption_key",
    "deletion_protection",
    "protections",
    "recovery_points",
    "copies",
    "attributes",
    "audit_trail",
    "alerting",
    "restores",
    "backup_jobs",
]
GAP_ATTRIBUTES: Final[tuple[str, ...]] = get_args(GapAttribute)

#: Which audit events a log configuration records: changes to resources or their
#: configuration (always recorded on Google Cloud), reads of configuration, reads and
#: writes of the data itself.
AuditEvent = Literal["admin_write", "admin_read", "data_read", "data_write"]
AUDIT_EVENTS: Final[tuple[str, ...]] = get_args(AuditEvent)

#: What kind of rule raises an alert: an activity-log alert, a metric alert, a log
#: (query) alert, or the alerts a backup vault raises by itself (Azure); an event rule,
#: a metric alarm or a vault's notifications (AWS EventBridge, CloudWatch, AWS Backup);
#: a log-match alert policy (Cloud Monitoring; its metric conditions are ``metric``).
AlertKind = Literal[
    "activity_log",
    "metric",
    "log_query",
    "vault_builtin",
    "event_rule",
    "alarm",
    "vault_notification",
    "log_match",
]
ALERT_KINDS: Final[tuple[str, ...]] = get_args(AlertKind)

#: How a backup job, copy job or restore ended, in neutral words: ``partial`` — it
#: finished but left some data out (AWS PARTIAL, Azure CompletedWithWarnings);
#: ``aborted`` — stopped or cancelled; ``expired`` — it never started within its window;
#: ``running`` — not finished when listed.
RunOutcome = Literal["succeeded", "failed", "partial", "aborted", "expired", "running"]
RUN_OUTCOMES: Final[tuple[str, ...]] = get_args(RunOutcome)
#: The outcomes that count as a failure of a backup or copy job.
FAILED_OUTCOMES: Final = ("failed", "partial", "aborted", "expired")
#: What a job made: a backup (a recovery point), or a copy of one elsewhere.
JobKind = Literal["backup", "copy"]
JOB_KINDS: Final[tuple[str, ...]] = get_args(JobKind)

#: Why a read failed. Only ``denied`` is fixed by granting a permission; ``unobservable``:
#: the provider offers no read of the fact at all (Cosmos DB's periodic backups).
GapCause = Literal[
    "denied",
    "not_found",
    "throttled",
    "timeout",
    "unreachable",
    "dependent",
    "unobservable",
    "error",
]
GAP_CAUSES: Final[tuple[str, ...]] = get_args(GapCause)

#: What a kind of store can have; rules may apply only to kinds with a capability.
Capability = Literal[
    "deletion_protection",
    "backup",
    "continuous",
    "versioning",
    "replication",
    "soft_delete",
    "retention_lock",
]
CAPABILITIES: Final[tuple[str, ...]] = get_args(Capability)
