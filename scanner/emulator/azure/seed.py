"""The ARM fake's state built from the ``azure:`` section of an estate, ages made times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.azure.regions import paired_region, region_name
from scanner.emulator.ages import Series, at, iso, times
from scanner.emulator.azure.estate import (
    AzureEstate,
    CosmosSpec,
    DatabaseSpec,
    ServerSpec,
    StorageSpec,
    SubscriptionSpec,
)
from scanner.emulator.azure.seed_monitor import seed_monitor
from scanner.emulator.azure.seed_vaults import arm_id, seed_vault
from scanner.emulator.azure.server import ArmState

#: Answers per page (ARM pages vary by provider; tens to a thousand).
PAGE_SIZE = 200


def seed(estate: AzureEstate, now: datetime) -> ArmState:
    """Everything the estate describes, as the fake serves it."""
    state = ArmState(subscriptions=[], page_size=PAGE_SIZE)
    for spec in estate.subscriptions:
        assert state.subscriptions is not None
        state.subscriptions.append(
            {
                "id": f"/subscriptions/{spec.id}",
                "subscriptionId": spec.id,
                "displayName": f"subscription {spec.id[:8]}",
                "state": "Enabled",
            }
        )
        state.resources[spec.id] = _resources(spec, now)
    return state


def _resources(spec: SubscriptionSpec, now: datetime) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for account in spec.cosmos:
        _cosmos(found, spec.id, account, now)
    for storage in spec.storage:
        _storage(found, spec.id, storage, now)
    for server in spec.sql:
        _sql(found, spec.id, server, now)
    for vault in spec.vaults:
        seed_vault(found, spec.id, vault, now)
    seed_monitor(found, spec)
    return found


def _cosmos(found: dict[str, Any], sub: str, spec: CosmosSpec, now: datetime) -> None:
    account_id = arm_id(sub, "data", f"/Microsoft.DocumentDB/databaseAccounts/{spec.name}")
    locations = [
        {"locationName": r, "failoverPriority": i, "isZoneRedundant": False}
        for i, r in enumerate(spec.regions)
    ]
    props: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "instanceId": f"{spec.name}-instance",
        "backupPolicy": _cosmos_policy(spec),
        "locations": locations,
        "writeLocations": locations[:1],
        "readLocations": locations,
    }
    if spec.cmk:
        props["keyVaultKeyUri"] = f"https://{spec.name}-kv.vault.azure.net/keys/cosmos"
    found.setdefault("cosmos", []).append(
        {
            "id": account_id,
            "name": spec.name,
            "type": "Microsoft.DocumentDB/databaseAccounts",
            "location": spec.regions[0],
            "kind": "GlobalDocumentDB",
            "tags": spec.tags,
            "systemData": {"createdAt": at(now, spec.created)},
            "properties": props,
        }
    )
    if spec.mode == "continuous":
        where = region_name(spec.regions[0])
        found.setdefault("cosmos_restorable", []).append(
            {
                "id": f"/subscriptions/{sub}/providers/Microsoft.DocumentDB/locations/{where}"
                f"/restorableDatabaseAccounts/{spec.name}-instance",
                "name": f"{spec.name}-instance",
                "location": spec.regions[0],
                "type": "Microsoft.DocumentDB/locations/restorableDatabaseAccounts",
                "properties": {
                    "accountName": spec.name,
                    "creationTime": at(now, spec.created),
                    "oldestRestorableTime": at(now, f"{spec.tier_days}d"),
                    "apiType": "Sql",
                    "restorableLocations": [{"locationName": r} for r in spec.regions],
                },
            }
        )


def _cosmos_policy(spec: CosmosSpec) -> dict[str, Any]:
    if spec.mode == "continuous":
        return {
            "type": "Continuous",
            "continuousModeProperties": {"tier": f"Continuous{spec.tier_days}Days"},
        }
    return {
        "type": "Periodic",
        "periodicModeProperties": {
            "backupIntervalInMinutes": spec.interval_minutes,
            "backupRetentionIntervalInHours": spec.retention_hours,
            "backupStorageRedundancy": spec.redundancy,
        },
    }


def _storage(found: dict[str, Any], sub: str, spec: StorageSpec, now: datetime) -> None:
    account_id = arm_id(sub, "data", f"/Microsoft.Storage/storageAccounts/{spec.name}")
    props: dict[str, Any] = {
        "primaryLocation": spec.location,
        "creationTime": at(now, spec.created),
        "encryption": {"keySource": "Microsoft.Keyvault" if spec.cmk else "Microsoft.Storage"},
    }
    if spec.cmk:
        props["encryption"]["keyvaultproperties"] = {
            "keyname": "storage",
            "keyvaulturi": f"https://{spec.name}-kv.vault.azure.net/",
        }
    if spec.sku in ("GRS", "RAGRS", "GZRS", "RAGZRS"):
        props["secondaryLocation"] = paired_region(spec.location)
        props["statusOfSecondary"] = "available"
    if spec.immutability_days is not None:
        props["immutableStorageWithVersioning"] = {
            "enabled": True,
            "immutabilityPolicy": {
                "immutabilityPeriodSinceCreationInDays": spec.immutability_days,
                "state": "Locked" if spec.immutability_locked else "Unlocked",
            },
        }
    found.setdefault("storage", []).append(
        {
            "id": account_id,
            "name": spec.name,
            "type": "Microsoft.Storage/storageAccounts",
            "location": spec.location,
            "kind": "StorageV2",
            "sku": {"name": f"Standard_{spec.sku}", "tier": "Standard"},
            "tags": spec.tags,
            "properties": props,
        }
    )
    found.setdefault("storage_blob", []).append(_blob_service(account_id, spec, now))
    if spec.version_days is not None:
        found.setdefault("storage_lifecycle", []).append(_lifecycle(account_id, spec.version_days))


def _blob_service(account_id: str, spec: StorageSpec, now: datetime) -> dict[str, Any]:
    days = spec.soft_delete_days
    props: dict[str, Any] = {
        "deleteRetentionPolicy": {"enabled": days is not None, **({"days": days} if days else {})},
        "isVersioningEnabled": spec.versioning,
        "changeFeed": {"enabled": spec.pitr_days is not None},
    }
    if spec.pitr_days is not None:
        props["restorePolicy"] = {
            "enabled": True,
            "days": spec.pitr_days,
            "minRestoreTime": at(now, f"{spec.pitr_days}d"),
        }
    return {"id": f"{account_id}/blobServices/default", "name": "default", "properties": props}


def _lifecycle(account_id: str, days: int) -> dict[str, Any]:
    rule = {
        "enabled": True,
        "name": "expire-versions",
        "type": "Lifecycle",
        "definition": {
            "filters": {"blobTypes": ["blockBlob"]},
            "actions": {"version": {"delete": {"daysAfterCreationGreaterThan": days}}},
        },
    }
    return {
        "id": f"{account_id}/managementPolicies/default",
        "name": "DefaultManagementPolicy",
        "properties": {"policy": {"rules": [rule]}},
    }


def _sql(found: dict[str, Any], sub: str, spec: ServerSpec, now: datetime) -> None:
    server_id = arm_id(sub, "data", f"/Microsoft.Sql/servers/{spec.name}")
    found.setdefault("sql_servers", []).append(
        {"id": server_id, "name": spec.name, "location": spec.location, "properties": {}}
    )
    found.setdefault("sql_protectors", []).append(
        {
            "id": f"{server_id}/encryptionProtector/current",
            "name": "current",
            "properties": {"serverKeyName": "ServiceManaged", "serverKeyType": "ServiceManaged"},
        }
    )
    if spec.auditing:
        found.setdefault("sql_server_auditing", []).append(_server_auditing(server_id))
    master = DatabaseSpec(name="master", backup_redundancy="Local")
    for db in [master, *spec.databases]:
        _database(found, server_id, spec.location, db, now)
        _ltr_backups(found, sub, spec, db, now)


def _server_auditing(server_id: str) -> dict[str, Any]:
    """Auditing as the portal turns it on: its default action groups, to a storage
    account (kept a year) and to Azure Monitor."""
    name = server_id.rsplit("/", 1)[-1].replace("-", "")
    groups = [
        "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
        "FAILED_DATABASE_AUTHENTICATION_GROUP",
        "BATCH_COMPLETED_GROUP",
    ]
    properties = {
        "state": "Enabled",
        "storageEndpoint": f"https://{name}audit.blob.core.windows.net/",
        "retentionDays": 365,
        "auditActionsAndGroups": groups,
        "isAzureMonitorTargetEnabled": True,
        "isStorageSecondaryKeyInUse": False,
    }
    return _child(server_id, "auditingSettings/default", properties)


def _database(
    found: dict[str, Any], server_id: str, location: str, spec: DatabaseSpec, now: datetime
) -> None:
    db_id = f"{server_id}/databases/{spec.name}"
    found.setdefault("sql_databases", []).append(
        {
            "id": db_id,
            "name": spec.name,
            "type": "Microsoft.Sql/servers/databases",
            "location": location,
            "sku": {"name": "GP_Gen5_2"},
            "tags": spec.tags,
            "properties": {
                "status": "Online",
                "creationDate": at(now, spec.created),
                "earliestRestoreDate": at(now, f"{spec.pitr_days}d"),
                "zoneRedundant": False,
                "currentBackupStorageRedundancy": spec.backup_redundancy,
                "requestedBackupStorageRedundancy": spec.backup_redundancy,
            },
        }
    )
    tde = {"state": "Enabled"}
    found.setdefault("sql_tde", []).append(_child(db_id, "transparentDataEncryption/current", tde))
    short = {"retentionDays": spec.pitr_days, "diffBackupIntervalInHours": 12}
    found.setdefault("sql_short_term", []).append(
        _child(db_id, "backupShortTermRetentionPolicies/default", short)
    )
    ltr: dict[str, Any] = {"weeklyRetention": spec.weekly, "monthlyRetention": spec.monthly}
    ltr |= {"yearlyRetention": spec.yearly, "weekOfYear": 1}
    if spec.ltr_locked:
        ltr |= {"timeBasedImmutability": "Enabled", "timeBasedImmutabilityMode": "Locked"}
    found.setdefault("sql_long_term", []).append(
        _child(db_id, "backupLongTermRetentionPolicies/default", ltr)
    )
    if spec.replica_location:
        found.setdefault("sql_links", []).append(_link(db_id, server_id, spec))


def _child(parent: str, path: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A child resource of ``parent`` (``transparentDataEncryption/current`` …)."""
    return {"id": f"{parent}/{path}", "name": path.rsplit("/", 1)[-1], "properties": properties}


