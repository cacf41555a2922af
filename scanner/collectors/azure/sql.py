"""Azure SQL Database: servers, their databases, and each database's backups.

Per subscription one ``servers`` listing; per server its ``databases`` (the ``master``
system database skipped, not judged) and its encryption protector; per database the
short-term retention policy (point-in-time restore: ``retentionDays``), the long-term
retention policy (weekly, monthly, yearly backups kept for an ISO 8601 period, and
whether they are immutable) and, when it is on, the LTR backups that exist; the
replication links (geo-replicas) and transparent data encryption. The database itself
says how far back it can be restored (``earliestRestoreDate``: a continuous window up to
the present) and where its backups are stored (``currentBackupStorageRedundancy``:
``Geo`` and ``GeoZone`` keep them in the paired region). Backups are built in; the LTR
storage is recorded as a vault of the service, with the policy's immutability.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.azure import sql_audit
from scanner.collectors.azure.api import AzureApi, answer_lacks, resource_group
from scanner.collectors.azure.regions import paired_copy, paired_region, region_name
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.model import Copy, DataStore, Evidence, Gap
from scanner.vocabulary import Redundancy

OPERATIONS = declare(
    "sql",
    {
        "ListServers": "Microsoft.Sql/servers/read",
        "ListDatabases": "Microsoft.Sql/servers/databases/read",
        "GetShortTermRetentionPolicy": (
            "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies/read"
        ),
        "GetLongTermRetentionPolicy": (
            "Microsoft.Sql/servers/databases/backupLongTermRetentionPolicies/read"
        ),
        "ListReplicationLinks": "Microsoft.Sql/servers/databases/replicationLinks/read",
        "ListLongTermRetentionBackups": (
            "Microsoft.Sql/locations/longTermRetentionServers/longTermRetentionDatabases"
            "/longTermRetentionBackups/read"
        ),
        "GetTransparentDataEncryption": (
            "Microsoft.Sql/servers/databases/transparentDataEncryption/read"
        ),
        "GetEncryptionProtector": "Microsoft.Sql/servers/encryptionProtector/read",
    },
)
_LTR = (
    r"/subscriptions/[^/]+/providers/Microsoft\.Sql/locations/[^/]+/longTermRetentionServers/[^/]+"
    r"/longTermRetentionDatabases/[^/]+/longTermRetentionBackups"
)
_SERVER = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Sql/servers/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", r"/subscriptions/[^/]+/providers/Microsoft\.Sql/servers"),
    route(OPERATIONS[1], "GET", _SERVER + r"/databases"),
    route(
        OPERATIONS[2], "GET", _SERVER + r"/databases/[^/]+/backupShortTermRetentionPolicies/default"
    ),
    route(
        OPERATIONS[3], "GET", _SERVER + r"/databases/[^/]+/backupLongTermRetentionPolicies/default"
    ),
    route(OPERATIONS[4], "GET", _SERVER + r"/databases/[^/]+/replicationLinks"),
    route(OPERATIONS[5], "GET", _LTR),
    route(OPERATIONS[6], "GET", _SERVER + r"/databases/[^/]+/transparentDataEncryption/current"),
    route(OPERATIONS[7], "GET", _SERVER + r"/encryptionProtector/current"),
    *sql_audit.ROUTES,
)
KIND = "azure.sql.database"
LIST_DATABASES = "sql:ListDatabases"
_ZONED: dict[object, Redundancy] = {True: "zone", False: "local"}
_BACKUP_REDUNDANCY = ("currentBackupStorageRedundancy", "BackupStorageRedundancyAbsent")
#: System databases: part of the server, not a store of the organisation's data.
SYSTEM_DATABASES = frozenset({"master"})


def list_servers(api: AzureApi, subscription: str, now: datetime) -> tuple[Gap | None, list[Task]]:
    """The subscription's servers (or the listing's gap), and a read of each server's
    databases to run alongside."""
    from azure.mgmt.sql import SqlManagementClient

    client = api.client(SqlManagementClient, subscription)
    listing = api.pages("sql", "ListServers", "inventory", client.servers.list)
    if listing.gap is not None:
        return listing.gap, []
    return None, [partial(list_databases, api, client, s, subscription, now) for s in listing.items]


def list_databases(
    api: AzureApi, client: Any, server: dict[str, Any], subscription: str, now: datetime
) -> TaskResult:
    """A server's databases as stores, each with a read of its backups to follow; a
    refused listing is the subscription's inventory gap for that server."""
    from scanner.collectors.azure.sql_audit import read_auditing, read_server_auditing
    from scanner.collectors.azure.sql_backups import read_backups
    from scanner.collectors.azure.sql_keys import read_protector

    group = resource_group(str(server["id"]))
    listing = api.pages(
        "sql",
        "ListDatabases",
        "inventory",
        partial(client.databases.list_by_server, group, server["name"]),
        location=region_name(server.get("location", "")),
    )
    if listing.gap is not None:
        return TaskResult(gaps=[listing.gap.model_copy(update={"resource": server["id"]})])
    items = [
        StoreResult(database_store(d, subscription))
        for d in listing.items
        if d.get("name") not in SYSTEM_DATABASES
    ]
    name = str(server["name"])
    protector = read_protector(api, client, group, server) if items else (None, None)
    auditing = read_server_auditing(api, client, group, name) if items else (None, None)
    reads: list[Task] = [
        read
        for item in items
        for read in (
            partial(read_backups, api, client, group, name, item, protector, now),
            partial(read_auditing, api, client, group, name, item, auditing),
        )
    ]
    return TaskResult(stores=items, followups=reads)


