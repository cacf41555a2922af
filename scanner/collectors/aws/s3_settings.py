"""Turning S3 versioning, lifecycle and Object Lock answers into protections.

Each function receives the API answer, ``{}`` when the setting is absent (a documented
not-found error) or ``None`` when it could not be read (the gap is already recorded), and
the request id of each answer by operation, which the evidence cites.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import DataStore, Evidence, Protection


def noncurrent_retention_days(lifecycle: dict[str, Any]) -> int | None:
    """Shortest ``NoncurrentVersionExpiration.NoncurrentDays`` of the enabled rules."""
    days = [
        rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        for rule in lifecycle.get("Rules", [])
        if rule.get("Status") == "Enabled"
        and "NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {})
    ]
    return min(days) if days else None


def apply_versioning(
    store: DataStore,
    versioning: dict[str, Any] | None,
    lifecycle: dict[str, Any] | None,
    region: str,
    request_ids: Mapping[str, str | None],
) -> None:
    """Versioning as a protection; old versions are kept as long as lifecycle allows."""
    if versioning is None:
        return
    status = versioning.get("Status", "Disabled")
    mfa = versioning.get("MFADelete", "Disabled")
    store.attributes["versioning"] = status
    store.attributes["mfa_delete"] = mfa == "Enabled"
    evidence = [
        Evidence(
            operation="s3:GetBucketVersioning",
            region=region,
            fields={"Status": versioning.get("Status"), "MFADelete": versioning.get("MFADelete")},
            request_id=request_ids.get("GetBucketVersioning"),
        )
    ]
    days = None if lifecycle is None else noncurrent_retention_days(lifecycle)
    if lifecycle is not None:
        evidence.append(
            Evidence(
                operation="s3:GetBucketLifecycleConfiguration",
                region=region,
                fields={"Rules[].NoncurrentVersionExpiration.NoncurrentDays (shortest)": days},
                request_id=request_ids.get("GetBucketLifecycleConfiguration"),
            )
        )
    store.protections.append(
        Protection(
            role="versioning",
            origin="native",
            source="S3 versioning",
            name="S3 versioning",
            enabled=status == "Enabled",
            immutable=False,
            retention_days=days,
            retention_unbounded=status == "Enabled" and lifecycle is not None and days is None,
            details={"mfa_delete": mfa == "Enabled", "status": status},
            evidence=evidence,
        )
    )


def apply_lifecycle(store: DataStore, lifecycle: dict[str, Any] | None) -> None:
    """Current-object expiry, which bounds how long data itself is kept."""
    if lifecycle is None:
        return
    days = [
        rule["Expiration"]["Days"]
        for rule in lifecycle.get("Rules", [])
        if rule.get("Status") == "Enabled" and "Days" in rule.get("Expiration", {})
    ]
    store.attributes["lifecycle_rules"] = len(lifecycle.get("Rules", []))
    store.attributes["current_version_expiration_days"] = min(days) if days else None


def apply_object_lock(
    store: DataStore,
    config: dict[str, Any] | None,
    region: str,
    request_ids: Mapping[str, str | None],
) -> None:
    """Object Lock: COMPLIANCE mode default retention makes versions immutable."""
    if config is None:
        return
    lock = config.get("ObjectLockConfiguration", {})
    enabled = lock.get("ObjectLockEnabled") == "Enabled"
    retention = lock.get("Rule", {}).get("DefaultRetention", {})
    mode = retention.get("Mode")
    days = retention.get("Days") or (retention.get("Years") or 0) * 365 or None
    store.attributes["object_lock"] = enabled
    if not enabled:
        return
    store.protections.append(
        Protection(
            role="retention_lock",
            origin="native",
            source="S3 Object Lock",
            name="S3 Object Lock",
            enabled=True,
            retention_days=days,
            immutable=enabled and mode == "COMPLIANCE" and days is not None,
            details={"mode": mode},
            evidence=[
                Evidence(
                    operation="s3:GetObjectLockConfiguration",
                    region=region,
                    fields={
                        "ObjectLockConfiguration.ObjectLockEnabled": lock.get("ObjectLockEnabled"),
                        "Rule.DefaultRetention.Mode": mode,
                        "Rule.DefaultRetention.Days": retention.get("Days"),
                        "Rule.DefaultRetention.Years": retention.get("Years"),
                    },
                    request_id=request_ids.get("GetObjectLockConfiguration"),
                )
            ],
        )
    )
