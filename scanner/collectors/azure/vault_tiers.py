"""The tiers of a Backup vault policy: what each keeps, and how often it gets a backup.

A policy's backup rule runs on a schedule and tags each backup: ``Default``, or a tag
such as ``Weekly`` whose criteria (``FirstOfWeek``…) pick the backups it keeps longer.
Each tag is kept by the retention rule of its name; the default, by the default rule for
the backup rule's data store. So one rule with a weekly tag is two tiers — daily backups
kept 30 days, weekly ones kept 12 weeks — never one "daily backup kept 12 weeks". An
operational tier (blob operational backup: a retention rule on ``OperationalStore``,
no schedule) is continuous protection beside the vaulted tiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scanner.collectors.azure.periods import period, period_days
from scanner.collectors.times import api_time

OPERATIONAL = "OperationalStore"
_EPOCH = datetime(2000, 1, 3, tzinfo=timezone.utc)  # a Monday
#: The longest time between two backups an absolute tagging criterion picks, in hours.
_CRITERIA_HOURS = {
    "AllBackup": None,
    "FirstOfDay": 24.0,
    "FirstOfWeek": 7 * 24.0,
    "FirstOfMonth": 31 * 24.0,
    "FirstOfYear": 366 * 24.0,
}


@dataclass(frozen=True)
class Tier:
    """One tier: its name, the data store it lands in, the longest time between its
    backups (``None``: continuous, or unknown) and how long each is kept."""

    name: str
    data_store: str
    hours: float | None
    kept_days: float | None
    continuous: bool = False


def tiers(policy: dict[str, Any]) -> list[Tier]:
    """Every tier of a policy: the operational one, then each backup rule's tags."""
    rules = (policy.get("properties") or {}).get("policyRules", [])
    retention = [r for r in rules if r.get("objectType") == "AzureRetentionRule"]
    found: list[Tier] = []
    operational = _kept(retention, lambda r: True, (OPERATIONAL,))
    if operational is not None:
        found.append(Tier("operational", OPERATIONAL, None, operational, continuous=True))
    for rule in rules:
        if rule.get("objectType") == "AzureBackupRule":
            found += _rule_tiers(rule, retention)
    return found


def _rule_tiers(rule: dict[str, Any], retention: list[dict[str, Any]]) -> list[Tier]:
    store = str((rule.get("dataStore") or {}).get("dataStoreType", ""))
    trigger = rule.get("trigger") or {}
    every = interval_hours(trigger)
    name = str(rule.get("name", ""))
    default = _kept(retention, lambda r: bool(r.get("isDefault")), (store, "ArchiveStore"))
    found = [Tier(name, store, every, default)]
    for tag in trigger.get("taggingCriteria") or []:
        tag_name = str((tag.get("tagInfo") or {}).get("tagName", ""))
        if tag.get("isDefault") or tag_name == "Default":
            continue
        hours = _tag_hours(tag, every)
        kept = _kept(retention, lambda r, n=tag_name: r.get("name") == n, None)
        found.append(Tier(f"{name}/{tag_name}", store, hours, kept))
    return found


def _kept(
    retention: list[dict[str, Any]], chosen: Any, sources: tuple[str, ...] | None
) -> float | None:
    """The longest ``deleteAfter`` of the chosen retention rules' lifecycles (of those
    leaving one of ``sources``, when given)."""
    days = [
        period_days((life.get("deleteAfter") or {}).get("duration"))
        for rule in retention
        if chosen(rule)
        for life in rule.get("lifecycles", [])
        if sources is None or (life.get("sourceDataStore") or {}).get("dataStoreType") in sources
    ]
    known = [d for d in days if d]
    return max(known) if known else None


def _tag_hours(tag: dict[str, Any], every: float | None) -> float | None:
    """The longest time between two backups a tag picks: the first backup of a period
    can come up to one run after the period starts, so a weekly schedule picking the
    first of each month leaves up to 31 days + 7 days − 1 day; unknown for criteria on
    days or weeks of the month."""
    criteria = tag.get("criteria") or []
    picks = [a for c in criteria for a in c.get("absoluteCriteria") or []]
    if not picks or any(p not in _CRITERIA_HOURS for p in picks):
        return None
    hours = [_CRITERIA_HOURS[p] or every for p in picks]
    if any(h is None for h in hours) or every is None:
        return None
    period = min(h for h in hours if h is not None)
    return max(every, period + every - min(every, 24.0))


def interval_hours(trigger: dict[str, Any]) -> float | None:
    """The longest time between two runs: ``R/2026-01-01T02:00:00+00:00/P1D`` → 24.0;
    several intervals of one period (weekly on Monday and Thursday) → the widest gap
    between their starts within the period."""
    schedule = (trigger.get("schedule") or {}).get("repeatingTimeIntervals", [])
    parts = [str(interval).split("/") for interval in schedule]
    spans = {period(p[-1]) for p in parts}
    if len(spans) != 1 or None in spans:
        known = [s.total_seconds() / 3600 for s in spans if s]
        return max(known) if known else None
    span = spans.pop()
    assert span is not None
    if len(parts) == 1:
        return span.total_seconds() / 3600
    offsets = sorted((api_time(p[1]) - _EPOCH) % span for p in parts)
    gaps = [
        (b - a) % span or span for a, b in zip(offsets, [*offsets[1:], offsets[0]], strict=True)
    ]
    return max(gaps).total_seconds() / 3600