def database_store(database: dict[str, Any], subscription: str) -> DataStore:
    """One database as ``databases`` listed it, with where its backups are stored."""
    props = database.get("properties") or {}
    region = region_name(database.get("location", ""))
    store = DataStore(
        id=str(database["id"]),
        cloud="azure",
        account=subscription,
        region=region,
        regions=[region],
        redundancy=_ZONED.get(props.get("zoneRedundant")),
        kind=KIND,
        name=str(database["name"]),
        created_at=props.get("creationDate"),
        tags=dict(database.get("tags") or {}),
        attributes={
            "sku": (database.get("sku") or {}).get("name"),
            "secondary_type": props.get("secondaryType"),
            "backup_storage_redundancy": props.get("currentBackupStorageRedundancy"),
            "earliest_restore_date": props.get("earliestRestoreDate"),
            "encryption_protector": props.get("encryptionProtector"),
        },
    )
    store.evidence.append(
        Evidence(
            operation=LIST_DATABASES,
            region=region,
            fields={
                "location": database.get("location"),
                "properties.creationDate": props.get("creationDate"),
                "properties.currentBackupStorageRedundancy": props.get(
                    "currentBackupStorageRedundancy"
                ),
                "tags": ", ".join(sorted(database.get("tags") or {})),
            },
        )
    )
    for field, code in (("zoneRedundant", "ZoneRedundantAbsent"), _BACKUP_REDUNDANCY):
        if props.get(field) is None:
            store.gaps.append(
                answer_lacks(store, LIST_DATABASES, f"properties.{field}", "copies", code)
            )
    store.copies += _geo_backups(store, props)
    return store


def _geo_backups(store: DataStore, props: dict[str, Any]) -> list[Copy]:
    """Backups kept in geo-redundant storage: a copy in the paired region, configured
    (the field is the storage setting; nothing in the paired region is seen), unresolved
    without a pair."""
    current = props.get("currentBackupStorageRedundancy")
    if current not in ("Geo", "GeoZone"):
        return []
    evidence = Evidence(
        operation=LIST_DATABASES,
        region=store.region,
        fields={
            "properties.currentBackupStorageRedundancy": current,
            "paired region (Azure's table of region pairs)": paired_region(store.region),
        },
    )
    return [
        paired_copy(
            f"{store.id}/backups (paired region)",
            store.region,
            store.account,
            f"SQL Database backup storage ({current})",
            [evidence],
        )
    ]
