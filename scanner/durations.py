"""Durations written the way people write them in policies: ``30m``, ``1h``, ``35d``, ``7y``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdwy])\s*$")
#: Longer than any retention or interval a policy means (and well within a date's range).
LONGEST = timedelta(days=1000 * 365)


def parse_duration(text: str) -> timedelta:
    """``"35d"`` → 35 days. A year is 365 days. Raises ValueError on anything else."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (write e.g. 30m, 1h, 35d, 7y)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > LONGEST.total_seconds():
        raise ValueError(f"{text!r} is longer than 1000 years: not a duration a policy can mean")
    return timedelta(seconds=seconds)
