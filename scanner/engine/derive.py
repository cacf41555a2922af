"""Facts the engine computes for rules (``derived``): what was observed, how old it is,
where it lives, which vaults hold it, the audit period, and backup windows.

Every fact here is computed from the store's own facts (and the snapshot's vaults), as
of the collection time. A fact that depends on something unknown is absent — rules that
read it become not_assessed — and an unknown list element stands for what a gap hid
(a vault of an unlisted point, a copy that could not be read). ``backups`` and
``complete`` come from :mod:`scanner.engine.variables`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.registry import store_kinds
from scanner.engine.operations import job_facts, restore_facts
from scanner.engine.period import Period, Retention, period_facts
from scanner.engine.resolve import PolicyResolver, Resolution
from scanner.engine.watchers import alerting_facts, audit_facts
from scanner.engine.windows import BackupWindows
from scanner.model import AccountFacts, Copy, DataStore, Vault
from scanner.policy import Policy
from scanner.vocabulary import BACKUP_ROLES

HOUR = 3600.0


class Deriver:
    """Computes ``derived`` for every store of one evaluation."""

    def __init__(
        self,
        policy: Policy,
        resolver: PolicyResolver,
        now: datetime,
        period: Period,
        vaults: dict[str, Vault],
        accounts: dict[str, AccountFacts] | None = None,
    ) -> None:
        self.policy, self.resolver, self.now = policy, resolver, now
        self.period, self.vaults = period, vaults
        self.accounts = accounts or {}
        #: (account, region) pairs this snapshot listed: copies elsewhere were not looked for
        self.scanned: set[tuple[str, str]] = set()
        self.backup_windows = BackupWindows(policy.windows, now)

    def derive(
        self, store: DataStore, resolution: Resolution, windows: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """``derived`` for one store, given its backup ``windows`` (whose hour shares span
        all stores: :meth:`BackupWindows.with_shares`)."""
        derived: dict[str, Any] = {"windows": windows}
        derived |= self._ages(store)
        derived["period"] = period_facts(
            store, self.period, retention_of(store, resolution.policy.get("rpo_hours")), self.now
        )
        derived["vaults_holding"] = self._vaults_holding(store)
        derived |= _vault_words(store, derived["vaults_holding"])
        derived |= _outcome(store, resolution.policy.get("rpo_hours"), derived)
        derived |= _notes(store, self.scanned)
        derived |= self._operations(store, resolution.policy.get("rpo_hours"))
        zone = resolution.policy.get("residency_zone")
        if zone is not None:
            derived["residency"] = self._residency(store, zone)
        return derived

    def _ages(self, store: DataStore) -> dict[str, Any]:
        """Ages as of the collection time, never negative (a point stamped after the
        collection has age 0 and says by how much)."""
        ages: dict[str, Any] = {}
        newest, oldest = store.recovery_points.newest, store.recovery_points.oldest
        if newest is not None:
            age = (self.now - newest).total_seconds()
            ages["newest_age_hours"] = max(age, 0.0) / HOUR
            if age < 0:
                ages["newest_after_collection_seconds"] = -age
        if oldest is not None:
            ages["oldest_age_hours"] = max((self.now - oldest).total_seconds(), 0.0) / HOUR
            ages["oldest_age_days"] = ages["oldest_age_hours"] / 24
        if store.created_at is not None:
            ages["store_age_days"] = max((self.now - store.created_at).total_seconds(), 0) / 86400
        return ages

    def _vaults_holding(self, store: DataStore) -> list[dict[str, Any]]:
        """Each vault holding the store's points or an observed copy, with its facts when
        the snapshot has them; an unknown entry when a listing failed."""
        held = {v for s in store.recovery_points.sources for v in s.vaults}
        held |= {
            c.target for c in store.copies if c.kind == "backup_copy" and c.state == "observed"
        }
        out: list[dict[str, Any]] = []
        for vault_id in sorted(held):
            entry: dict[str, Any] = {"vault": vault_id}
            vault = self.vaults.get(vault_id)
            if vault is not None and vault.immutability is not None:
                entry |= {
                    "state": vault.immutability.state,
                    "locked": vault.immutability.state == "locked",
                }
            if vault is not None and vault.key_type is not None:
                entry["key_type"] = vault.key_type
            out.append(entry)
        if {g.attribute for g in store.gaps} & {"recovery_points", "copies"}:
            out.append({})
        return out

    def _operations(self, store: DataStore, rpo_hours: float | None) -> dict[str, Any]:
        """Restores, failed jobs, alert paths and audit records (:mod:`.operations`)."""
        account = self.accounts.get(store.account)
        return {
            "restore": restore_facts(store, self.now),
            "backup_jobs": job_facts(store, rpo_hours, self.period, self.now),
            "alerting": alerting_facts(store, account),
            "audit": audit_facts(store, account, store_kinds().get(store.kind)),
        }

    def _residency(self, store: DataStore, zone: str) -> dict[str, Any]:
        copies: list[dict[str, Any]] = []
        for copy in store.copies:
            item: dict[str, Any] = {"target": copy.target, "kind": copy.kind}
            if copy.region is not None:
                item["region"] = copy.region
                item["in_zone"] = self.resolver.in_zone(zone, store.cloud, copy.region)
            copies.append(item)
        outside = [f"{c['target']} ({c['region']})" for c in copies if c.get("in_zone") is False]
        inside = [f"{c['target']} ({c['region']})" for c in copies if c.get("in_zone") is True]
        if any(g.attribute == "copies" for g in store.gaps):
            copies.append({})  # a copy that could not be read: its zone is unknown
        residency: dict[str, Any] = {
            "zone": zone,
            "copies": copies,
            "copies_outside": outside,
            "copies_inside": inside,
        }
        if store.regions:  # unresolved (None) or empty: both stay unknown, never "inside"
            regions_outside = [
                r for r in store.regions if not self.resolver.in_zone(zone, store.cloud, r)
            ]
            residency["primary_in_zone"] = not regions_outside
            residency["regions_outside"] = regions_outside
        return residency


def retention_of(store: DataStore, rpo_hours: float | None) -> Retention:
    """How far back the store's listed points surely show every backup that ran: the
    longest retention among its enabled backups scheduled at least as often as the RPO
    (continuous ones included), else among all of them — within it no point a schedule
    made has expired. None: nothing expires (kept until deleted, or no retention).
    Uncertain when a backup's retention or schedule is unknown, a backup protection
    could not be read, or the RPO is unknown."""
    backups = [p for p in store.protections if p.enabled and p.role in BACKUP_ROLES]
    unread = any(
        g.attribute == "protections" and (g.role is None or g.role in BACKUP_ROLES)
        for g in store.gaps
    )
    unknown = any(
        (p.retention_days is None and not p.retention_unbounded)
        or (p.role != "continuous" and p.frequency_hours is None)
        for p in backups
    )
    often = [
        p
        for p in backups
        if rpo_hours is not None
        and (p.role == "continuous" or (p.frequency_hours or float("inf")) <= rpo_hours)
    ]
    chosen = often or backups
    if any(p.retention_unbounded for p in chosen) or not chosen:
        days = None
    else:
        known = [float(p.retention_days) for p in chosen if p.retention_days]
        days = max(known) if known else 0.0
    return Retention(days, not unknown and not unread and rpo_hours is not None)


def _outcome(store: DataStore, rpo_hours: float | None, derived: dict[str, Any]) -> dict[str, Any]:
    """Whether a restorable copy was observed, what is configured, and whether the store
    is still waiting for its first backup (younger than its RPO, a backup configured)."""
    gapped = {g.attribute for g in store.gaps}
    points = store.recovery_points
    observed = points.newest is not None or any(
        s.count > 0 or s.kind == "continuous" for s in points.sources
    )
    configured = [p.name for p in store.protections if p.enabled and p.role in BACKUP_ROLES]
    facts: dict[str, Any] = {}
    if observed:
        facts["backup_state"] = "restorable copies observed"
    elif "recovery_points" not in gapped:
        facts["backup_state"] = (
            f"configured ({', '.join(sorted(configured))}), no backup observed"
            if configured
            else "no backup configured and none observed"
        )
    if observed or (not configured and not gapped & {"protections", "recovery_points"}):
        facts["pending_first_backup"] = False  # a copy exists, or none was ever configured
    elif "recovery_points" not in gapped and rpo_hours is not None and "store_age_days" in derived:
        facts["pending_first_backup"] = derived["store_age_days"] * 24 < rpo_hours
    return facts


#: How a vault's immutability state reads in a message.
LOCK_WORDS = {
    "locked": "locked",
    "unlocked": "lock set but still removable (governance mode, or before its lock date)",
    "disabled": "no lock",
}


def _vault_words(store: DataStore, holding: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Vaults and recovery sources as text for messages: lock states and key types."""
    vaults = [v for v in holding if "vault" in v]
    return {
        "vault_states": [
            f"{v['vault']} ({LOCK_WORDS.get(v.get('state', ''), 'lock state unknown')})"
            for v in vaults
        ],
        "vault_keys": [f"{v['vault']} ({v.get('key_type', 'key type unknown')})" for v in vaults],
        "source_keys": [
            f"{s.source} ({s.key_type or 'key type unknown'})"
            for s in store.recovery_points.sources
        ],
    }


