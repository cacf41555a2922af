"""Reading the region and account out of an ARN, and backup windows out of RDS strings."""

from __future__ import annotations

from scanner.model import Window


def arn_region(arn: str) -> str | None:
    """The region field of an ARN (``None`` for global or malformed ARNs)."""
    parts = arn.split(":")
    return parts[3] or None if arn.startswith("arn:") and len(parts) > 5 else None


def arn_account(arn: str) -> str | None:
    """The account field of an ARN."""
    parts = arn.split(":")
    return parts[4] or None if arn.startswith("arn:") and len(parts) > 5 else None


def hhmm_window(text: str | None) -> Window | None:
    """``"hh24:mi-hh24:mi"`` (UTC) as a Window; None when absent or malformed."""
    if not text or "-" not in text:
        return None
    start, end = text.split("-", 1)
    try:
        sh, sm = (int(x) for x in start.split(":"))
        eh, em = (int(x) for x in end.split(":"))
    except ValueError:
        return None
    minutes = (eh * 60 + em - sh * 60 - sm) % (24 * 60)
    return Window(start=f"{sh:02d}:{sm:02d}", duration_minutes=minutes, timezone="UTC")
