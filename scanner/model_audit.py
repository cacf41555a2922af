"""What an account records about itself and who hears of its failures: audit-log
configurations, log stores and routes (an account's audit trail) and alert rules with
their targets — the account facts the operations-evidence rules judge."""

from __future__ import annotations

from pydantic import Field

from scanner.model_base import Evidence, Record, WholeDays
from scanner.vocabulary import AlertKind, AuditEvent


class AuditLogConfig(Record):
    """The audit events an account records for one service (``*``: every service; or one
    resource, by its id), in which regions (``None``: wherever the service is), and the
    principals exempted from them."""

    service: str
    events: list[AuditEvent]
    regions: list[str] | None = None
    exempted: list[str] = Field(default_factory=list)
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class LogStore(Record):
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


class LogRoute(Record):
    """What sends log records somewhere (a sink, a trail): destination, the filter that
    selects records (``None``: all), the filters of exclusions that drop some, and
    whether it is on (``None``: its status could not be read)."""

    id: str
    name: str
    destination: str
    filter: str | None = None
    exclusions: list[str] = Field(default_factory=list)
    enabled: bool | None
    source: str
    evidence: list[Evidence] = Field(default_factory=list)


class AuditTrail(Record):
    """An account's audit trail as read; a list is ``None`` when it could not be read
    (an ``audit_trail`` gap of the account says why) and ``[]`` when it was read empty."""

    configs: list[AuditLogConfig] | None = None
    log_stores: list[LogStore] | None = None
    routes: list[LogRoute] | None = None


class AlertTarget(Record):
    """Whom an alert rule notifies (an action group, a topic, a channel): whether it is
    on and the kinds of receiver it has (``email``, ``webhook`` …); ``None``: not read
    (another account's, or its listing failed)."""

    id: str
    enabled: bool | None = None
    receivers: list[str] | None = None


class AlertRule(Record):
    """A rule that raises an alert: what it watches (``scopes``: resource or account
    ids), its condition as the provider states it, whether that condition is a failed
    backup job (``backup_failures``), whether it is on (``None``: the answer does not
    say), and whom it notifies (``targets``; ``None``: the provider routes it elsewhere
    and that was not read). ``regions``: where the events it watches happen, for a rule
    that sees one region only (an EventBridge rule, a CloudWatch alarm); ``None``: every
    region of its scopes."""

    id: str
    name: str
    kind: AlertKind
    enabled: bool | None
    scopes: list[str]
    condition: str
    backup_failures: bool
    targets: list[AlertTarget] | None
    regions: list[str] | None = None
    source: str
    evidence: list[Evidence] = Field(default_factory=list)
