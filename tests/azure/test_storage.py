"""Storage accounts read with the real azure-mgmt-storage client from the fake ARM
server: redundancy and the paired-region secondary, blob soft delete, versioning bounded
by lifecycle rules, point-in-time restore, immutability, keys — and gaps."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.storage import ROUTES, list_accounts
from scanner.collectors.base import finish_store
from scanner.collectors.http_routes import match
from scanner.collectors.readonly import CallCounter
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import DataStore, Gap
from tests.azure.test_cosmos import FAST, NOW, SUB

GROUP = f"/subscriptions/{SUB}/resourceGroups/data/providers/Microsoft.Storage/storageAccounts"


def account(name: str, sku: str, **props: Any) -> dict[str, Any]:
    """A ``StorageAccount`` as ARM lists it."""
    return {
        "id": f"{GROUP}/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": sku, "tier": "Standard"},
        "tags": {"data-classification": "pii"},
        "properties": {
            "primaryLocation": "westeurope",
            "creationTime": "2025-03-01T10:00:00Z",
            "encryption": {"keySource": "Microsoft.Storage"},
            **props,
        },
    }


def blob_service(name: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{GROUP}/{name}/blobServices/default",
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": props,
    }


def lifecycle(name: str, days: int, prefix: list[str] | None = None) -> dict[str, Any]:
    filters: dict[str, Any] = {"blobTypes": ["blockBlob"]}
    if prefix:
        filters["prefixMatch"] = prefix
    rule = {
        "enabled": True,
        "name": "expire-versions",
        "type": "Lifecycle",
        "definition": {
            "filters": filters,
            "actions": {"version": {"delete": {"daysAfterCreationGreaterThan": days}}},
        },
    }
    return {
        "id": f"{GROUP}/{name}/managementPolicies/default",
        "name": "DefaultManagementPolicy",
        "type": "Microsoft.Storage/storageAccounts/managementPolicies",
        "properties": {"policy": {"rules": [rule]}},
    }


RECORDS = account(
    "nwrecords",
    "Standard_RAGRS",
    secondaryLocation="northeurope",
    statusOfSecondary="available",
    encryption={
        "keySource": "Microsoft.Keyvault",
        "keyvaultproperties": {"keyname": "storage", "keyvaulturi": "https://kv.vault.azure.net/"},
    },
    immutableStorageWithVersioning={
        "enabled": True,
        "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 365, "state": "Locked"},
    },
)
SCRATCH = account("nwscratch", "Standard_LRS")
BLOBS = [
    blob_service(
        "nwrecords",
        deleteRetentionPolicy={"enabled": True, "days": 14},
        isVersioningEnabled=True,
        changeFeed={"enabled": True, "retentionInDays": 30},
        restorePolicy={"enabled": True, "days": 13, "minRestoreTime": "2026-11-07T12:00:00Z"},
    ),
    blob_service("nwscratch", deleteRetentionPolicy={"enabled": False}, isVersioningEnabled=True),
]


def _state(**faults: Fault) -> ArmState:
    return ArmState(
        resources={
            SUB: {
                "storage": [RECORDS, SCRATCH],
                "storage_blob": BLOBS,
                "storage_lifecycle": [lifecycle("nwrecords", 30)],
            }
        },
        faults=dict(faults),
        retry_after="0",
    )


def _collect(state: ArmState) -> tuple[dict[str, DataStore], Gap | None, CallCounter]:
    counter = CallCounter()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        items, gap, reads = list_accounts(api, SUB, NOW)
        for read in reads:  # as the collector's followups
            read()
    return {i.store.name: finish_store(i) for i in items}, gap, counter


def test_a_well_and_a_badly_protected_account() -> None:
    stores, gap, counter = _collect(_state())
    assert gap is None
    records, scratch = stores["nwrecords"], stores["nwscratch"]
    assert (records.region, records.redundancy) == ("westeurope", "geo")
    [copy] = records.copies
    assert (copy.kind, copy.region, copy.state) == ("geo_secondary", "northeurope", "observed")
    roles = {p.role: p for p in records.protections}
    assert roles["soft_delete"].enabled and roles["soft_delete"].retention_days == 14
    assert roles["versioning"].retention_days == 30 and not roles["versioning"].retention_unbounded
    assert roles["continuous"].enabled and roles["continuous"].retention_days == 13
    assert (
        roles["retention_lock"].immutable is True and roles["retention_lock"].retention_days == 365
    )
    assert records.recovery_points.oldest == datetime(2026, 11, 7, 12, tzinfo=timezone.utc)
    assert records.encryption is not None and records.encryption.key_type == "customer_managed"
    assert records.attributes["change_feed"] is True and records.gaps == []
    # LRS, no lifecycle policy (ARM's 404 is an answer): versions kept without bound
    assert scratch.redundancy == "local" and scratch.copies == []
    versions = next(p for p in scratch.protections if p.role == "versioning")
    assert versions.enabled and versions.retention_unbounded and scratch.gaps == []
    assert counter.counts()[("storage", "GetBlobServiceProperties")] == (2, 0)


def test_a_secondary_not_available_is_only_configured() -> None:
    state = _state()
    state.resources[SUB]["storage"] = [
        account(
            "nwgrs",
            "Standard_GRS",
            secondaryLocation="northeurope",
            statusOfSecondary="unavailable",
        )
    ]
    stores, _, _ = _collect(state)
    assert [c.state for c in stores["nwgrs"].copies] == ["configured"]


def test_a_versioning_rule_on_a_prefix_bounds_nothing() -> None:
    state = _state()
    state.resources[SUB]["storage_lifecycle"] = [lifecycle("nwrecords", 30, prefix=["tmp/"])]
    stores, _, _ = _collect(state)
    versions = next(p for p in stores["nwrecords"].protections if p.role == "versioning")
    assert versions.retention_unbounded and versions.retention_days is None


def test_an_unreadable_blob_service_leaves_its_protections_unknown() -> None:
    denied = Fault("denied", path_end="/blobServices/default")
    stores, gap, _ = _collect(_state(**{SUB: denied}))
    assert gap is None
    records = stores["nwrecords"]
    assert sorted(g.role or "" for g in records.gaps) == ["continuous", "soft_delete", "versioning"]
    assert {g.permission for g in records.gaps} == {
        "Microsoft.Storage/storageAccounts/blobServices/read"
    }
    assert [c.state for c in records.copies] == ["observed"]  # the listing's facts stay


def test_an_unreadable_lifecycle_policy_leaves_only_version_retention_unknown() -> None:
    denied = Fault("denied", path_end="/managementPolicies/default")
    stores, _, _ = _collect(_state(**{SUB: denied}))
    [unread] = stores["nwrecords"].gaps
    assert (unread.role, unread.cause) == ("versioning", "denied")
    soft = next(p for p in stores["nwrecords"].protections if p.role == "soft_delete")
    assert soft.retention_days == 14


def test_the_guard_refuses_reading_keys_before_it_is_sent() -> None:
    from azure.mgmt.storage import StorageManagementClient

    state = _state()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(StorageManagementClient, SUB)
        with pytest.raises(ReadOnlyViolation):
            client.storage_accounts.list_keys("data", "nwrecords")
    assert state.requests == []


def test_an_ra_gzrs_account_is_geo_and_zone_redundant_with_its_secondary() -> None:
    state = _state()
    state.resources[SUB]["storage"] = [
        account(
            "nwgzrs",
            "Standard_RAGZRS",
            secondaryLocation="northeurope",
            statusOfSecondary="available",
        )
    ]
    stores, _, _ = _collect(state)
    gzrs = stores["nwgzrs"]
    assert gzrs.redundancy == "geo_zone"
    assert [(c.region, c.state) for c in gzrs.copies] == [("northeurope", "observed")]


def test_a_lifecycle_rule_on_tagged_or_append_blobs_bounds_no_block_blob_versions() -> None:
    state = _state()
    tagged = lifecycle("nwrecords", 7)
    rule = tagged["properties"]["policy"]["rules"][0]["definition"]
    rule["filters"]["blobIndexMatch"] = [{"name": "tier", "op": "==", "value": "scratch"}]
    append_only = lifecycle("nwrecords", 7)
    append_only["properties"]["policy"]["rules"][0]["definition"]["filters"]["blobTypes"] = [
        "appendBlob"
    ]
    for policy in (tagged, append_only):
        state.resources[SUB]["storage_lifecycle"] = [policy]
        stores, _, _ = _collect(state)
        versions = next(p for p in stores["nwrecords"].protections if p.role == "versioning")
        assert versions.retention_unbounded and versions.retention_days is None


def test_resource_ids_are_read_whatever_the_case_of_their_segments() -> None:
    """ARM ids are case-insensitive: an id answered as ``/resourcegroups/.../microsoft.storage``
    names the same group, and the guard lets its declared reads through."""
    lower = account("nwlower", "Standard_LRS")
    lower["id"] = (
        str(lower["id"])
        .replace("/resourceGroups/", "/resourcegroups/")
        .replace("Microsoft.Storage", "microsoft.storage")
    )
    state = _state()
    state.resources[SUB]["storage"] = [lower]
    state.resources[SUB]["storage_blob"] = [
        blob_service("nwlower", deleteRetentionPolicy={"enabled": True, "days": 9})
    ]
    stores, gap, _ = _collect(state)
    assert gap is None and stores["nwlower"].gaps == []
    soft = next(p for p in stores["nwlower"].protections if p.role == "soft_delete")
    assert soft.retention_days == 9
    lowered = f"http://127.0.0.1{lower['id']}/blobservices/default?api-version=2025-06-01"
    assert match(ROUTES, "GET", lowered) is not None
    assert match(ROUTES, "DELETE", lowered.replace("/blobservices/default", "")) is None


def test_an_account_whose_sku_is_not_known_leaves_its_copies_unknown() -> None:
    state = _state()
    odd = account("nwodd", "Standard_LRS")
    del odd["sku"]
    state.resources[SUB]["storage"] = [odd]
    stores, _, _ = _collect(state)
    store = stores["nwodd"]
    assert store.redundancy is None and store.copies == []
    assert ("copies", "SkuUnknown") in {(g.attribute, g.error_code) for g in store.gaps}