def _link(db_id: str, server_id: str, spec: DatabaseSpec) -> dict[str, Any]:
    """A geo-replication link to a secondary in ``spec.replica_location``."""
    return {
        "id": f"{db_id}/replicationLinks/{spec.name}-geo",
        "name": f"{spec.name}-geo",
        "properties": {
            "partnerServer": f"{server_id.rsplit('/', 1)[-1]}-dr",
            "partnerDatabase": spec.name,
            "partnerLocation": spec.replica_location,
            "role": "Primary",
            "partnerRole": "Secondary",
            "linkType": "GEO",
            "replicationState": "CATCH_UP",
        },
    }


def _ltr_backups(
    found: dict[str, Any], sub: str, server: ServerSpec, spec: DatabaseSpec, now: datetime
) -> None:
    """The weekly LTR backups a policy with weekly retention has kept (up to ten)."""
    if spec.weekly == "PT0S":
        return
    where = (
        f"/subscriptions/{sub}/providers/Microsoft.Sql/locations/{server.location}"
        f"/longTermRetentionServers/{server.name}/longTermRetentionDatabases/{spec.name}"
        "/longTermRetentionBackups"
    )
    weekly = Series(every="7d", newest="3d", count=10)
    found.setdefault("sql_ltr_backups", []).extend(
        {
            "id": f"{where}/{n}",
            "name": str(n),
            "properties": {
                "serverName": server.name,
                "databaseName": spec.name,
                "backupTime": iso(when),
                "backupStorageRedundancy": spec.backup_redundancy,
                "isBackupImmutable": spec.ltr_locked,
                **({"timeBasedImmutabilityMode": "Locked"} if spec.ltr_locked else {}),
            },
        }
        for n, when in enumerate(times(weekly, now))
    )
