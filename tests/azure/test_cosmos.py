"""Cosmos DB accounts read with the real azure-mgmt-cosmosdb client from the fake ARM
server on 127.0.0.1: backup modes, regions, keys, the restorable window, and every
failure as a gap."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings, RetrySettings
from scanner.collectors.azure.cosmos import ROUTES, list_accounts
from scanner.collectors.base import finish_store
from scanner.collectors.readonly import CallCounter
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import DataStore, Gap

SUB = "00000000-0000-0000-0000-0000000000aa"
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
FAST = RetrySettings(total=2, backoff=0.01, backoff_max=0.02)
RG = f"/subscriptions/{SUB}/resourceGroups/data/providers/Microsoft.DocumentDB/databaseAccounts"


def account(name: str, policy: dict[str, Any], *regions: str, **props: Any) -> dict[str, Any]:
    """A ``DatabaseAccountGetResults`` as ARM lists it (locations as display names)."""
    return {
        "id": f"{RG}/{name}",
        "name": name,
        "type": "Microsoft.DocumentDB/databaseAccounts",
        "location": regions[0],
        "kind": "GlobalDocumentDB",
        "tags": {"data-classification": "phi"},
        "systemData": {"createdAt": "2025-01-10T08:00:00Z"},
        "properties": {
            "provisioningState": "Succeeded",
            "instanceId": f"instance-{name}",
            "backupPolicy": policy,
            "locations": [
                {"locationName": r, "failoverPriority": i, "isZoneRedundant": False}
                for i, r in enumerate(regions)
            ],
            **props,
        },
    }


CONTINUOUS = {"type": "Continuous", "continuousModeProperties": {"tier": "Continuous30Days"}}
PERIODIC_GEO = {
    "type": "Periodic",
    "periodicModeProperties": {
        "backupIntervalInMinutes": 240,
        "backupRetentionIntervalInHours": 8,
        "backupStorageRedundancy": "Geo",
    },
}
PATIENTS = account(
    "patients",
    CONTINUOUS,
    "West Europe",
    "North Europe",
    keyVaultKeyUri="https://kv.vault.azure.net/keys/cosmos",
)
LEGACY = account("legacy", PERIODIC_GEO, "West Europe")
RESTORABLE = {
    "id": f"/subscriptions/{SUB}/providers/Microsoft.DocumentDB/locations/westeurope/"
    "restorableDatabaseAccounts/instance-patients",
    "name": "instance-patients",
    "location": "West Europe",
    "type": "Microsoft.DocumentDB/locations/restorableDatabaseAccounts",
    "properties": {
        "accountName": "patients",
        "creationTime": "2025-01-10T08:00:00Z",
        "oldestRestorableTime": "2026-10-21T12:00:00Z",
        "apiType": "Sql",
        "restorableLocations": [{"locationName": "West Europe"}, {"locationName": "North Europe"}],
    },
}


def _state(**faults: Fault) -> ArmState:
    return ArmState(
        resources={SUB: {"cosmos": [PATIENTS, LEGACY], "cosmos_restorable": [RESTORABLE]}},
        faults=dict(faults),
        retry_after="0",
    )


def _collect(state: ArmState) -> tuple[list[DataStore], Gap | None, CallCounter]:
    counter = CallCounter()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        items, gap = list_accounts(api, SUB, NOW)
    return [finish_store(i) for i in items], gap, counter


def test_continuous_and_periodic_accounts() -> None:
    state = _state()
    stores, gap, counter = _collect(state)
    assert gap is None
    by_name = {s.name: s for s in stores}
    patients, legacy = by_name["patients"], by_name["legacy"]
    assert (patients.region, patients.regions) == ("westeurope", ["northeurope", "westeurope"])
    assert patients.redundancy == "geo" and legacy.redundancy == "local"
    [continuous] = patients.protections
    assert (continuous.role, continuous.retention_days) == ("continuous", 30.0)
    assert patients.encryption is not None and patients.encryption.key_type == "customer_managed"
    points = patients.recovery_points
    assert points.oldest == datetime(2026, 10, 21, 12, tzinfo=timezone.utc)
    assert points.newest == NOW and patients.gaps == []
    [periodic] = legacy.protections
    assert (periodic.role, periodic.frequency_hours, periodic.retention_days) == (
        "backup",
        4.0,
        8 / 24,
    )
    [copy] = legacy.copies  # Geo: the paired region, configured, never observed
    assert (copy.kind, copy.region, copy.state, copy.resolved) == (
        "geo_secondary",
        "northeurope",
        "configured",
        True,
    )
    [unseen] = legacy.gaps
    assert (unseen.attribute, unseen.cause) == ("recovery_points", "unobservable")
    assert legacy.recovery_points.count == 0
    assert counter.counts()[("cosmosdb", "ListRestorableDatabaseAccounts")] == (1, 0)
    assert {v for _, _, v in state.requests} == {"2026-03-15"}


def test_a_denied_listing_is_the_subscriptions_gap_naming_the_action() -> None:
    stores, gap, _ = _collect(_state(**{SUB: Fault("denied")}))
    assert stores == [] and gap is not None
    assert (gap.error_code, gap.cause) == ("AuthorizationFailed", "denied")
    assert gap.permission == "Microsoft.DocumentDB/databaseAccounts/read"
    assert gap.request_id  # ARM's x-ms-request-id


def test_a_denied_restorable_listing_leaves_only_continuous_windows_unknown() -> None:
    denied = Fault("denied", path_end="/restorableDatabaseAccounts")
    stores, gap, _ = _collect(_state(**{SUB: denied}))
    assert gap is None
    by_name = {s.name: s for s in stores}
    [unread] = by_name["patients"].gaps
    assert unread.permission == "Microsoft.DocumentDB/locations/restorableDatabaseAccounts/read"
    assert by_name["patients"].protections[0].enabled  # the policy read stays known
    assert [g.cause for g in by_name["legacy"].gaps] == ["unobservable"]


def test_throttling_is_retried_after_retry_after_and_5xx_becomes_a_gap() -> None:
    stores, gap, counter = _collect(_state(**{SUB: Fault("throttled", times=2)}))
    assert gap is None and len(stores) == 2
    assert counter.counts()[("cosmosdb", "ListDatabaseAccounts")] == (1, 2)
    stores, gap, _ = _collect(_state(**{SUB: Fault("unavailable")}))
    assert stores == [] and gap is not None
    assert gap.error_code == "ServiceUnavailable" and gap.message.endswith("(after retries)")


def test_accounts_are_read_across_pages() -> None:
    many = [account(f"db{i}", PERIODIC_GEO, "East US") for i in range(5)]
    state = ArmState(resources={SUB: {"cosmos": many}}, page_size=2)
    stores, gap, counter = _collect(state)
    assert gap is None and sorted(s.name for s in stores) == [f"db{i}" for i in range(5)]
    assert counter.counts()[("cosmosdb", "ListDatabaseAccounts")] == (3, 0)
    assert {c.region for s in stores for c in s.copies} == {"westus"}


def test_the_guard_refuses_a_write_before_it_is_sent() -> None:
    from azure.mgmt.cosmosdb import CosmosDBManagementClient

    state = _state()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(CosmosDBManagementClient, SUB)
        with pytest.raises(ReadOnlyViolation):
            client.database_accounts.begin_delete("data", "patients")
        with pytest.raises(ReadOnlyViolation):
            client.database_accounts.list_keys("data", "patients")
    assert state.requests == []


def test_an_api_version_the_provider_does_not_serve_is_refused_as_arm_does() -> None:
    from azure.mgmt.cosmosdb import CosmosDBManagementClient

    state = _state()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(CosmosDBManagementClient, SUB, api_version="2015-04-08")
        listing = api.pages(
            "cosmosdb", "ListDatabaseAccounts", "inventory", client.database_accounts.list
        )
    assert listing.gap is not None and listing.gap.error_code == "NoRegisteredProviderFound"


def test_an_unregistered_provider_is_a_gap_and_its_registration_is_never_sent() -> None:
    """azure-mgmt-core registers a provider by itself after a 409; that POST is a write:
    the guard refuses it before it is sent, and the listing is a gap, not a stopped run."""
    state = _state(**{SUB: Fault("unregistered")})
    stores, gap, _ = _collect(state)
    assert stores == [] and gap is not None
    assert gap.error_code == "MissingSubscriptionRegistration"
    assert not [r for r in state.requests if r[0] == "POST"]


def test_an_account_answered_without_a_backup_policy_leaves_its_protection_unknown() -> None:
    bare = account("bare", PERIODIC_GEO, "West Europe")
    del bare["properties"]["backupPolicy"]
    stores, gap, _ = _collect(ArmState(resources={SUB: {"cosmos": [bare]}}))
    [store] = stores
    assert gap is None and store.protections == [] and store.copies == []
    [unread] = store.gaps
    assert (unread.attribute, unread.error_code) == ("protections", "BackupPolicyAbsent")


def test_geo_backups_are_copied_to_the_pair_of_the_write_region_not_of_the_location() -> None:
    # created in West Europe, failed over: North Europe now takes the writes
    moved = account("moved", PERIODIC_GEO, "North Europe", "West Europe")
    moved["location"] = "West Europe"
    stores, _, _ = _collect(ArmState(resources={SUB: {"cosmos": [moved]}}))
    [store] = stores
    [copy] = store.copies
    assert (copy.region, copy.state) == ("westeurope", "configured")  # North Europe's pair
    assert copy.evidence[0].region == "northeurope"


def test_a_periodic_policy_without_its_storage_redundancy_leaves_the_copies_unknown() -> None:
    policy = {
        "type": "Periodic",
        "periodicModeProperties": {"backupIntervalInMinutes": 240},
    }
    stores, _, _ = _collect(
        ArmState(resources={SUB: {"cosmos": [account("x", policy, "West Europe")]}})
    )
    [store] = stores
    assert store.copies == []
    assert ("copies", "BackupStorageRedundancyAbsent") in {
        (g.attribute, g.error_code) for g in store.gaps
    }
