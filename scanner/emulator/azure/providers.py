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


def _child(state: ArmState, path: dict[str, str], collection: str, what: str) -> Answer:
    """A storage account's single child resource (``blobServices/default``,
    ``managementPolicies/default``), or ARM's 404 when the account or child is absent."""
    account = _ACCOUNT.format(**path)
    for child in state.listed(path["sub"], collection):
        if child["id"].lower().startswith(account.lower() + "/"):
            return 200, child
    if collection == "storage_lifecycle":
        return error(
            404, "ManagementPolicyNotFound", f"No ManagementPolicy found for account {path['name']}"
        )
    return error(404, "ResourceNotFound", f"The {what} of {path['name']} was not found.")


@arm_route("Microsoft.Storage", _ACCOUNT + "/blobServices/default", STORAGE)
def _blob_service(state: ArmState, path: dict[str, str]) -> Answer:
    return _child(state, path, "storage_blob", "blob service")


@arm_route("Microsoft.Storage", _ACCOUNT + "/managementPolicies/default", STORAGE)
def _management_policy(state: ArmState, path: dict[str, str]) -> Answer:
    return _child(state, path, "storage_lifecycle", "management policy")
