"""The evidence behind each store attribute, serialized once per store, for the results
that read it; gaps join the evidence of results that could not be decided."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scanner.model import DataStore, Evidence

EVIDENCE_SOURCES: dict[str, Callable[[DataStore], list[Evidence]]] = {
    "protections": lambda s: [e for p in s.protections for e in p.evidence],
    "recovery_points": lambda s: [e for r in s.recovery_points.sources for e in r.evidence],
    "copies": lambda s: [e for c in s.copies for e in c.evidence],
    "encryption": lambda s: s.encryption.evidence if s.encryption else [],
    "encryption_key": lambda s: s.encryption.evidence if s.encryption else [],
    "location": lambda s: s.evidence,
    "deletion_protection": lambda s: s.evidence,
    "attributes": lambda s: s.evidence,
}


class EvidenceCache:
    """The evidence behind each store attribute, serialized once per store; the age of the
    newest point joins the recovery points' evidence when it had to be clamped at zero."""

    def __init__(self, store: DataStore, derived: dict[str, Any]) -> None:
        self._store = store
        self._derived = derived
        self._dumped: dict[str, list[dict[str, Any]]] = {}
        self._joined: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def attribute(self, name: str) -> list[dict[str, Any]]:
        """Evidence for one attribute (shared, not copied, between results)."""
        if name not in self._dumped:
            source = EVIDENCE_SOURCES.get(name)
            items = source(self._store) if source else []
            self._dumped[name] = [e.model_dump(mode="json") for e in items]
            if name == "recovery_points":
                self._dumped[name] += self._clamped_age()
        return self._dumped[name]

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

    def for_rule(self, requires: Sequence[str], with_gaps: bool) -> list[dict[str, Any]]:
        """Evidence for a rule's required attributes, plus the gaps when not assessed."""
        key = tuple(requires)
        if not with_gaps and key in self._joined:
            return self._joined[key]
        evidence = [e for name in requires for e in self.attribute(name)]
        if not with_gaps:
            self._joined[key] = evidence
        if with_gaps:
            evidence += [
                {
                    "operation": g.operation,
                    "region": g.region,
                    "fields": {
                        "gap": g.attribute,
                        "error_code": g.error_code,
                        "cause": g.cause,
                        "permission": g.permission,
                        "message": g.message,
                    },
                }
                for g in self._store.gaps
                if g.attribute in requires
            ]
        return evidence
