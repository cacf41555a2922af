"""Times in an emulated estate, written as ages relative to "now" (``10h``, ``400d``),
and series of recovery points: shared by the clouds' emulators."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from scanner.durations import parse_duration


class Series(BaseModel):
    """``count`` backups, one ``every`` apart, the newest ``newest`` ago."""

    model_config = ConfigDict(extra="forbid")

    every: str = "24h"
    newest: str = "10h"
    count: int = Field(7, ge=0, le=1000)


def iso(when: datetime) -> str:
    """A time as the APIs write it: ``2026-11-20T02:00:00Z``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(now: datetime, age: str) -> str:
    """The time ``age`` before ``now``, written as the APIs write it."""
    return iso(now - parse_duration(age))


def times(series: Series | None, now: datetime) -> list[datetime]:
    """A series' times, newest first."""
    if series is None:
        return []
    newest, every = now - parse_duration(series.newest), parse_duration(series.every)
    return [newest - n * every for n in range(series.count)]
