"""Values as Google's REST APIs write them: RFC 3339 times, ``"604800s"`` durations, and
the Cloud KMS key a resource names (customer-managed) or does not (Google-managed)."""

from __future__ import annotations

from datetime import datetime

from scanner.collectors.times import api_time
from scanner.model import Encryption, Evidence

SECONDS_PER_DAY = 86400


def rfc3339(text: object) -> datetime:
    """``"2026-11-20T02:00:00Z"`` → an aware datetime."""
    return api_time(text)


def duration_seconds(duration: object) -> float | None:
    """``"604800s"`` → 604800.0; None when absent or not a JSON duration."""
    if not isinstance(duration, str) or not duration.endswith("s"):
        return None
    return float(duration[:-1])


def duration_days(duration: object) -> float | None:
    """``"604800s"`` → 7.0; None when absent or not a JSON duration."""
    seconds = duration_seconds(duration)
    return None if seconds is None else seconds / SECONDS_PER_DAY


def location_name(location: str) -> str:
    """A region as Google writes it (``europe-west1``); a multi-region upper-cased, as
    Cloud Storage writes it (``eu`` → ``EU``), so one zone pattern matches both."""
    return location if "-" in location else location.upper()


def kms_encryption(operation: str, region: str, field: str, key: object) -> Encryption:
    """Always encrypted at rest: with the named Cloud KMS key (customer-managed), or
    by Google (provider-managed) when the answer names none."""
    evidence = Evidence(operation=operation, region=region, fields={field: key})
    if key:
        return Encryption(
            enabled=True, key_type="customer_managed", key_id=str(key), evidence=[evidence]
        )
    return Encryption(enabled=True, key_type="provider_managed", evidence=[evidence])
