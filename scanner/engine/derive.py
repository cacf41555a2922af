"""Facts the engine computes for rules (``derived``): ages, residency, backup windows.

``backups`` are the enabled protections whose role makes a restorable backup. Backup
start times are converted to the policy's time zone on the evaluation date;
``hour_share`` is the share of all stores with a scheduled backup that start in the
same local hour (the stagger check). Residency judges every region of the store's
location; a location or copy whose region is unknown has no ``in_zone``, so a residency
rule reading it is not_assessed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scanner.engine.resolve import PolicyResolver, Resolution
from scanner.model import DataStore
from scanner.policy import Policy
from scanner.vocabulary import BACKUP_ROLES

DAY_MINUTES = 24 * 60


def _zone(name: str) -> ZoneInfo | None:
    """The time zone, or None when the name cannot be resolved."""
    try:
        return ZoneInfo("UTC" if name in ("UTC", "Etc/UTC") else name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def backups(store_data: dict[str, Any]) -> list[dict[str, Any]]:
    """The enabled protections (as dumped) whose role makes a restorable backup."""
    return [
        p for p in store_data.get("protections", []) if p["enabled"] and p["role"] in BACKUP_ROLES
    ]


class Deriver:
    """Computes ``derived`` for every store of one evaluation."""

    def __init__(self, policy: Policy, resolver: PolicyResolver, now: datetime) -> None:
        self.policy, self.resolver, self.now = policy, resolver, now
        windows = policy.windows
        self._zone = ZoneInfo(windows.timezone) if windows else None
        self._peak: tuple[int, int] | None = None
        if windows:
            start, end = (_minutes(p) for p in windows.peak.split("-"))
            self._peak = (start, end + (DAY_MINUTES if end <= start else 0))

    def derive_all(
        self, stores: list[DataStore], resolutions: list[Resolution]
    ) -> list[dict[str, Any]]:
        """``derived`` for each store, in order (without ``backups``, which
        :func:`backups` adds from the store's data); stagger shares span all stores."""
        windows = [self._windows(s) for s in stores]
        hours: Counter[int] = Counter()
        for store_windows in windows:
            hours.update({w["hour"] for w in store_windows if "hour" in w})
        scheduled = sum(1 for w in windows if w) or 1
        out: list[dict[str, Any]] = []
        for store, resolution, store_windows in zip(stores, resolutions, windows, strict=True):
            for window in store_windows:
                if "hour" in window:
                    window["hour_share"] = hours[window["hour"]] / scheduled
            out.append(self._derive(store, resolution, store_windows))
        return out

    def _derive(
        self, store: DataStore, resolution: Resolution, windows: list[dict[str, Any]]
    ) -> dict[str, Any]:
        derived: dict[str, Any] = {"windows": windows}
        newest = store.recovery_points.newest
        if newest is not None:
            age = (self.now - newest).total_seconds()
            derived["newest_age_hours"] = max(age, 0.0) / 3600
            if age < 0:
                derived["newest_after_collection_seconds"] = -age
        oldest = store.recovery_points.oldest
        if oldest is not None:
            derived["oldest_age_hours"] = max((self.now - oldest).total_seconds(), 0.0) / 3600
        zone = (resolution.policy or {}).get("residency_zone")
        if zone is not None:
            derived["residency"] = self._residency(store, zone)
        return derived

    def _residency(self, store: DataStore, zone: str) -> dict[str, Any]:
        copies = []
        for copy in store.copies:
            item: dict[str, Any] = {"target": copy.target, "kind": copy.kind}
            if copy.region is not None:
                item["region"] = copy.region
                item["in_zone"] = self.resolver.in_zone(zone, store.cloud, copy.region)
            copies.append(item)
        residency: dict[str, Any] = {"zone": zone, "copies": copies}
        if store.regions:  # unresolved (None) or empty: both stay unknown, never "inside"
            outside = [r for r in store.regions if not self.resolver.in_zone(zone, store.cloud, r)]
            residency["primary_in_zone"] = not outside
            residency["regions_outside"] = outside
        return residency

    def _windows(self, store: DataStore) -> list[dict[str, Any]]:
        if self._zone is None or self._peak is None:
            return []
        out: list[dict[str, Any]] = []
        for protection in store.protections:
            window = protection.window
            if not protection.enabled or window is None or window.start is None:
                continue
            source_zone = _zone(window.timezone)
            if source_zone is None:  # a zone we cannot resolve: the window is unknown
                out.append({"protection": protection.name})
                continue
            start = datetime.combine(
                self.now.date(),
                datetime.strptime(window.start, "%H:%M").time(),
                tzinfo=source_zone,
            ).astimezone(self._zone)
            begin = start.hour * 60 + start.minute
            out.append(
                {
                    "protection": protection.name,
                    "start_local": f"{start:%H:%M}",
                    "hour": start.hour,
                    "in_peak": self._overlaps_peak(begin, window.duration_minutes or 0),
                }
            )
        return out

    def _overlaps_peak(self, begin: int, duration: int) -> bool:
        """Whether [begin, begin + duration) local minutes touches the peak hours."""
        assert self._peak is not None
        peak_start, peak_end = self._peak
        end = begin + max(duration, 1)
        # Compare on two consecutive days so windows and peaks crossing midnight overlap.
        return any(
            begin + shift < peak_end and peak_start < end + shift
            for shift in (-DAY_MINUTES, 0, DAY_MINUTES)
        )
