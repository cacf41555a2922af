"""Times as the cloud APIs write them: RFC 3339 / ISO 8601 (``2026-11-20T02:00:00Z``,
``…00.1234567Z`` with seven fractional digits as ARM writes them); a time without an
offset is UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def api_time(text: object) -> datetime:
    """An API's timestamp as an aware datetime."""
    when = datetime.fromisoformat(str(text))
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)
