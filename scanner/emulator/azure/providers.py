"""The ARM reads the fake serves, per resource provider, each at the api-version its
SDK sends (azure-mgmt-cosmosdb 10: 2026-03-15)."""

from __future__ import annotations

from typing import Any

from scanner.emulator.azure.server import Answer, ArmState, arm_route, error

COSMOS = "2026-03-15"


@arm_route(
    "Microsoft.DocumentDB",
    "/subscriptions/{sub}/providers/Microsoft.DocumentDB/databaseAccounts",
    COSMOS,
)
def _cosmos_accounts(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], "cosmos"), key=lambda a: a["id"])


@arm_route(
    "Microsoft.DocumentDB",
    "/subscriptions/{sub}/providers/Microsoft.DocumentDB/restorableDatabaseAccounts",
    COSMOS,
)
def _cosmos_restorable(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], "cosmos_restorable"), key=lambda a: a["id"])


STORAGE = "2026-09-01"
_ACCOUNT = (
    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}"
)


@arm_route(
    "Microsoft.Storage", "/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts", STORAGE
)
def _storage_accounts(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], "storage"), key=lambda a: a["id"])


@arm_route("Microsoft.Storage", _ACCOUNT + "/blobServices/default", STORAGE)
def _blob_service(state: ArmState, path: dict[str, str]) -> Answer:
    return _one(state, path, "storage_blob", _ACCOUNT + "/blobServices/default")


@arm_route("Microsoft.Storage", _ACCOUNT + "/managementPolicies/default", STORAGE)
def _management_policy(state: ArmState, path: dict[str, str]) -> Answer:
    missing = ("ManagementPolicyNotFound", f"No ManagementPolicy found for account {path['name']}")
    return _one(state, path, "storage_lifecycle", _ACCOUNT + "/managementPolicies/default", missing)


SQL = "2025-01-01"
_SERVER = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Sql/servers/{server}"


def _under(
    state: ArmState, path: dict[str, str], collection: str, parent: str
) -> list[dict[str, Any]]:
    """The items of a collection whose id sits directly under ``parent``."""
    prefix = parent.format(**path).lower() + "/"
    return sorted(
        (
            item
            for item in state.listed(path["sub"], collection)
            if item["id"].lower().startswith(prefix) and "/" not in item["id"][len(prefix) :]
        ),
        key=lambda item: item["id"],
    )


@arm_route("Microsoft.Sql", "/subscriptions/{sub}/providers/Microsoft.Sql/servers", SQL)
def _sql_servers(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], "sql_servers"), key=lambda s: s["id"])


@arm_route("Microsoft.Sql", _SERVER + "/databases", SQL)
def _sql_databases(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "sql_databases", _SERVER + "/databases")


@arm_route(
    "Microsoft.Sql", _SERVER + "/databases/{db}/backupShortTermRetentionPolicies/default", SQL
)
def _sql_short_term(state: ArmState, path: dict[str, str]) -> Answer:
    return _one(
        state,
        path,
        "sql_short_term",
        _SERVER + "/databases/{db}/backupShortTermRetentionPolicies/default",
    )


@arm_route(
    "Microsoft.Sql", _SERVER + "/databases/{db}/backupLongTermRetentionPolicies/default", SQL
)
def _sql_long_term(state: ArmState, path: dict[str, str]) -> Answer:
    return _one(
        state,
        path,
        "sql_long_term",
        _SERVER + "/databases/{db}/backupLongTermRetentionPolicies/default",
    )


@arm_route("Microsoft.Sql", _SERVER + "/databases/{db}/replicationLinks", SQL)
def _sql_links(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "sql_links", _SERVER + "/databases/{db}/replicationLinks")


