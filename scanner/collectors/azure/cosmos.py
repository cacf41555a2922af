"""Cosmos DB accounts: one ``databaseAccounts`` listing per subscription gives every
account with its regions, backup policy and key; one ``restorableDatabaseAccounts``
listing gives the restorable window of the accounts in continuous mode.

Backup policy, as the account says it (``properties.backupPolicy``):

- ``Continuous`` (tier ``Continuous7Days`` or ``Continuous30Days``): point-in-time
  restore back to the restorable account's ``oldestRestorableTime``, up to the present —
  a continuous recovery source whose newest end is the collection time, as the service
  documents (no field states it);
- ``Periodic``: a backup every ``backupIntervalInMinutes`` kept
  ``backupRetentionIntervalInHours``, in storage of ``backupStorageRedundancy`` (``Geo``
  copies to the paired region). No API lists these backups (restoring one takes a
  support request), so their recovery points are a gap of cause ``unobservable``, and a
  Geo copy is configured, never observed.

Every region of the account (``properties.locations``) holds the data: an account in
several regions is geo-redundant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.answers import Listing, gap_for
from scanner.collectors.azure.api import AzureApi, answer_lacks
from scanner.collectors.azure.regions import paired_copy, paired_region, region_name
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult
from scanner.collectors.times import api_time
from scanner.model import Copy, DataStore, Encryption, Evidence, Gap, Protection

OPERATIONS = declare(
    "cosmosdb",
    {
        "ListDatabaseAccounts": "Microsoft.DocumentDB/databaseAccounts/read",
        "ListRestorableDatabaseAccounts": (
            "Microsoft.DocumentDB/locations/restorableDatabaseAccounts/read"
        ),
    },
)
_PROVIDER = r"/subscriptions/[^/]+/providers/Microsoft\.DocumentDB"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", _PROVIDER + r"/databaseAccounts"),
    route(OPERATIONS[1], "GET", _PROVIDER + r"/restorableDatabaseAccounts"),
)
KIND = "azure.cosmosdb.account"
LISTING = "cosmosdb:ListDatabaseAccounts"
RESTORABLE = "cosmosdb:ListRestorableDatabaseAccounts"
_TIERS = {"Continuous7Days": 7.0, "Continuous30Days": 30.0}


def list_accounts(
    api: AzureApi, subscription: str, now: datetime
) -> tuple[list[StoreResult], Gap | None]:
    """Every account of ``subscription`` as a store, or the gap that stopped the listing;
    continuous accounts with their restorable window."""
    from azure.mgmt.cosmosdb import CosmosDBManagementClient

    client = api.client(CosmosDBManagementClient, subscription)
    listing = api.pages(
        "cosmosdb", "ListDatabaseAccounts", "inventory", client.database_accounts.list
    )
    if listing.gap is not None:
        return [], listing.gap
    items = [StoreResult(account_store(a, subscription)) for a in listing.items]
    if any(_mode(i.store) == "Continuous" for i in items):
        restorable = api.pages(
            "cosmosdb",
            "ListRestorableDatabaseAccounts",
            "recovery_points",
            client.restorable_database_accounts.list,
        )
        for item in items:
            add_window(item, restorable, now)
    return items, None


def account_store(account: dict[str, Any], subscription: str) -> DataStore:
    """One ``DatabaseAccountGetResults`` as ``databaseAccounts`` listed it."""
    props = account.get("properties") or {}
    region = region_name(account.get("location", ""))
    regions = sorted({region_name(loc["locationName"]) for loc in props.get("locations", [])})
    zoned = any(loc.get("isZoneRedundant") for loc in props.get("locations", []))
    store = DataStore(
        id=str(account["id"]),
        cloud="azure",
        account=subscription,
        region=region,
        regions=regions or [region],
        redundancy="geo" if len(regions) > 1 else "zone" if zoned else "local",
        kind=KIND,
        name=str(account["name"]),
        created_at=(account.get("systemData") or {}).get("createdAt"),
        tags=dict(account.get("tags") or {}),
        attributes={
            "backup_mode": (props.get("backupPolicy") or {}).get("type"),
            "multiple_write_locations": props.get("enableMultipleWriteLocations"),
            "instance_id": props.get("instanceId"),
        },
    )
    store.evidence.append(_listed(account, regions, region))
    store.encryption = _encryption(props, region)
    if not props.get("backupPolicy"):  # every account has one: its absence is unknown
        store.gaps.append(
            answer_lacks(
                store, LISTING, "properties.backupPolicy", "protections", "BackupPolicyAbsent"
            )
        )
        return store
    store.protections.append(_backup_policy(props["backupPolicy"], region))
    copies, gaps = _geo_backup_copy(store, props["backupPolicy"], props)
    store.copies += copies
    store.gaps += gaps
    if _mode(store) == "Periodic":
        store.gaps.append(_periodic_points_unobservable(store))
    return store


def _listed(account: dict[str, Any], regions: list[str], region: str) -> Evidence:
    props = account.get("properties") or {}
    return Evidence(
        operation=LISTING,
        region=region,
        fields={
            "location": account.get("location"),
            "properties.locations[].locationName": ", ".join(regions),
            "properties.enableMultipleWriteLocations": props.get("enableMultipleWriteLocations"),
            "tags": ", ".join(sorted(account.get("tags") or {})),
        },
    )


def _mode(store: DataStore) -> object:
    return store.attributes.get("backup_mode")


def _encryption(props: dict[str, Any], region: str) -> Encryption:
    """Always encrypted at rest: with the Key Vault key the account names, else by
    Microsoft."""
    key = props.get("keyVaultKeyUri")
    evidence = Evidence(operation=LISTING, region=region, fields={"properties.keyVaultKeyUri": key})
    if key:
        return Encryption(
            enabled=True, key_type="customer_managed", key_id=str(key), evidence=[evidence]
        )
    return Encryption(enabled=True, key_type="provider_managed", evidence=[evidence])


def _backup_policy(policy: dict[str, Any], region: str) -> Protection:
    if policy.get("type") == "Continuous":
        return _continuous(policy, region)
    return _periodic(policy, region)


def _continuous(policy: dict[str, Any], region: str) -> Protection:
    mode = policy.get("type")
    tier = (policy.get("continuousModeProperties") or {}).get("tier")
    return Protection(
        role="continuous",
        origin="native",
        source="Cosmos DB continuous backup",
        name=f"Continuous backup ({tier})",
        enabled=True,
        immutable=False,
        retention_days=_TIERS.get(str(tier)),
        evidence=[
            Evidence(
                operation=LISTING,
                region=region,
                fields={
                    "properties.backupPolicy.type": mode,
                    "continuousModeProperties.tier": tier,
                },
            )
        ],
    )


def _periodic(policy: dict[str, Any], region: str) -> Protection:
    mode = policy.get("type")
    periodic = policy.get("periodicModeProperties") or {}
    minutes = periodic.get("backupIntervalInMinutes")
    hours = periodic.get("backupRetentionIntervalInHours")
    return Protection(
        role="backup",
        origin="native",
        source="Cosmos DB periodic backup",
        name="Periodic backup",
        enabled=mode == "Periodic",
        immutable=False,
        frequency_hours=minutes / 60 if minutes else None,
        retention_days=hours / 24 if hours else None,
        details={"storage_redundancy": periodic.get("backupStorageRedundancy")},
        evidence=[
            Evidence(
                operation=LISTING,
                region=region,
                fields={
                    "properties.backupPolicy.type": mode,
                    "periodicModeProperties.backupIntervalInMinutes": minutes,
                    "periodicModeProperties.backupRetentionIntervalInHours": hours,
                    "periodicModeProperties.backupStorageRedundancy": periodic.get(
                        "backupStorageRedundancy"
                    ),
                },
            )
        ],
    )


def _geo_backup_copy(
    store: DataStore, policy: dict[str, Any], props: dict[str, Any]
) -> tuple[list[Copy], list[Gap]]:
    """Periodic backups in Geo-redundant storage: a configured copy in the paired region
    of the account's write region, where the backups are taken (unresolved where the
    region has no known pair); an answer without the storage redundancy leaves the
    copies unknown."""
    periodic = policy.get("periodicModeProperties") or {}
    if policy.get("type") != "Periodic":
        return [], []
    redundancy = periodic.get("backupStorageRedundancy")
    if redundancy is None:
        return [], [
            answer_lacks(
                store,
                LISTING,
                "periodicModeProperties.backupStorageRedundancy",
                "copies",
                "BackupStorageRedundancyAbsent",
            )
        ]
    if redundancy != "Geo":
        return [], []
    writes = write_region(props)
    evidence = Evidence(
        operation=LISTING,
        region=writes,
        fields={
            "periodicModeProperties.backupStorageRedundancy": "Geo",
            "write region (properties.writeLocations / failoverPriority 0)": writes,
            "paired region (Azure's table of region pairs)": paired_region(writes),
        },
    )
    copy = paired_copy(
        f"{store.id}/periodicBackups (paired region)",
        writes,
        store.account,
        "Cosmos DB periodic backup (Geo-redundant storage)",
        [evidence],
    )
    return [copy], []


def write_region(props: dict[str, Any]) -> str | None:
    """The account's (first) write region: ``writeLocations``, else the location whose
    ``failoverPriority`` is 0."""
    writes = props.get("writeLocations") or [
        loc for loc in props.get("locations") or [] if loc.get("failoverPriority") == 0
    ]
    name = next((w.get("locationName") for w in writes if w.get("locationName")), None)
    return region_name(str(name)) if name else None


def _periodic_points_unobservable(store: DataStore) -> Gap:
    return Gap(
        attribute="recovery_points",
        operation=LISTING,
        error_code="NotListedByAnyApi",
        cause="unobservable",
        message=(
            "periodic-mode backups are kept by the service and listed by no API (a restore "
            "takes a support request): no recovery point can be observed"
        ),
        resource=store.id,
        region=store.region,
    )


def add_window(item: StoreResult, restorable: Listing, now: datetime) -> None:
    """A continuous account's restorable window from its restorable account (the one of
    the same instance, or of the same name and not deleted)."""
    store = item.store
    if _mode(store) != "Continuous":
        return
    if restorable.gap is not None:
        store.gaps += gap_for(restorable.gap, "recovery_points", resource=store.id)
        return
    found = _restorable_of(store, restorable.items)
    if found is None:
        item.note_listing(
            Evidence(
                operation=RESTORABLE,
                region=store.region,
                fields={"restorable accounts of this account": 0},
            )
        )
        return
    props = found.get("properties") or {}
    oldest = props.get("oldestRestorableTime")
    evidence = Evidence(
        operation=RESTORABLE,
        region=store.region,
        fields={"name": found.get("name"), "properties.oldestRestorableTime": oldest},
    )
    key_type = store.encryption.key_type if store.encryption else None
    when = api_time(oldest) if oldest else None
    item.add_window("Cosmos DB continuous backup", when, now, evidence, True, key_type)


def _restorable_of(store: DataStore, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    instance = store.attributes.get("instance_id")
    for candidate in found:
        props = candidate.get("properties") or {}
        if instance and candidate.get("name") == instance:
            return candidate
        if props.get("accountName") == store.name and not props.get("deletionTime"):
            return candidate
    return None
