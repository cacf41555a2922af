"""Resolving the policy for one store: its tier, classification, frameworks and zone.

The tier and classification come from the store's tags (labels), with the policy's
defaults when the tag is absent. Unreadable tags, or a tag naming a tier or zone the
policy does not define, make the store's resolution fail with a reason: every rule is
then not_assessed for it, never evaluated against a guessed tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from scanner.model import DataStore
from scanner.policy import Policy


@dataclass(frozen=True)
class Resolution:
    """The resolved policy dict, or why there is none (and the attribute to blame)."""

    policy: dict[str, Any] | None
    reason: str | None = None
    attribute: str | None = None


class PolicyResolver:
    """Resolves (and caches, per tier × classification × zone) the policy for stores."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._cache: dict[tuple[str, str, str | None], dict[str, Any]] = {}

    def resolve(self, store: DataStore) -> Resolution:
        """The policy that applies to ``store``."""
        if store.tags is None:
            return Resolution(
                None,
                "the store's tags could not be read, so its tier, "
                "classification and residency zone are unknown",
                "tags",
            )
        tier = store.tags.get(self.policy.tiering.tag, self.policy.tiering.default)
        if tier not in self.policy.tiers:
            return Resolution(
                None, f"tag {self.policy.tiering.tag}={tier!r} names no tier of the policy", "tags"
            )
        classification = store.tags.get(
            self.policy.classification.tag, self.policy.classification.default
        )
        zone = store.tags.get(self.policy.residency.tag) if self.policy.residency else None
        if zone is not None and self.policy.residency and zone not in self.policy.residency.zones:
            return Resolution(
                None, f"tag {self.policy.residency.tag}={zone!r} names no residency zone", "tags"
            )
        key = (tier, classification, zone)
        if key not in self._cache:
            self._cache[key] = self._build(tier, classification, zone)
        return Resolution(self._cache[key])

    def _build(self, tier_name: str, classification: str, zone: str | None) -> dict[str, Any]:
        tier = self.policy.tiers[tier_name]
        frameworks = sorted(
            name
            for name, scope in self.policy.frameworks.items()
            if classification in scope.when.get("classification", [])
        )
        resolved: dict[str, Any] = {
            "tier": tier_name,
            "classification": classification,
            "frameworks": frameworks,
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
            resolved["restore_test_every_days"] = hours(tier.restore_test_every) / 24
        sox, gdpr = self.policy.frameworks.get("sox"), self.policy.frameworks.get("gdpr")
        if "sox" in frameworks and sox and sox.retention:
            resolved["sox_retention_days"] = hours(sox.retention) / 24
        if "gdpr" in frameworks and gdpr and gdpr.max_retention:
            resolved["gdpr_max_retention_days"] = hours(gdpr.max_retention) / 24
        if zone is not None:
            resolved["residency_zone"] = zone
            resolved["frameworks"] = sorted({*frameworks, "residency"})
        if self.policy.windows:
            resolved["max_share_per_hour"] = self.policy.windows.max_share_per_hour
        return resolved

    def in_zone(self, zone: str, cloud: str, region: str) -> bool:
        """Whether ``region`` of ``cloud`` matches one of the zone's patterns."""
        assert self.policy.residency is not None
        return any(
            pattern.split(":", 1)[0] == cloud and fnmatchcase(region, pattern.split(":", 1)[1])
            for pattern in self.policy.residency.zones[zone]
        )


def hours(value: Any) -> float:
    """A timedelta in hours."""
    return float(value.total_seconds() / 3600)
