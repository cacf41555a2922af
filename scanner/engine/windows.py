"""Backup windows in the policy's time zone: when each scheduled backup starts, whether it
runs into peak hours, and how many stores start in the same local hour (staggering).

Start times are converted on the evaluation date; a window in a time zone that cannot be
resolved is unknown (no ``hour``, no ``in_peak``), never inside or outside the peak.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scanner.model import StoreOutline, Window
from scanner.policy import Windows
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


class BackupWindows:
    """The scheduled backup windows of stores, against the policy's peak hours."""

    def __init__(self, windows: Windows | None, now: datetime) -> None:
        self.now = now
        self.zone = ZoneInfo(windows.timezone) if windows else None
        self.peak: tuple[int, int] | None = None
        if windows:
            start, end = (_minutes(p) for p in windows.peak.split("-"))
            self.peak = (start, end + (DAY_MINUTES if end <= start else 0))

    @staticmethod
    def with_shares(
        windows: list[dict[str, Any]], hours: Counter[int], scheduled: int
    ) -> list[dict[str, Any]]:
        """A store's ``windows`` with each start's ``hour_share``: of the ``scheduled``
        stores (those with a window), the share that start a backup in its hour
        (``hours``: the stores starting per hour, :func:`hour_counts`)."""
        for window in windows:
            if "hour" in window:
                window["hour_share"] = hours[window["hour"]] / (scheduled or 1)
        return windows

    def of_store(self, store: StoreOutline) -> list[dict[str, Any]]:
        """One entry per enabled protection with a start time."""
        if self.zone is None or self.peak is None:
            return []
        out: list[dict[str, Any]] = []
        if any(
            g.attribute == "protections" and (g.role is None or g.role in BACKUP_ROLES)
            for g in store.gaps
        ):  # a scheduled backup may be among what could not be read
            out.append({"protection": "(a protection that could not be read)"})
        for protection in store.protections:
            window = protection.window
            if _recurring(protection.enabled, protection.frequency_hours, window):
                out.append(self._recurring(protection.name, protection.frequency_hours or 0.0))
                continue
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
            ).astimezone(self.zone)
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

    def _recurring(self, name: str, every: float) -> dict[str, Any]:
        """A schedule running every ``every`` hours starts in the peak hours whenever the
        peak is at least that long."""
        assert self.peak is not None
        peak_minutes = self.peak[1] - self.peak[0]
        return {"protection": name, "every_hours": every, "in_peak": peak_minutes >= every * 60}

    def _overlaps_peak(self, begin: int, duration: int) -> bool:
        """Whether [begin, begin + duration) local minutes touches the peak hours."""
        assert self.peak is not None
        peak_start, peak_end = self.peak
        end = begin + max(duration, 1)
        # Compare on two consecutive days so windows and peaks crossing midnight overlap.
        return any(
            begin + shift < peak_end and peak_start < end + shift
            for shift in (-DAY_MINUTES, 0, DAY_MINUTES)
        )


def _recurring(enabled: bool, every: float | None, window: Window | None) -> bool:
    """An enabled schedule that runs more than once a day and has no single start."""
    return enabled and every is not None and 0 < every < 24 and (window is None or not window.start)


def start_hours(windows: list[dict[str, Any]]) -> frozenset[int]:
    """The local hours in which a store's backup ``windows`` start."""
    return frozenset(w["hour"] for w in windows if "hour" in w)
