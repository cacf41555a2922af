"""The ARM reads the fake serves, per resource provider, each at the api-version its
SDK sends (azure-mgmt-cosmosdb 10: 2026-03-15)."""

from __future__ import annotations

from typing import Any

from scanner.emulator.azure.server import ArmState, arm_route

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