def _notes(store: DataStore, scanned: set[tuple[str, str]]) -> dict[str, Any]:
    """Words for messages: configured copies never observed — all, those in another
    region or account, and those this scan could not observe: their destination was not
    read (``scanned``: (account, region) pairs listed), or no API shows them at all — and
    a lock on the primary data."""
    observed = {(c.region, c.account) for c in store.copies if c.state == "observed"}
    unobserved = [
        c for c in store.copies if c.state == "configured" and (c.region, c.account) not in observed
    ]

    def text(copy: Copy) -> str:
        account = f", account {copy.account}" if copy.account not in (None, store.account) else ""
        why = "" if copy.observable else "; shown by no API"
        return f"{copy.target} ({copy.region or 'region unknown'}{account}{why})"

    def unread(copy: Copy) -> bool:
        scanned_there = (copy.account or store.account, copy.region or "") in scanned
        return not copy.observable or not scanned_there

    other_region = [c for c in unobserved if c.region not in (store.regions or [])]
    other_account = [c for c in unobserved if c.account not in (None, store.account)]
    locks = [p.source for p in store.protections if p.enabled and p.role == "retention_lock"]
    return {
        "copies_configured_unobserved": [text(c) for c in unobserved],
        "copies_unobserved_other_region": [text(c) for c in other_region],
        "copies_unobserved_other_account": [text(c) for c in other_account],
        "copies_unread_other_region": [text(c) for c in other_region if unread(c)],
        "copies_unread_other_account": [text(c) for c in other_account if unread(c)],
        "primary_data_locks": locks,
    }
