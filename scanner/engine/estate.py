"""Estate-wide checks: findings about the estate or the policy, reported once — not as a
failure on every store they touch.

``stagger``: one finding per local hour in which more than the policy's share of the
stores with a scheduled backup start (a pass when no hour is crowded). Windows whose time
zone cannot be resolved make the result not_assessed. ``retention_conflict``: one finding
per classification for which the policy requires a SOX minimum retention longer than the
GDPR maximum — a conflict in the policy to decide, listed with the stores it affects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scanner.engine.citations import split_citations
from scanner.engine.resolve import Resolution
from scanner.engine.rules import Rule, RulePack
from scanner.engine.windows import start_hours
from scanner.model import StoreOutline
from scanner.policy import Policy

SHOWN = 20


@dataclass(frozen=True, slots=True)
class StoreDigest:
    """What the estate needs of one store once the store itself is let go: its identity
    (to check the inventory and to match restore evidence), the hours its backups start
    (staggering, and each window's ``hour_share``) and its retention limits (conflicts).
    An estate's digests are made in a first, light pass; its stores are then read again
    a chunk at a time (decision 55)."""

    id: str
    cloud: str
    kind: str
    account: str
    name: str
    created_at: datetime | None
    #: the local hours its scheduled backups start in
    hours: frozenset[int]
    #: whether it has any backup window, and whether one's start hour is unknown
    scheduled: bool
    unknown_start: bool
    #: (classification, SOX minimum days, GDPR maximum days) when both apply
    retention: tuple[str, float, float] | None

    @classmethod
    def of(
        cls, store: StoreOutline, resolution: Resolution, windows: list[dict[str, Any]]
    ) -> StoreDigest:
        """The digest of a store under its policy ``resolution``, with its ``windows``."""
        policy = resolution.policy
        retention = None
        if "sox_retention_days" in policy and "gdpr_max_retention_days" in policy:
            limits = (policy["sox_retention_days"], policy["gdpr_max_retention_days"])
            retention = (str(policy["classification"]), *limits)
        return cls(
            store.id,
            store.cloud,
            store.kind,
            store.account,
            store.name,
            store.created_at,
            start_hours(windows),
            bool(windows),
            any("hour" not in w and "every_hours" not in w for w in windows),
            retention,
        )


def hour_counts(digests: list[StoreDigest]) -> tuple[Counter[int], int]:
    """The stores starting a backup in each local hour, and the stores with a window."""
    hours: Counter[int] = Counter()
    for digest in digests:
        hours.update(digest.hours)
    return hours, sum(1 for digest in digests if digest.scheduled)


def estate_resource(rule: str, key: str, name: str) -> dict[str, str]:
    """The resource of an estate-wide result."""
    return {
        "id": f"estate:{rule}:{key}",
        "cloud": "-",
        "account": "-",
        "region": "-",
        "kind": "estate",
        "name": name,
    }


def _stores_field(names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:SHOWN])
    return shown + (f" … and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


class EstateChecks:
    """Runs the built-in estate-wide checks over one evaluation's stores."""

    def __init__(self, pack: RulePack, policy: Policy, stores: list[StoreDigest]) -> None:
        self.pack, self.policy, self.stores = pack, policy, stores

    def run(self, rule: Rule) -> list[dict[str, Any]]:
        """The results of one estate rule."""
        found = self._stagger(rule) if rule.spec.check == "stagger" else self._conflicts(rule)
        spec = rule.spec
        required, supports = split_citations(rule, self.pack, sorted(spec.citations))
        for result in found:
            result |= {"rule": spec.id, "title": spec.title, "severity": spec.severity}
            result["frameworks"] = required
            if supports:
                result["supports"] = supports
        return found

    def _result(
        self, rule: Rule, key: str, name: str, status: str, message: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        evidence = [{"operation": "backup-audit:estate", "region": None, "fields": fields}]
        return {
            "resource": estate_resource(rule.id, key, name),
            "status": status,
            "message": message,
            "evidence": evidence,
        }

    def _stagger(self, rule: Rule) -> list[dict[str, Any]]:
        windows = self.policy.windows
        starts: dict[int, dict[str, str]] = defaultdict(dict)  # hour → store id → name
        unknown: dict[str, str] = {}
        for store in self.stores:
            for hour in store.hours:
                starts[hour][store.id] = store.name
            if store.unknown_start:  # several runs a day (every_hours) spread themselves
                unknown[store.id] = store.name
        scheduled = len({i for stores in starts.values() for i in stores} | set(unknown))
        if windows is None or not scheduled:
            why = "no peak hours in the policy" if windows is None else "no scheduled backups"
            return [self._result(rule, "all", "backup start hours", "not_applicable", why, {})]
        limit = windows.max_share_per_hour
        crowded = []
        for hour, stores in sorted(starts.items()):
            share = len(stores) / scheduled
            if share > limit:
                message = (
                    f"{len(stores)} of {scheduled} stores with a scheduled backup start it "
                    f"in the hour {hour:02d}:00 ({windows.timezone}), a share of {share:.0%} — "
                    f"more than {limit:.0%}"
                )
                fields = {"hour": f"{hour:02d}:00", "stores": _stores_field(list(stores.values()))}
                name = f"backups starting {hour:02d}:00 {windows.timezone}"
                crowded.append(self._result(rule, f"{hour:02d}", name, "fail", message, fields))
        if crowded:
            return crowded
        if unknown:
            message = (
                f"the start hours of {len(unknown)} stores' backups are unknown (a schedule or "
                "its time zone could not be read)"
            )
            fields = {"stores": _stores_field(list(unknown.values()))}
            return [
                self._result(rule, "all", "backup start hours", "not_assessed", message, fields)
            ]
        message = f"no hour holds more than {limit:.0%} of the {scheduled} scheduled backups"
        fields = {
            "stores with a scheduled backup": str(scheduled),
            f"stores starting per hour ({windows.timezone})": ", ".join(
                f"{hour:02d}:00 {len(stores)}" for hour, stores in sorted(starts.items())
            ),
        }
        return [self._result(rule, "all", "backup start hours", "pass", message, fields)]

    def _conflicts(self, rule: Rule) -> list[dict[str, Any]]:
        groups: dict[str, list[str]] = defaultdict(list)
        limits: dict[str, tuple[float, float]] = {}
        for store in self.stores:
            if store.retention is not None:
                key, *limit = store.retention
                groups[key].append(store.name)
                limits[key] = (limit[0], limit[1])
        if not groups:
            why = "no store is in scope of both SOX and GDPR"
            return [self._result(rule, "all", "retention policy", "not_applicable", why, {})]
        out = []
        for key, names in sorted(groups.items()):
            sox, gdpr = limits[key]
            status = "fail" if sox > gdpr else "pass"
            verdict = "conflict" if sox > gdpr else "no conflict"
            message = (
                f"{verdict} for classification {key!r}: SOX requires {sox:g} days of retention, "
                f"GDPR allows at most {gdpr:g} days; {len(names)} store(s) affected"
            )
            fields = {"classification": key, "sox_days": sox, "gdpr_max_days": gdpr}
            fields["stores"] = _stores_field(names)
            name = f"retention policy for {key}"
            out.append(self._result(rule, key, name, status, message, fields))
        return out
