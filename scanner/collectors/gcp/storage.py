"""Cloud Storage buckets: every setting a rule reads comes from one ``buckets.list`` call
per project (``GET /storage/v1/b?project=P``), read as the JSON the API returns.

A bucket's location is a region (``EUROPE-WEST1``), a dual-region — configurable, with
``customPlacementConfig.dataLocations``, or predefined (``EUR4``) — or a multi-region
(``EU``); the store's ``regions`` are the member regions where they are known, else the
location as Google names it. Versioning (bounded by lifecycle rules that delete
noncurrent versions), soft delete and a retention policy (locked or not) are
protections; none of them is a backup, and a dual-region's second region holds the
primary data, not a copy.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.answers import tag_evidence
from scanner.collectors.gcp.api import GcpApi
from scanner.collectors.gcp.fields import SECONDS_PER_DAY, kms_encryption
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult
from scanner.model import DataStore, Evidence, Protection

OPERATIONS = declare("storage", {"ListBuckets": "storage.buckets.list"})
ROUTES: tuple[Route, ...] = (route(OPERATIONS[0], "GET", r"/storage/v1/b"),)
OPERATION = "storage:ListBuckets"
KIND = "gcp.storage.bucket"

#: Predefined dual-regions and their member regions (Cloud Storage locations page).
DUAL_REGIONS = {
    "ASIA1": ("asia-northeast1", "asia-northeast2"),
    "EUR4": ("europe-north1", "europe-west4"),
    "EUR5": ("europe-west1", "europe-west2"),
    "NAM4": ("us-central1", "us-east1"),
}


def list_buckets(api: GcpApi, project: str) -> tuple[list[StoreResult], Any]:
    """Every bucket of ``project`` as a store, or the gap that stopped the listing."""
    client = api.storage_client(project)
    listing = api.pages(
        "storage",
        "ListBuckets",
        "inventory",
        lambda: iter(client.list_buckets(projection="noAcl", retry=api.retry()).pages),
    )
    stores = [StoreResult(bucket_store(b._properties, project)) for b in listing.items]
    for item in stores:  # the absence is evidence too
        item.note_listing(
            Evidence(
                operation=OPERATION,
                region=item.store.region,
                fields={
                    "backups of the bucket": "none (versions and soft-deleted objects stay in it)"
                },
            )
        )
    return stores, listing.gap


def bucket_store(bucket: dict[str, Any], project: str) -> DataStore:
    """One bucket, as ``buckets.list`` returned it, as a store."""
    location = str(bucket.get("location", ""))
    kind = str(bucket.get("locationType", ""))
    store = DataStore(
        id=f"gs://{bucket['name']}",
        cloud="gcp",
        account=project,
        region=location.lower() if kind == "region" else location,
        regions=member_regions(bucket),
        redundancy="geo" if kind in ("multi-region", "dual-region") else None,
        kind=KIND,
        name=bucket["name"],
        created_at=bucket.get("timeCreated"),
        tags=dict(bucket.get("labels") or {}),
        attributes=_attributes(bucket),
    )
    store.evidence += [
        Evidence(operation=OPERATION, region=store.region, fields=_location_fields(bucket)),
        tag_evidence(OPERATION, store.region, store.tags or {}),
    ]
    key = (bucket.get("encryption") or {}).get("defaultKmsKeyName")
    store.encryption = kms_encryption(OPERATION, store.region, "encryption.defaultKmsKeyName", key)
    store.protections += [_versioning(bucket, store.region), _soft_delete(bucket, store.region)]
    if "retentionPolicy" in bucket:
        store.protections.append(_retention_policy(bucket, store.region))
    return store


def member_regions(bucket: dict[str, Any]) -> list[str]:
    """The regions holding the data: a region; a dual-region's two; else the location
    itself (a multi-region such as ``EU``, or a dual-region not listed here)."""
    location = str(bucket.get("location", ""))
    placed = (bucket.get("customPlacementConfig") or {}).get("dataLocations") or []
    if bucket.get("locationType") == "region":
        return [location.lower()]
    if placed:
        return sorted(str(r).lower() for r in placed)
    return list(DUAL_REGIONS.get(location, (location,)))


def _location_fields(bucket: dict[str, Any]) -> dict[str, Any]:
    placed = (bucket.get("customPlacementConfig") or {}).get("dataLocations") or []
    return {
        "location": bucket.get("location"),
        "locationType": bucket.get("locationType"),
        "customPlacementConfig.dataLocations": ", ".join(placed) or None,
        "rpo": bucket.get("rpo"),
        "timeCreated": bucket.get("timeCreated"),
    }


def _attributes(bucket: dict[str, Any]) -> dict[str, Any]:
    return {
        "location_type": bucket.get("locationType"),
        "turbo_replication": bucket.get("rpo") == "ASYNC_TURBO",
        "object_retention": (bucket.get("objectRetention") or {}).get("mode") == "Enabled",
        "storage_class": bucket.get("storageClass"),
    }


def _versioning(bucket: dict[str, Any], region: str) -> Protection:
    enabled = bool((bucket.get("versioning") or {}).get("enabled"))
    days = noncurrent_days(bucket.get("lifecycle") or {})
    return Protection(
        role="versioning",
        origin="native",
        source="Cloud Storage object versioning",
        name="Object versioning",
        enabled=enabled,
        immutable=False,
        retention_days=days,
        retention_unbounded=enabled and days is None,
        evidence=[
            Evidence(
                operation=OPERATION,
                region=region,
                fields={
                    "versioning.enabled": enabled,
                    "lifecycle.rule[] deleting noncurrent versions (shortest days)": days,
                },
            )
        ],
    )


def noncurrent_days(lifecycle: dict[str, Any]) -> float | None:
    """The fewest days a lifecycle rule keeps noncurrent versions (``Delete`` with
    ``daysSinceNoncurrentTime``, or ``age`` on non-live versions); None when no rule
    bounds them."""
    days = []
    for rule in lifecycle.get("rule") or []:
        if (rule.get("action") or {}).get("type") != "Delete":
            continue
        condition = rule.get("condition") or {}
        if "daysSinceNoncurrentTime" in condition:
            days.append(float(condition["daysSinceNoncurrentTime"]))
        elif condition.get("isLive") is False and "age" in condition:
            days.append(float(condition["age"]))
    return min(days) if days else None


def _soft_delete(bucket: dict[str, Any], region: str) -> Protection:
    seconds = float((bucket.get("softDeletePolicy") or {}).get("retentionDurationSeconds") or 0)
    return Protection(
        role="soft_delete",
        origin="native",
        source="Cloud Storage soft delete",
        name="Soft delete",
        enabled=seconds > 0,
        immutable=False,
        retention_days=seconds / SECONDS_PER_DAY if seconds else None,
        evidence=[
            Evidence(
                operation=OPERATION,
                region=region,
                fields={"softDeletePolicy.retentionDurationSeconds": seconds},
            )
        ],
    )


def _retention_policy(bucket: dict[str, Any], region: str) -> Protection:
    """A bucket retention policy; locked, it can be neither shortened nor removed."""
    policy = bucket["retentionPolicy"]
    seconds = float(policy.get("retentionPeriod") or 0)
    locked = bool(policy.get("isLocked"))
    return Protection(
        role="retention_lock",
        origin="native",
        source="Cloud Storage bucket retention policy",
        name="Bucket Lock" if locked else "Retention policy (unlocked)",
        enabled=seconds > 0,
        immutable=locked and seconds > 0,
        retention_days=seconds / SECONDS_PER_DAY if seconds else None,
        details={"locked": locked},
        evidence=[
            Evidence(
                operation=OPERATION,
                region=region,
                fields={
                    "retentionPolicy.retentionPeriod": seconds,
                    "retentionPolicy.isLocked": locked,
                    "retentionPolicy.effectiveTime": policy.get("effectiveTime"),
                },
            )
        ],
    )
