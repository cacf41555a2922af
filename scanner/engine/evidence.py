"""The evidence behind each store attribute, serialized once per store, for the results
that read it; gaps join the evidence of results that could not be decided."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from scanner.engine.watchers import config_text
from scanner.findings_layout import EncodedItems
from scanner.model import AccountFacts, DataStore, Evidence, Gap, Vault


def _no_copies(store: DataStore) -> list[Evidence]:
    """When no copy was found: that absence, and the reads that would have shown one
    (the store's description — replicas, replication — and the vault listings)."""
    if any(g.attribute == "copies" for g in store.gaps):
        return []
    note = Evidence(
        operation="backup-audit:copies",
        fields={"copies found": 0, "read from": "the operations listed with this result"},
    )
    return [note, *store.evidence, *store.recovery_points.evidence]


EVIDENCE_SOURCES: dict[str, Callable[[DataStore], list[Evidence]]] = {
    "protections": lambda s: [e for p in s.protections for e in p.evidence],
    "recovery_points": lambda s: [
        *s.recovery_points.evidence,
        *(e for r in s.recovery_points.sources for e in r.evidence),
    ],
    "copies": lambda s: [e for c in s.copies for e in c.evidence] or _no_copies(s),
    "encryption": lambda s: s.encryption.evidence if s.encryption else [],
    "encryption_key": lambda s: s.encryption.evidence if s.encryption else [],
    "location": lambda s: s.evidence,
    "tags": lambda s: s.evidence,
    "deletion_protection": lambda s: s.evidence,
    "attributes": lambda s: s.evidence,
    "restores": lambda s: [*(e for r in s.restores or [] for e in r.evidence), *s.evidence],
    "backup_jobs": lambda s: [*(e for j in s.backup_jobs or [] for e in j.evidence), *s.evidence],
}


def _gap_evidence(gap: Gap) -> Evidence:
    return Evidence(
        operation=gap.operation,
        region=gap.region,
        fields={
            "gap": gap.attribute,
            "error_code": gap.error_code,
            "cause": gap.cause,
            "permission": gap.permission,
            "message": gap.message,
        },
    )


def account_evidence(
    name: str, account: AccountFacts | None, derived: dict[str, Any]
) -> list[Evidence]:
    """``alert_rules``: what was read of the alert rules the store's result names (or that
    none watches it), and the account's alerting gaps; ``audit_trail``: the audit-log
    configurations covering the store, and the account's audit-trail gaps."""
    if account is None:
        return [Evidence(operation="backup-audit:account", fields={"account facts": "none"})]
    if name == "alert_rules":
        named = {*derived.get("alerting", {}).get("path_ids", [])}
        rules = account.alert_rules or []
        picked = [e for r in rules if r.id in named for e in r.evidence]
        note = Evidence(
            operation="backup-audit:alerting",
            fields={
                "alert rules read": None if account.alert_rules is None else len(rules),
                "backup-failure rules that may alert on this store": len(named),
            },
        )
        gaps = [_gap_evidence(g) for g in account.gaps if g.attribute == "alerting"]
        return [note, *picked, *gaps]
    configs = (account.audit_trail.configs if account.audit_trail else None) or []
    covering = {*derived.get("audit", {}).get("configs", [])}
    picked = [e for c in configs if config_text(c) in covering for e in c.evidence]
    note = Evidence(
        operation="backup-audit:audit_trail",
        fields={"configurations read": len(configs), "covering this store": len(covering)},
    )
    gaps = [_gap_evidence(g) for g in account.gaps if g.attribute == "audit_trail"]
    return [note, *picked, *gaps]


class EvidenceCache:
    """The evidence behind each store attribute, serialized once per store; the age of the
    newest point joins the recovery points' evidence when it had to be clamped at zero."""

    def __init__(
        self,
        store: DataStore,
        derived: dict[str, Any],
        vaults: Mapping[str, Vault],
        account: AccountFacts | None = None,
    ) -> None:
        self._store = store
        self._account = account
        self._derived = derived
        self._vaults = vaults
        self._dumped: dict[str, list[dict[str, Any]]] = {}
        self._joined: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._content = EncodedItems()

    def attribute(self, name: str) -> list[dict[str, Any]]:
        """Evidence for one attribute (shared, not copied, between results)."""
        if name not in self._dumped:
            source = EVIDENCE_SOURCES.get(name)
            items = source(self._store) if source else []
            if name == "vaults":
                items = self._vault_evidence()
            elif name in ("alert_rules", "audit_trail"):
                items = account_evidence(name, self._account, self._derived)
            self._dumped[name] = [e.model_dump(mode="json") for e in items]
            if name == "recovery_points":
                self._dumped[name] += self._clamped_age()
        return self._dumped[name]

    def _vault_evidence(self) -> list[Evidence]:
        """What was read about each vault holding the store's points or copies (its lock
        state, key); a vault the inventory has no facts for says so."""
        evidence: list[Evidence] = []
        for entry in self._derived.get("vaults_holding", []):
            if "vault" not in entry:
                continue
            vault = self._vaults.get(entry["vault"])
            if vault is not None and vault.evidence:
                evidence += vault.evidence
            else:
                note = "the inventory holds no facts about this vault (not in a scanned account)"
                evidence.append(
                    Evidence(
                        operation="backup-audit:vaults",
                        fields={"vault": entry["vault"], "note": note},
                    )
                )
        return evidence

    def _clamped_age(self) -> list[dict[str, Any]]:
        skew = self._derived.get("newest_after_collection_seconds")
        if skew is None:
            return []
        newest = self._store.recovery_points.newest
        return [
            {
                "operation": "backup-audit:age",
                "region": None,
                "fields": {
                    "newest recovery point": newest.isoformat() if newest else None,
                    "seconds after the collection time": round(skew, 3),
                    "age used": 0,
                    "note": "the newest point is stamped after the collection time "
                    "(clocks differ); its age is taken as 0",
                },
            }
        ]

    def _distinct(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Evidence items once each (one answer can back two attributes of a store)."""
        seen: set[bytes] = set()
        out = []
        for item in items:
            key = self._content(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out

    def for_rule(
        self, requires: Sequence[str], with_gaps: bool, more: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Evidence for a rule's required attributes (and the ``more`` it declares, e.g.
        ``vaults``), plus the gaps when not assessed."""
        key = (*requires, *more)
        if not with_gaps and key in self._joined:
            return self._joined[key]
        evidence = self._distinct(e for name in key for e in self.attribute(name))
        if not with_gaps:
            self._joined[key] = evidence
        if with_gaps:
            evidence += [
                _gap_evidence(g).model_dump(mode="json")
                for g in self._store.gaps
                if g.attribute in requires
            ]
        return evidence
