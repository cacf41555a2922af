"""Azure's plugin: options, store kinds, region syntax, the custom role definition, the
collector and the emulator."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.collectors.registry import (
    CloudPlugin,
    CollectorOption,
    CollectRequest,
    Emulated,
    StoreKind,
)
from scanner.vocabulary import REGION_SYNTAX, Capability, Cloud

if TYPE_CHECKING:
    from scanner.collectors.base import Collector
    from scanner.collectors.readonly import ReadOperation

_REGION = re.compile(REGION_SYNTAX["azure"])
_SUBSCRIPTION = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_GROUP = "/subscriptions/{account}/resourceGroups/case/providers"
_COSMOS: frozenset[Capability] = frozenset({"backup", "continuous", "replication"})
_STORAGE: frozenset[Capability] = frozenset(
    {"backup", "continuous", "versioning", "soft_delete", "retention_lock", "replication"}
)
_SQL: frozenset[Capability] = frozenset({"backup", "continuous", "replication"})

KINDS = (
    StoreKind(
        "azure.cosmosdb.account",
        "azure",
        "Cosmos DB account",
        _COSMOS,
        _GROUP + "/Microsoft.DocumentDB/databaseAccounts/{name}",
        ("{id}",),
    ),
    StoreKind(
        "azure.storage.account",
        "azure",
        "Storage account (Blob)",
        _STORAGE,
        _GROUP + "/Microsoft.Storage/storageAccounts/{name}",
        ("{id}",),
    ),
    StoreKind(
        "azure.sql.database",
        "azure",
        "Azure SQL database",
        _SQL,
        _GROUP + "/Microsoft.Sql/servers/case-server/databases/{name}",
        ("{id}",),
    ),
)

OPTIONS = (
    CollectorOption(
        "--subscriptions",
        "Azure subscription IDs to read, comma-separated. Default: every active "
        "subscription the credential can list (DefaultAzureCredential: environment, "
        "managed identity, Azure CLI …).",
        kind="list",
        metavar="ID,…",
    ),
)


class AzurePlugin(CloudPlugin):
    """Azure: Cosmos DB, Blob storage, Azure SQL Database and Backup vaults."""

    name: Cloud = "azure"
    title = "Azure"
    account_word = "subscription"
    region_example = "westeurope"
    example_account = "00000000-0000-0000-0000-000000000000"
    example_region = "westeurope"
    options = OPTIONS
    kinds = KINDS
    ids_ignore_case = True

    def is_region(self, text: str) -> bool:
        """``westeurope``, ``eastus2`` — region names, not display names."""
        return _REGION.match(text) is not None

    def collector(self, request: CollectRequest) -> Collector:
        """An AzureCollector for the subscriptions asked for (or every active one)."""
        from scanner.collectors.azure.api import AzureSettings
        from scanner.collectors.azure.collect import AzureCollector

        chosen = request.account_ids("subscriptions", _SUBSCRIPTION, "an Azure subscription ID")
        settings = AzureSettings(endpoint=request.option("endpoint"))
        return AzureCollector(settings, chosen or None)

    def operations(self) -> tuple[ReadOperation, ...]:
        """Every operation the Azure collectors may call."""
        from scanner.collectors.azure.collect import OPERATIONS

        return OPERATIONS

    def permissions_document(self) -> str:
        """A custom role definition (``az role definition create --role-definition``)
        with exactly the actions the declared operations need."""
        role = {
            "Name": "backup-audit read-only",
            "IsCustom": True,
            "Description": "What backup-audit reads: no write, no data access.",
            "Actions": sorted({op.permission for op in self.operations()}),
            "NotActions": [],
            "DataActions": [],
            "NotDataActions": [],
            "AssignableScopes": ["/subscriptions/<subscription-id>"],
        }
        return json.dumps(role, indent=2) + "\n"

    def load_estate(self, section: Any, path: Path, text: str, prefix: str) -> Any:
        """The ``azure:`` section of a demo estate file."""
        from scanner.emulator.azure.estate import AzureEstate
        from scanner.fileio import validate_section

        return validate_section(AzureEstate, section, path, text, prefix)

    @contextmanager
    def emulate(self, estate: Any, now: datetime) -> Iterator[Emulated]:
        """The ARM fake on 127.0.0.1 seeded with ``estate``."""
        from scanner.emulator.azure.seed import seed
        from scanner.emulator.azure.server import arm_fake

        with arm_fake(seed(estate, now)) as endpoint:
            chosen = [s.id for s in estate.subscriptions]
            yield Emulated((), {"endpoint": endpoint, "subscriptions": chosen})


PLUGIN = AzurePlugin()
