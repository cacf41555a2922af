"""Evaluating every rule on every store: one result per store × rule, in a stable order.

Order of decisions for one store and rule: kind out of scope, or a kind without a
capability the rule needs → not_applicable (an unregistered kind → not_assessed); a
framework the rule needs that the store is known to be outside → not_applicable, or
whose membership is unknown (unreadable tags) → not_assessed; ``when`` false →
not_applicable, undecidable → not_assessed; otherwise the expression decides pass /
fail / not_assessed. Gaps reach the expression as absent facts and unknown list elements
(:mod:`scanner.engine.variables`), so a gap makes not_assessed only the rules — and the
parts of a rule — that read the missing fact. An approved, unexpired exception turns
fail or not_assessed into excepted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from typing import Any

from scanner.collectors.registry import store_kinds
from scanner.engine.cel_runtime import context
from scanner.engine.citations import Citations, split_citations
from scanner.engine.derive import Deriver
from scanner.engine.estate import EstateChecks, StoreDigest, hour_counts
from scanner.engine.evidence import EvidenceCache
from scanner.engine.period import Period, parse_period
from scanner.engine.resolve import PolicyResolver, Resolution
from scanner.engine.rules import Rule, RulePack
from scanner.engine.variables import account_variables, backups, store_variables
from scanner.model import AccountFacts, DataStore, Snapshot, StoreOutline, Vault
from scanner.policy import Policy, PolicyException


@dataclass
class Tally:
    """How many results each policy exception (by index) turned into excepted, and the
    ids of the stores given the policy's default tier or classification."""

    applied: Counter[int] = field(default_factory=Counter)
    defaulted: dict[str, list[str]] = field(
        default_factory=lambda: {"tier": [], "classification": []}
    )

    def add(self, other: Tally) -> None:
        """Add another part of the evaluation's tally to this one."""
        self.applied.update(other.applied)
        for what, ids in other.defaulted.items():
            self.defaulted.setdefault(what, []).extend(ids)


@dataclass(frozen=True)
class StoreVerdicts:
    """The results for one store and what coverage needs to know about it."""

    store: DataStore
    tier: str
    frameworks: tuple[str, ...]
    results: list[dict[str, Any]]


