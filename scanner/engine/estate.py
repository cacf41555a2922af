"""Estate-wide checks: findings about the estate or the policy, reported once — not as a
failure on every store they touch.

``stagger``: one finding per local hour in which more than the policy's share of the
stores with a scheduled backup start (a pass when no hour is crowded). Windows whose time
zone cannot be resolved make the result not_assessed. ``retention_conflict``: one finding
per classification for which the policy requires a SOX minimum retention longer than the
GDPR maximum — a conflict in the policy to decide, listed with the stores it affects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.engine.citations import split_citations
from scanner.engine.resolve import Resolution
from scanner.engine.rules import Rule, RulePack
from scanner.model import DataStore
from scanner.policy import Policy

SHOWN = 20


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

    def __init__(
        self,
        pack: RulePack,
        policy: Policy,
        stores: list[DataStore],
        resolutions: list[Resolution],
        windows: list[list[dict[str, Any]]],
    ) -> None:
        self.pack, self.policy, self.stores = pack, policy, stores
        #: each store's backup windows (``derived.windows``)
        self.resolutions, self.windows = resolutions, windows

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
        for store, store_windows in zip(self.stores, self.windows, strict=True):
            for window in store_windows:
                if "hour" in window:
                    starts[window["hour"]][store.id] = store.name
                elif "every_hours" not in window:  # several runs a day spread themselves
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
        for store, resolution in zip(self.stores, self.resolutions, strict=True):
            policy = resolution.policy
            if "sox_retention_days" in policy and "gdpr_max_retention_days" in policy:
                key = str(policy["classification"])
                groups[key].append(store.name)
                limits[key] = (policy["sox_retention_days"], policy["gdpr_max_retention_days"])
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
