"""A storage account's blob service settings as protections: soft delete, versioning
(bounded by the lifecycle policy's rules deleting previous versions) and point-in-time
restore, from ``blobServices/default`` and ``managementPolicies/default``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.storage import BLOB, LIFECYCLE
from scanner.collectors.tasks import StoreResult
from scanner.collectors.times import api_time
from scanner.model import Evidence, Gap, Protection
from scanner.vocabulary import ProtectionRole

RESTORE = "Blob point-in-time restore"

_BLOB_ROLES: tuple[ProtectionRole, ...] = ("soft_delete", "versioning", "continuous")


def apply_blob_settings(
    item: StoreResult,
    blob: dict[str, Any] | None,
    blob_gap: Gap | None,
    policy: dict[str, Any] | None,
    policy_gap: Gap | None,
    now: datetime,
) -> None:
    """The account's blob protections; an unreadable blob service leaves all three
    unknown, an unreadable lifecycle policy only how long versions live."""
    store = item.store
    if blob is None:
        for role in _BLOB_ROLES:
            unread = blob_gap.model_copy(update={"role": role}) if blob_gap else None
            store.gaps += gap_for(unread, "protections", resource=store.id) if unread else []
        return
    props = blob.get("properties") or {}
    store.attributes["change_feed"] = bool((props.get("changeFeed") or {}).get("enabled"))
    store.protections.append(_soft_delete(props, store.region))
    no_policy = policy_gap is not None and policy_gap.error_code == "ManagementPolicyNotFound"
    if policy_gap is not None and not no_policy and props.get("isVersioningEnabled"):
        store.gaps += gap_for(
            policy_gap.model_copy(update={"role": "versioning"}), "protections", resource=store.id
        )
    known = policy if policy is not None else ({} if no_policy else None)
    store.protections.append(_versioning(props, known, store.region))
    restore = props.get("restorePolicy") or {}
    pitr = _days_policy(restore, "restorePolicy", "continuous", RESTORE, store.region)
    store.protections.append(pitr)
    earliest = restore.get("minRestoreTime")
    if restore.get("enabled") and earliest:
        evidence = Evidence(
            operation=BLOB,
            region=store.region,
            fields={"properties.restorePolicy.minRestoreTime": earliest},
        )
        oldest = api_time(earliest)
        key_type = store.encryption.key_type if store.encryption else None
        item.add_window(RESTORE, oldest, now, evidence, True, key_type)


def _soft_delete(props: dict[str, Any], region: str) -> Protection:
    policy = props.get("deleteRetentionPolicy") or {}
    return _days_policy(policy, "deleteRetentionPolicy", "soft_delete", "Blob soft delete", region)


def _days_policy(
    policy: dict[str, Any], key: str, role: ProtectionRole, name: str, region: str
) -> Protection:
    """A blob-service policy that is on or off and keeps ``days`` (soft delete, point-in-
    time restore) as a protection."""
    enabled = bool(policy.get("enabled"))
    return Protection(
        role=role,
        origin="native",
        source=name,
        name=name,
        enabled=enabled,
        retention_days=float(policy["days"]) if enabled and policy.get("days") else None,
        immutable=False,
        evidence=[
            Evidence(
                operation=BLOB,
                region=region,
                fields={
                    f"properties.{key}.enabled": enabled,
                    f"properties.{key}.days": policy.get("days"),
                },
            )
        ],
    )


def _versioning(props: dict[str, Any], policy: dict[str, Any] | None, region: str) -> Protection:
    """Versioning, kept as long as the shortest enabled lifecycle rule over every blob
    deletes previous versions; unbounded without one (``policy`` ``{}``: the account has
    no lifecycle policy; ``None``: it could not be read)."""
    enabled = bool(props.get("isVersioningEnabled"))
    days = _version_delete_days(policy) if policy is not None else None
    return Protection(
        role="versioning",
        origin="native",
        source="Blob versioning",
        name="Blob versioning",
        enabled=enabled,
        retention_days=days if enabled else None,
        retention_unbounded=enabled and policy is not None and days is None,
        immutable=False,
        evidence=[
            Evidence(
                operation=BLOB,
                region=region,
                fields={"properties.isVersioningEnabled": enabled},
            ),
            Evidence(
                operation=LIFECYCLE,
                region=region,
                fields={"version.delete.daysAfterCreationGreaterThan (every blob)": days},
            ),
        ],
    )


def _version_delete_days(policy: dict[str, Any]) -> float | None:
    """The shortest ``version.delete`` of the enabled rules that cover every block blob:
    a rule filtered by prefix or blob index tags, or not on block blobs, bounds only some."""
    rules = ((policy.get("properties") or {}).get("policy") or {}).get("rules", [])
    days = []
    for rule in rules:
        definition = rule.get("definition") or {}
        filters = definition.get("filters") or {}
        version = ((definition.get("actions") or {}).get("version") or {}).get("delete") or {}
        every_blob = not filters.get("prefixMatch") and not filters.get("blobIndexMatch")
        block_blobs = "blockBlob" in filters.get("blobTypes", ["blockBlob"])
        after = version.get("daysAfterCreationGreaterThan")
        if rule.get("enabled", True) and every_blob and block_blobs and after is not None:
            days.append(float(after))
    return min(days) if days else None