class Evaluator:
    """Evaluates a rule pack against a snapshot under a policy at a given time."""

    def __init__(
        self, pack: RulePack, policy: Policy, now: datetime, period: Period | None = None
    ) -> None:
        self.pack, self.policy, self.now = pack, policy, now
        self.period = period or parse_period(None, now)
        self.resolver = PolicyResolver(policy)
        #: What is counted as results are made (exceptions applied, stores defaulted).
        self.tally = Tally()
        #: The estate-wide results (staggering, policy conflicts), once ``run`` is done.
        self.estate_results: list[dict[str, Any]] = []
        self._cited: dict[tuple[str, tuple[str, ...]], Citations] = {}
        self._store_rules = [r for r in pack.rules if r.spec.check is None]
        self._vaults: dict[str, Vault] = {}
        self._accounts: dict[str, AccountFacts] = {}
        # what ``prepare`` reads from the estate
        self._digests: list[StoreDigest] = []
        self._hours: tuple[Counter[int], int] = (Counter(), 0)
        self._account_data: dict[str, dict[str, Any]] = {}
        self._deriver = Deriver(policy, self.resolver, now, self.period, {}, {})

    def run(self, snapshot: Snapshot) -> Iterator[StoreVerdicts]:
        """Verdicts store by store, in the snapshot's (sorted) order; then the estate's."""
        self.prepare(snapshot, [self.digest(store) for store in snapshot.stores])
        yield from self.judge(snapshot.stores)
        self.estate_results = self.estate()

    def digest(self, store: StoreOutline) -> StoreDigest:
        """What the estate needs of ``store`` (the first, light pass over the estate)."""
        windows = self._deriver.backup_windows.of_store(store)
        return StoreDigest.of(store, self.resolver.resolve(store), windows)

    def prepare(self, head: Snapshot, digests: list[StoreDigest]) -> None:
        """Take in what every store's verdicts depend on: the accounts and scope of the
        snapshot's ``head`` (its stores are not read), and the ``digests`` of all its
        stores (stagger shares span all stores)."""
        self._digests, self._hours = digests, hour_counts(digests)
        self._vaults = {v.id: v for a in head.accounts for v in a.vaults}
        self._accounts = {a.account: a for a in head.accounts}
        self._deriver = Deriver(
            self.policy, self.resolver, self.now, self.period, self._vaults, self._accounts
        )
        self._deriver.scanned = scanned_regions(head)
        self._account_data = {a.account: account_variables(a) for a in head.accounts}

    def judge(self, stores: Iterable[DataStore]) -> Iterator[StoreVerdicts]:
        """The verdicts of ``stores`` of the prepared estate, in order."""
        windows = self._deriver.backup_windows
        for store in stores:
            resolution = self.resolver.resolve(store)
            for what in resolution.defaulted:
                self.tally.defaulted[what].append(store.id)
            shared = windows.with_shares(windows.of_store(store), *self._hours)
            derived = self._deriver.derive(store, resolution, shared)
            yield self._store(store, resolution, derived, self._account_data.get(store.account, {}))

    def estate(self) -> list[dict[str, Any]]:
        """The estate-wide results of the prepared estate (staggering, policy conflicts)."""
        estate = EstateChecks(self.pack, self.policy, self._digests)
        return [
            self._excepted(result, rule)
            for rule in self.pack.rules
            if rule.spec.check is not None
            for result in estate.run(rule)
        ]

    def take_tally(self) -> Tally:
        """What was counted since the last call (exceptions applied, stores given a
        default), emptied: evaluations split across processes add their tallies up."""
        tally, self.tally = self.tally, Tally()
        return tally

    def _store(
        self,
        store: DataStore,
        resolution: Resolution,
        derived: dict[str, Any],
        account: dict[str, Any],
    ) -> StoreVerdicts:
        data, complete = store_variables(store)
        if derived["period"].get("history_complete"):
            complete["period_history"] = True
        for where in ("other_region", "other_account"):
            if not derived[f"copies_unread_{where}"]:
                complete[f"copies_{where}"] = True
        derived["backups"] = backups(data)
        derived["complete"] = complete
        variables = {
            "store": data,
            "policy": resolution.policy,
            "account": account,
            "derived": derived,
        }
        ctx = context(variables)
        cited = tuple(sorted(f for f, inside in resolution.scope.items() if inside is not False))
        resource = {
            k: getattr(store, k) for k in ("id", "cloud", "account", "region", "kind", "name")
        }
        if self.policy.ownership is not None:
            resource["owner"] = store_owner(store, self.policy.ownership.tag)
        evidence = EvidenceCache(store, derived, self._vaults, self._accounts.get(store.account))
        copies = copies_seen(store)
        results = []
        for rule in self._store_rules:
            status, detail = self._decide(rule, store, resolution, ctx)
            result = self._result(rule, resource, store, status, detail, variables, cited)
            if status != "not_applicable":
                result["evidence"] = evidence.for_rule(
                    rule.spec.requires, status == "not_assessed", rule.spec.evidence
                )
                if "copies" in rule.spec.requires:
                    result["copies"] = copies
            results.append(result)
        return StoreVerdicts(store, resolution.tier, resolution.frameworks, results)

    def _decide(
        self, rule: Rule, store: DataStore, resolution: Resolution, ctx: Any
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
        scope = [resolution.scope.get(f, False) for f in spec.applies_to.frameworks]
        if False in scope:
            absent = [f for f, s in zip(spec.applies_to.frameworks, scope, strict=True) if not s]
            return "not_applicable", {"reason": f"store is not in scope of {', '.join(absent)}"}
        if None in scope:
            reason = "; ".join(resolution.reasons) or "the store's frameworks are unknown"
            return "not_assessed", {"reason": reason, "missing": ["tags"]}
        if rule.when is not None:
            applies = rule.when.evaluate(ctx)
            if applies.value is False:
                return "not_applicable", {
                    "reason": "condition does not hold: "
                    + " ".join((spec.applies_to.when or "").split())
                }
            if applies.value is None:
                return "not_assessed", self._unknown(applies.reason, store, rule, resolution)
        assert rule.expression is not None
        outcome = rule.expression.evaluate(ctx)
        if outcome.value is None:
            return "not_assessed", self._unknown(outcome.reason, store, rule, resolution)
        if outcome.value or rule.pending_when is None:
            return ("pass" if outcome.value else "fail"), {}
        pending = rule.pending_when.evaluate(ctx)
        if pending.value is None:  # fail or pending: which one is unknown
            return "not_assessed", self._unknown(pending.reason, store, rule, resolution)
        return ("pending" if pending.value else "fail"), {}

    @staticmethod
    def _unknown(
        reason: str | None, store: DataStore, rule: Rule, resolution: Resolution
    ) -> dict[str, Any]:
        """Why a result is not assessed: the unreadable attributes it needs, the policy
        facts unknown for the store, or else the value the expression lacked."""
        unread = sorted({g.attribute for g in store.gaps} & set(rule.spec.requires))
        why = list(resolution.reasons)
        if unread:
            why.append("could not be read: " + ", ".join(unread))
        missing = sorted({*unread, *(["tags"] if resolution.unknown else [])})
        return {
            "reason": "; ".join(why) or reason or "undecidable",
            "missing": missing or [str(reason)],
            "open": not why,  # nothing unread: the facts read leave it open
        }

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
        required, supports = self._citations(rule, frameworks)
        result: dict[str, Any] = {
            "resource": resource,
            "rule": spec.id,
            "title": spec.title,
            "status": status,
            "severity": spec.severity,
            "frameworks": required,
            "message": rule.messages[status].render(variables)
            if status in rule.messages and (status != "not_assessed" or detail.get("open"))
            else str(detail.get("reason", "")),
        }
        if supports:
            result["supports"] = supports
        if "missing" in detail:
            result["missing"] = detail["missing"]
        return self._excepted(result, rule)

    def _excepted(self, result: dict[str, Any], rule: Rule) -> dict[str, Any]:
        """A failing or unassessed result an approved, unexpired exception covers."""
        if result["status"] not in ("fail", "not_assessed"):
            return result
        resource = result["resource"]["id"]
        found = active_exception(self.policy.exceptions, resource, rule.id, self.now.date())
        if found is not None:
            index, exception = found
            self.tally.applied[index] += 1
            result["exception"] = {
                "original_status": result["status"],
                "reason": exception.reason,
                "approved_by": exception.approved_by,
                "expires": exception.expires.isoformat(),
            }
            result["status"] = "excepted"
        return result

    def _citations(self, rule: Rule, frameworks: tuple[str, ...]) -> Citations:
        """The rule's citations for the frameworks the store is (or may be) in scope of:
        the requirements that require what it checks, and those it only supports."""
        key = (rule.id, frameworks)
        if key not in self._cited:
            self._cited[key] = split_citations(rule, self.pack, frameworks)
        return self._cited[key]


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


def store_owner(store: DataStore, tag: str) -> str:
    """Who owns a store, from the policy's ownership tag — or why that is not known."""
    if store.tags is None:
        return "unknown (tags could not be read)"
    return store.tags.get(tag) or f"unowned (no {tag} tag)"


def copies_seen(store: DataStore) -> dict[str, list[str]]:
    """The store's copies kept apart: ``observed`` (a copy was seen) and ``configured``
    (a rule or setting says one should be made; not proof that one exists)."""
    described: dict[str, list[str]] = {"observed": [], "configured": []}
    for copy in store.copies:
        where = copy.region or "region unknown"
        if copy.account and copy.account != store.account:
            where += f", account {copy.account}"
        described[copy.state].append(f"{copy.kind} {copy.target} ({where})")
    return described


def scanned_regions(snapshot: Snapshot) -> set[tuple[str, str]]:
    """The (account, region) pairs the snapshot listed: each account's own regions, or
    the scope's regions for an account that records none."""
    regions = {a.account: a.regions for a in snapshot.accounts}
    return {
        (account, region)
        for account in {*snapshot.scope.accounts, *regions}
        for region in (regions.get(account) or snapshot.scope.regions)
    }
