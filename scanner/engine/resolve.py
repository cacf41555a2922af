"""Resolving the policy for one store: its tier, classification, frameworks and zone.

The tier and classification come from the store's tags (labels), with the policy's
defaults when the tag is absent (recorded as *defaulted*). What cannot be resolved — tags
unreadable, or a tag naming a tier or zone the policy does not define — is left out of the
resolved policy and named in ``unknown``: only the rules that read it become
not_assessed (a residency tag naming an unknown zone blocks the residency rules, not the
backup rules), and nothing is judged against a guessed tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from scanner.model import StoreOutline
from scanner.policy import Policy, Tier

RESIDENCY = "residency"
POLICY = "policy"


@dataclass(frozen=True)
class Resolution:
    """The resolved policy (only what is known), and what is unknown or defaulted, why."""

    policy: dict[str, Any]
    #: framework → in scope (True), out (False), or unknown (None)
    scope: dict[str, bool | None]
    unknown: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    defaulted: tuple[str, ...] = ()

    @property
    def frameworks(self) -> tuple[str, ...]:
        """Frameworks the store is known to be in scope of."""
        return tuple(sorted(f for f, inside in self.scope.items() if inside))

    @property
    def tier(self) -> str:
        """The tier's name, or ``unknown``."""
        return str(self.policy.get("tier", "unknown"))


@dataclass
class _Choice:
    """One tag-chosen value: the value, whether it was defaulted, or why it is unknown."""

    value: str | None
    defaulted: bool = False
    reason: str | None = None


@dataclass
class _Draft:
    policy: dict[str, Any] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    defaulted: list[str] = field(default_factory=list)


class PolicyResolver:
    """Resolves the policy for stores (tier parameters cached per tier)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._tiers: dict[str, dict[str, Any]] = {}

    def resolve(self, store: StoreOutline) -> Resolution:
        """The policy that applies to ``store``, as far as it can be known."""
        draft = _Draft()
        if self.policy.windows:
            draft.policy["max_share_per_hour"] = self.policy.windows.max_share_per_hour
        tier = self._tier(store)
        self._note("tier", tier, draft)
        if tier.value is not None:
            draft.policy |= self._tier_values(tier.value)
        classification = self._classification(store)
        self._note("classification", classification, draft)
        scope = self._frameworks(classification.value, draft)
        zone = self._zone(store)
        self._note("zone", zone, draft)
        if zone.reason is not None:
            scope[RESIDENCY] = None
        elif zone.value is not None:
            scope[RESIDENCY] = True
            draft.policy["residency_zone"] = zone.value
        else:
            scope[RESIDENCY] = False
        scope[POLICY] = True  # the organisation's own policy applies to every store
        known = [f for f, inside in scope.items() if inside]
        if all(inside is not None for inside in scope.values()):
            draft.policy["frameworks"] = sorted(known)
        return Resolution(
            draft.policy,
            scope,
            tuple(draft.unknown),
            tuple(draft.reasons),
            tuple(draft.defaulted),
        )

    @staticmethod
    def _note(name: str, choice: _Choice, draft: _Draft) -> None:
        if choice.reason is not None:
            draft.unknown.append(name)
            draft.reasons.append(choice.reason)
        elif choice.defaulted:
            draft.defaulted.append(name)

    def _tier(self, store: StoreOutline) -> _Choice:
        tiering = self.policy.tiering
        if store.tags is None:
            return _Choice(None, reason="the store's tags could not be read: its tier is unknown")
        if tiering.tag not in store.tags:
            return _Choice(
                self._strictest_tier() if tiering.untagged == "strictest" else tiering.default,
                defaulted=True,
            )
        name = store.tags[tiering.tag]
        if name not in self.policy.tiers:
            return _Choice(None, reason=f"tag {tiering.tag}={name!r} names no tier of the policy")
        return _Choice(name)

    def _classification(self, store: StoreOutline) -> _Choice:
        chooser = self.policy.classification
        if store.tags is None:
            return _Choice(
                None, reason="the store's tags could not be read: its classification is unknown"
            )
        if chooser.tag not in store.tags:
            strictest = chooser.untagged == "strictest"
            return _Choice(
                self._strictest_class() if strictest else chooser.default, defaulted=True
            )
        return _Choice(store.tags[chooser.tag])

    def _strictest_tier(self) -> str:
        """The tier with the smallest RPO (then the longest retention)."""
        tiers = self.policy.tiers
        return min(tiers, key=lambda name: (tiers[name].rpo, -tiers[name].retention, name))

    def _strictest_class(self) -> str:
        """The classification in scope of the most frameworks (the default if none is)."""
        counts: dict[str, int] = {}
        for framework in self.policy.frameworks.values():
            for value in framework.when.get("classification", []):
                counts[value] = counts.get(value, 0) + 1
        if not counts:
            return self.policy.classification.default
        return min(counts, key=lambda value: (-counts[value], value))

    def _zone(self, store: StoreOutline) -> _Choice:
        residency = self.policy.residency
        if residency is None:
            return _Choice(None)
        if store.tags is None:
            return _Choice(
                None, reason="the store's tags could not be read: its residency zone is unknown"
            )
        zone = store.tags.get(residency.tag)
        if zone is not None and zone not in residency.zones:
            return _Choice(None, reason=f"tag {residency.tag}={zone!r} names no residency zone")
        return _Choice(zone)

    def _frameworks(self, classification: str | None, draft: _Draft) -> dict[str, bool | None]:
        """Membership of each framework (unknown when the classification is), and the
        framework parameters that follow from it."""
        scope: dict[str, bool | None] = {}
        for name, framework in self.policy.frameworks.items():
            inside = (
                None
                if classification is None
                else classification in framework.when.get("classification", [])
            )
            scope[name] = inside
            if inside and name == "sox" and framework.retention:
                draft.policy["sox_retention_days"] = hours(framework.retention) / 24
            if inside and name == "gdpr" and framework.max_retention:
                draft.policy["gdpr_max_retention_days"] = hours(framework.max_retention) / 24
        if classification is not None:
            draft.policy["classification"] = classification
        return scope

    def _tier_values(self, name: str) -> dict[str, Any]:
        if name not in self._tiers:
            self._tiers[name] = {"tier": name} | tier_values(self.policy.tiers[name])
        return self._tiers[name]

    def in_zone(self, zone: str, cloud: str, region: str) -> bool:
        """Whether ``region`` of ``cloud`` matches one of the zone's patterns."""
        assert self.policy.residency is not None
        return any(
            pattern.split(":", 1)[0] == cloud and fnmatchcase(region, pattern.split(":", 1)[1])
            for pattern in self.policy.residency.zones[zone]
        )


def tier_values(tier: Tier) -> dict[str, Any]:
    """A tier's requirements in the units rules read (hours, days, flags)."""
    values: dict[str, Any] = {
        "rpo_hours": hours(tier.rpo),
        "rto_hours": hours(tier.rto),
        "retention_days": hours(tier.retention) / 24,
        "cross_region_copy": tier.cross_region_copy,
        "cross_account_copy": tier.cross_account_copy,
        "immutable": tier.immutable,
        "customer_managed_key": tier.customer_managed_key,
        "deletion_protection": tier.deletion_protection,
    }
    if tier.restore_test_every:
        values["restore_test_every_days"] = hours(tier.restore_test_every) / 24
    return values


def hours(value: Any) -> float:
    """A timedelta in hours."""
    return float(value.total_seconds() / 3600)
