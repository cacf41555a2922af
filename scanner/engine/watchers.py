"""Who would hear of a store's failed backups (``derived.alerting``) and which audit
records are kept of it (``derived.audit``), from its account's neutral alert rules and
audit-log configurations.

A verdict in one direction needs the whole picture: one certain alert path covers a
store, but "no path" holds only when every rule and the account's listings were read; a
configuration that records an event decides, its absence only when the account's audit
trail was read without a gap.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.registry import StoreKind
from scanner.model import AccountFacts, AlertRule, AuditLogConfig, DataStore


def rule_text(rule: AlertRule) -> str:
    """An alert rule in messages."""
    return f"{rule.name} ({rule.kind}, {rule.source})"


def config_text(config: AuditLogConfig) -> str:
    """An audit-log configuration in messages."""
    return f"{config.service} ({config.source})"


def alerting_facts(store: DataStore, account: AccountFacts | None) -> dict[str, Any]:
    """The enabled backup-failure alert rules that watch the store and notify someone
    (``paths``, their ids ``path_ids``); ``covered`` when decided — true on one certain
    path, false when every rule was read and none can be a path. The failures the
    providers' alerts are recognised on are backup services' jobs, so only a store a
    backup service protects can be watched; for a store only its own service backs up
    the verdict stays open: alerts on those backups' failures (an RDS event
    subscription, a log metric) are not recognised, not known to be absent. ``open``
    says why a verdict is open."""
    rules = [] if account is None or account.alert_rules is None else account.alert_rules
    watching = [r for r in rules if r.backup_failures and _watches(r, store)]
    certain = [r for r in watching if r.enabled and _notifies(r) is True]
    maybe = [r for r in watching if r not in certain and r.enabled is not False]
    maybe = [r for r in maybe if _notifies(r) is not False]
    facts: dict[str, Any] = {
        "paths": [rule_text(r) for r in certain],
        "path_ids": [r.id for r in [*certain, *maybe]],
        "unknown_paths": [rule_text(r) for r in maybe],
    }
    read = account is not None and account.alert_rules is not None
    gapped = read and any(g.attribute == "alerting" for g in account.gaps)  # type: ignore[union-attr]
    service = _backup_service(store)
    if certain:
        facts["covered"] = True
    elif read and not gapped and not maybe and service:
        facts["covered"] = False
    else:
        facts["open"] = _why_open(service, maybe, read)
    return facts


def _why_open(service: bool | None, maybe: list[AlertRule], read: bool) -> str:
    if service is False:
        return "its backups are its own service's, whose failure alerts are not recognised"
    if maybe:
        return "rules that may alert could not be read in full: " + ", ".join(map(rule_text, maybe))
    if service is None:
        return "whether a backup service protects it could not be read"
    if not read:
        return "the account's alert rules were not read (a listing failed, or not collected)"
    return "an alert listing failed"


def _backup_service(store: DataStore) -> bool | None:
    """Whether a backup service protects the store (None: a protections gap may hide it)."""
    if any(p.enabled and p.origin == "backup_service" for p in store.protections):
        return True
    if any(s.kind == "backup_service" for s in store.recovery_points.sources):
        return True
    hidden = any(g.attribute == "protections" and g.role in (None, "backup") for g in store.gaps)
    return None if hidden else False


def _notifies(rule: AlertRule) -> bool | None:
    """True when a target not turned off has a receiver (a target without an on/off
    state, such as a queue, counts by its receivers); None when that is unknown."""
    if rule.targets is None:
        return None
    live = [t for t in rule.targets if t.enabled is not False]
    if any(t.receivers for t in live):
        return True
    return None if any(t.receivers is None for t in live) else False


def _watches(rule: AlertRule, store: DataStore) -> bool:
    """The rule sees the store's backup-service jobs: its region (for a one-region
    rule), and a scope that is its account, a prefix of its id, the store itself or a
    vault holding its backups (ids compared without case)."""
    if not _backup_service(store):
        return False
    if rule.regions is not None and store.region not in rule.regions:
        return False
    vaults = {p.vault.lower() for p in store.protections if p.vault}
    vaults |= {v.lower() for s in store.recovery_points.sources for v in s.vaults}
    own = {store.account.lower(), store.id.lower()}
    for scope in (s.lower().rstrip("/") for s in rule.scopes):
        if scope in own or scope in vaults or store.id.lower().startswith(scope + "/"):
            return True
    return False


def audit_facts(
    store: DataStore, account: AccountFacts | None, kind: StoreKind | None
) -> dict[str, Any]:
    """Whether the store's control-plane changes (``admin_write``) and its data reads and
    writes are recorded by an audit-log configuration that covers it (all services, its
    service, or the store itself, in its region). Absent when the account's trail could
    not be read and nothing known decides; data access is absent for a kind whose data
    access no configuration read records (a database engine's own audit log)."""
    trail = None if account is None else account.audit_trail
    configs = None if trail is None else trail.configs
    if configs is None:
        return {}
    services = {"*"} | {s.replace("{id}", store.id) for s in (kind.audit_services if kind else ())}
    covering = [
        c
        for c in configs
        if c.service in services and (c.regions is None or store.region in c.regions)
    ]
    events = {e for c in covering for e in c.events}
    gapped = any(g.attribute == "audit_trail" for g in account.gaps)  # type: ignore[union-attr]
    gapped |= any(g.attribute == "audit_trail" for g in store.gaps)
    facts: dict[str, Any] = {"configs": sorted({config_text(c) for c in covering})}
    if "admin_write" in events or not gapped:
        facts["control_plane"] = "admin_write" in events
    data = {"data_read", "data_write"} <= events
    if kind is not None and kind.audit_services and (data or not gapped):
        facts["data_access"] = data
    return facts
