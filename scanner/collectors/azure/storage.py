"""Storage accounts (Blob): one ``storageAccounts`` listing per subscription, then per
account its blob service properties and its lifecycle management policy.

- The SKU's redundancy: GRS, RA-GRS, GZRS and RA-GZRS keep a copy in the paired region,
  which the account names (``secondaryLocation``) — observed while ``statusOfSecondary``
  is ``available``, configured otherwise; LRS and ZRS stay in one region.
- Blob soft delete (``deleteRetentionPolicy``), versioning (bounded by a lifecycle rule
  deleting previous versions, ``actions.version.delete``), point-in-time restore
  (``restorePolicy``: a continuous window back to ``minRestoreTime``, up to the present)
  and account-level version immutability (``immutableStorageWithVersioning``: locked
  or not) are protections; none is a backup.
- The encryption key: Microsoft-managed (``Microsoft.Storage``) or a Key Vault key.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.azure.api import AzureApi, answer_lacks, resource_group
from scanner.collectors.azure.regions import region_name
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.model import Copy, DataStore, Encryption, Evidence, Gap, Protection

OPERATIONS = declare(
    "storage",
    {
        "ListStorageAccounts": "Microsoft.Storage/storageAccounts/read",
        "GetBlobServiceProperties": "Microsoft.Storage/storageAccounts/blobServices/read",
        "GetManagementPolicy": "Microsoft.Storage/storageAccounts/managementPolicies/read",
    },
)
_ACCOUNT = (
    r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[^/]+"
)
ROUTES: tuple[Route, ...] = (
    route(
        OPERATIONS[0], "GET", r"/subscriptions/[^/]+/providers/Microsoft\.Storage/storageAccounts"
    ),
    route(OPERATIONS[1], "GET", _ACCOUNT + r"/blobServices/default"),
    route(OPERATIONS[2], "GET", _ACCOUNT + r"/managementPolicies/default"),
)
KIND = "azure.storage.account"
LISTING = "storage:ListStorageAccounts"
BLOB = "storage:GetBlobServiceProperties"
LIFECYCLE = "storage:GetManagementPolicy"
_REDUNDANCY = {
    "LRS": "local",
    "ZRS": "zone",
    "GRS": "geo",
    "RAGRS": "geo",
    "GZRS": "geo_zone",
    "RAGZRS": "geo_zone",
}


def list_accounts(
    api: AzureApi, subscription: str, now: datetime
) -> tuple[list[StoreResult], Gap | None, list[Task]]:
    """Every storage account as a store (or the listing's gap), and a read of each one's
    blob service and lifecycle policy to run alongside."""
    from azure.mgmt.storage import StorageManagementClient

    client = api.client(StorageManagementClient, subscription)
    listing = api.pages("storage", "ListStorageAccounts", "inventory", client.storage_accounts.list)
    if listing.gap is not None:
        return [], listing.gap, []
    items = [StoreResult(account_store(a, subscription)) for a in listing.items]
    reads: list[Task] = [partial(read_blob_settings, api, client, item, now) for item in items]
    return items, None, reads


def account_store(account: dict[str, Any], subscription: str) -> DataStore:
    """One ``StorageAccount`` as ``storageAccounts`` listed it."""
    props = account.get("properties") or {}
    region = region_name(props.get("primaryLocation") or account.get("location", ""))
    sku = str((account.get("sku") or {}).get("name", ""))
    redundancy = _REDUNDANCY.get(sku.split("_")[-1])
    store = DataStore(
        id=str(account["id"]),
        cloud="azure",
        account=subscription,
        region=region,
        regions=[region],
        redundancy=redundancy,
        kind=KIND,
        name=str(account["name"]),
        created_at=props.get("creationTime"),
        tags=dict(account.get("tags") or {}),
        attributes={"sku": sku, "kind": account.get("kind")},
    )
    store.evidence.append(
        Evidence(
            operation=LISTING,
            region=region,
            fields={
                "sku.name": sku,
                "properties.primaryLocation": props.get("primaryLocation"),
                "tags": ", ".join(sorted(account.get("tags") or {})),
            },
        )
    )
    store.encryption = _encryption(props, region)
    if redundancy is None:  # no SKU, or one whose redundancy is not known here
        store.gaps.append(answer_lacks(store, LISTING, "known sku.name", "copies", "SkuUnknown"))
    store.copies += _secondary(store, props, sku)
    store.protections.append(_immutability(props, region))
    return store


def _encryption(props: dict[str, Any], region: str) -> Encryption:
    encryption = props.get("encryption") or {}
    source = encryption.get("keySource")
    vault = encryption.get("keyvaultproperties") or {}
    key = f"{vault.get('keyvaulturi', '')}keys/{vault.get('keyname', '')}" if vault else None
    evidence = Evidence(
        operation=LISTING, region=region, fields={"properties.encryption.keySource": source}
    )
    if source == "Microsoft.Keyvault":
        return Encryption(
            enabled=True, key_type="customer_managed", key_id=key, evidence=[evidence]
        )
    return Encryption(enabled=True, key_type="provider_managed", evidence=[evidence])


def _secondary(store: DataStore, props: dict[str, Any], sku: str) -> list[Copy]:
    """The geo-secondary the account names: observed while available."""
    if store.redundancy not in ("geo", "geo_zone"):
        return []
    secondary, status = props.get("secondaryLocation"), props.get("statusOfSecondary")
    region = region_name(secondary) if secondary else None
    return [
        Copy(
            kind="geo_secondary",
            target=f"{store.id} (secondary)",
            region=region,
            account=store.account,
            resolved=region is not None,
            state="observed" if status == "available" and region else "configured",
            source=f"Storage geo-redundancy ({sku})",
            evidence=[
                Evidence(
                    operation=LISTING,
                    region=store.region,
                    fields={
                        "sku.name": sku,
                        "properties.secondaryLocation": secondary,
                        "properties.statusOfSecondary": status,
                    },
                )
            ],
        )
    ]


def _immutability(props: dict[str, Any], region: str) -> Protection:
    """Version-level immutability on the account: a retention lock, immutable once its
    policy is Locked."""
    worm = props.get("immutableStorageWithVersioning") or {}
    policy = worm.get("immutabilityPolicy") or {}
    days = policy.get("immutabilityPeriodSinceCreationInDays")
    state = policy.get("state")
    enabled = bool(worm.get("enabled")) and days is not None and state != "Disabled"
    return Protection(
        role="retention_lock",
        origin="native",
        source="Blob version-level immutability",
        name=f"Immutability policy ({state or 'none'})",
        enabled=enabled,
        retention_days=float(days) if enabled and days is not None else None,
        immutable=state == "Locked" if enabled else None,
        evidence=[
            Evidence(
                operation=LISTING,
                region=region,
                fields={
                    "properties.immutableStorageWithVersioning.enabled": worm.get("enabled"),
                    "immutabilityPolicy.immutabilityPeriodSinceCreationInDays": days,
                    "immutabilityPolicy.state": state,
                },
            )
        ],
    )


def read_blob_settings(api: AzureApi, client: Any, item: StoreResult, now: datetime) -> TaskResult:
    """Soft delete, versioning (bounded by the lifecycle policy) and point-in-time
    restore of one account; what cannot be read is a gap on those protections."""
    from scanner.collectors.azure.storage_blob import apply_blob_settings

    store = item.store
    group = resource_group(store.id)
    blob, blob_gap = api.call(
        "storage",
        "GetBlobServiceProperties",
        "protections",
        lambda: client.blob_services.get_service_properties(group, store.name),
        location=store.region,
    )
    policy, policy_gap = api.call(
        "storage",
        "GetManagementPolicy",
        "protections",
        lambda: client.management_policies.get(group, store.name, "default"),
        location=store.region,
    )
    apply_blob_settings(item, blob, blob_gap, policy, policy_gap, now)
    return TaskResult()