def _one(
    state: ArmState,
    path: dict[str, str],
    collection: str,
    resource: str,
    missing: tuple[str, str] | None = None,
) -> Answer:
    """A single resource by its id, or ARM's 404 (with the provider's own code)."""
    wanted = resource.format(**path).lower()
    for item in state.listed(path["sub"], collection):
        if item["id"].lower() == wanted:
            return 200, item
    code, message = missing or ("ResourceNotFound", f"The resource '{wanted}' was not found.")
    return error(404, code, message)


PROTECTION = "2026-06-01"
_GROUP = "/subscriptions/{sub}/resourceGroups/{rg}/providers"
_VAULT = _GROUP + "/Microsoft.DataProtection/backupVaults/{vault}"


@arm_route(
    "Microsoft.DataProtection",
    "/subscriptions/{sub}/providers/Microsoft.DataProtection/backupVaults",
    PROTECTION,
)
def _backup_vaults(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return sorted(state.listed(path["sub"], "backup_vaults"), key=lambda v: v["id"])


@arm_route("Microsoft.DataProtection", _VAULT + "/backupPolicies", PROTECTION)
def _backup_policies(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "backup_policies", _VAULT + "/backupPolicies")


@arm_route("Microsoft.DataProtection", _VAULT + "/backupInstances", PROTECTION)
def _backup_instances(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "backup_instances", _VAULT + "/backupInstances")


@arm_route("Microsoft.DataProtection", _VAULT + "/backupInstances/{bi}/recoveryPoints", PROTECTION)
def _recovery_points(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "recovery_points", _VAULT + "/backupInstances/{bi}/recoveryPoints")


@arm_route("Microsoft.DataProtection", _VAULT + "/backupJobs", PROTECTION)
def _backup_jobs(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "backup_jobs", _VAULT + "/backupJobs")


@arm_route("Microsoft.Sql", _SERVER + "/databases/{db}/transparentDataEncryption/current", SQL)
def _sql_tde(state: ArmState, path: dict[str, str]) -> Answer:
    return _one(
        state, path, "sql_tde", _SERVER + "/databases/{db}/transparentDataEncryption/current"
    )


@arm_route("Microsoft.Sql", _SERVER + "/encryptionProtector/current", SQL)
def _sql_protector(state: ArmState, path: dict[str, str]) -> Answer:
    return _one(state, path, "sql_protectors", _SERVER + "/encryptionProtector/current")


_LTR = (
    "/subscriptions/{sub}/providers/Microsoft.Sql/locations/{location}/longTermRetentionServers"
    "/{server}/longTermRetentionDatabases/{db}/longTermRetentionBackups"
)


@arm_route("Microsoft.Sql", _LTR, SQL)
def _sql_ltr_backups(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]]:
    return _under(state, path, "sql_ltr_backups", _LTR)


@arm_route("Microsoft.Sql", _SERVER + "/auditingSettings/default", SQL)
def _sql_server_auditing(state: ArmState, path: dict[str, str]) -> Answer:
    return _auditing(state, path, "sql_server_auditing", _SERVER + "/auditingSettings/default")


@arm_route("Microsoft.Sql", _SERVER + "/databases/{db}/auditingSettings/default", SQL)
def _sql_database_auditing(state: ArmState, path: dict[str, str]) -> Answer:
    where = _SERVER + "/databases/{db}/auditingSettings/default"
    return _auditing(state, path, "sql_database_auditing", where)


def _auditing(state: ArmState, path: dict[str, str], collection: str, resource: str) -> Answer:
    """The auditing policy seeded, or the one ARM answers where auditing was never set:
    ``Disabled``."""
    found = _one(state, path, collection, resource)
    if found[0] == 200:
        return found
    kind = "databases/auditingSettings" if "db" in path else "auditingSettings"
    return 200, {
        "id": resource.format(**path),
        "name": "Default",
        "type": f"Microsoft.Sql/servers/{kind}",
        "properties": {
            "state": "Disabled",
            "retentionDays": 0,
            "auditActionsAndGroups": [],
            "isAzureMonitorTargetEnabled": False,
            "isStorageSecondaryKeyInUse": False,
        },
    }
