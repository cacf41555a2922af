"""Evaluating every rule on every store: one result per store × rule, in a stable order.

Order of decisions for one store and rule: kind out of scope, or a kind without a
capability the rule needs → not_applicable (an unregistered kind → not_assessed); policy
unresolvable (unreadable tags, unknown tier) → not_assessed; framework not in scope or
``when`` false → not_applicable; a gap on a required attribute → not_assessed naming
it; otherwise the expression decides pass / fail / not_assessed. An approved, unexpired
exception turns fail or not_assessed into excepted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fnmatch import fnmatchcase
from typing import Any

from scanner.collectors.registry import store_kinds
from scanner.engine.cel_runtime import context
from scanner.engine.derive import Deriver, backups
from scanner.engine.resolve import PolicyResolver, Resolution
from scanner.engine.rules import Rule, RulePack
from scanner.model import DataStore, Evidence, Snapshot
from scanner.policy import Policy, PolicyException

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


@dataclass(frozen=True)
class StoreVerdicts:
    """The results for one store and what coverage needs to know about it."""

    store: DataStore
    tier: str
    frameworks: tuple[str, ...]
    results: list[dict[str, Any]]


class Evaluator:
    """Evaluates a rule pack against a snapshot under a policy at a given time."""

    def __init__(self, pack: RulePack, policy: Policy, now: datetime) -> None:
        self.pack, self.policy, self.now = pack, policy, now
        self.resolver = PolicyResolver(policy)
        #: How many results each policy exception (by index) turned into excepted.
        self.applied: Counter[int] = Counter()
        self._cited: dict[tuple[str, tuple[str, ...], bool], dict[str, list[str]]] = {}

    def run(self, snapshot: Snapshot) -> Iterator[StoreVerdicts]:
        """Verdicts store by store, in the snapshot's (sorted) order."""
        resolutions = [self.resolver.resolve(s) for s in snapshot.stores]
        derived = Deriver(self.policy, self.resolver, self.now).derive_all(
            snapshot.stores, resolutions
        )
        accounts = {
            a.account: a.model_dump(mode="json", exclude_none=True) for a in snapshot.accounts
        }
        for store, resolution, facts in zip(snapshot.stores, resolutions, derived, strict=True):
            yield self._store(store, resolution, facts, accounts.get(store.account, {}))

    def _store(
        self,
        store: DataStore,
        resolution: Resolution,
        derived: dict[str, Any],
        account: dict[str, Any],
    ) -> StoreVerdicts:
        dumped = store.model_dump(mode="json", exclude_none=True)
        derived["backups"] = backups(dumped)
        variables = {
            "store": dumped,
            "policy": resolution.policy or {},
            "account": account,
            "derived": derived,
        }
        ctx = context(variables)
        frameworks = tuple((resolution.policy or {}).get("frameworks", ()))
        resource = {
            k: getattr(store, k) for k in ("id", "cloud", "account", "region", "kind", "name")
        }
        gaps: set[str] = {g.attribute for g in store.gaps}
        evidence = EvidenceCache(store, derived)
        results = []
        for rule in self.pack.rules:
            status, detail = self._decide(rule, store, resolution, frameworks, gaps, ctx)
            result = self._result(rule, resource, store, status, detail, variables, frameworks)
            if status != "not_applicable":
                result["evidence"] = evidence.for_rule(rule.spec.requires, status == "not_assessed")
            results.append(result)
        tier = (resolution.policy or {}).get("tier", "unknown")
        return StoreVerdicts(store, tier, frameworks, results)

    def _decide(
        self,
        rule: Rule,
        store: DataStore,
        resolution: Resolution,
        frameworks: tuple[str, ...],
        gaps: set[str],
        ctx: Any,
    ) -> tuple[str, dict[str, Any]]:
        spec = rule.spec
        if spec.applies_to.kinds and store.kind not in spec.applies_to.kinds:
            return "not_applicable", {"reason": f"rule is about {', '.join(spec.applies_to.kinds)}"}
        if spec.applies_to.capabilities:
            kind = store_kinds().get(store.kind)
            if kind is None:
                return "not_assessed", {"reason": f"unknown store kind {store.kind}"}
            lacking = [c for c in spec.applies_to.capabilities if c not in kind.capabilities]
            if lacking:
                return "not_applicable", {"reason": f"{kind.title} has no {', '.join(lacking)}"}
        if resolution.policy is None:
            return "not_assessed", {"reason": resolution.reason, "missing": [resolution.attribute]}
        absent = [f for f in spec.applies_to.frameworks if f not in frameworks]
        if absent:
            return "not_applicable", {"reason": f"store is not in scope of {', '.join(absent)}"}
        covered = sorted(gaps.intersection(spec.requires))
        if covered and rule.when_reads_store:
            # The condition would be judged on incomplete data: "does not apply" is unknown too.
            return "not_assessed", {
                "reason": f"could not be read: {', '.join(covered)}",
                "missing": covered,
            }
        if rule.when is not None:
            applies = rule.when.evaluate(ctx)
            if applies.value is False:
                return "not_applicable", {
                    "reason": f"condition does not hold: {spec.applies_to.when}"
                }
            if applies.value is None:
                return "not_assessed", {"reason": f"applicability unknown: {applies.reason}"}
        if covered:
            return "not_assessed", {
                "reason": f"could not be read: {', '.join(covered)}",
                "missing": covered,
            }
        outcome = rule.expression.evaluate(ctx)
        if outcome.value is None:
            return "not_assessed", {"reason": outcome.reason, "missing": [outcome.reason]}
        return ("pass" if outcome.value else "fail"), {}

    def _result(
        self,
        rule: Rule,
        resource: dict[str, Any],
        store: DataStore,
        status: str,
        detail: dict[str, Any],
        variables: dict[str, Any],
        frameworks: tuple[str, ...],
    ) -> dict[str, Any]:
        spec = rule.spec
        cited = self._citations(rule, frameworks, not variables["policy"])
        result: dict[str, Any] = {
            "resource": resource,
            "rule": spec.id,
            "title": spec.title,
            "status": status,
            "severity": spec.severity,
            "frameworks": cited,
            "message": (rule.pass_message if status == "pass" else rule.fail_message).render(
                variables
            )
            if status in ("pass", "fail")
            else str(detail.get("reason", "")),
        }
        if "missing" in detail:
            result["missing"] = detail["missing"]
        if status in ("fail", "not_assessed"):
            found = active_exception(self.policy.exceptions, store.id, spec.id, self.now.date())
            if found is not None:
                index, exception = found
                self.applied[index] += 1
                result["exception"] = {
                    "original_status": status,
                    "reason": exception.reason,
                    "approved_by": exception.approved_by,
                    "expires": exception.expires.isoformat(),
                }
                result["status"] = "excepted"
        return result

    def _citations(
        self, rule: Rule, frameworks: tuple[str, ...], unresolved: bool
    ) -> dict[str, list[str]]:
        """The rule's citations for the frameworks in scope (all of them when unresolved)."""
        key = (rule.id, frameworks, unresolved)
        if key not in self._cited:
            self._cited[key] = {
                f: ids for f, ids in rule.spec.citations.items() if unresolved or f in frameworks
            }
        return self._cited[key]


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


def active_exception(
    exceptions: list[PolicyException], resource: str, rule: str, today: date
) -> tuple[int, PolicyException] | None:
    """The approved exception (and its index) covering this resource and rule today."""
    for index, exception in enumerate(exceptions):
        if exception.expires < today:
            continue
        if fnmatchcase(resource, exception.resource) and (
            rule in exception.rules or "*" in exception.rules
        ):
            return index, exception
    return None
