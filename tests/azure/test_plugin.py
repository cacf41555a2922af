"""Azure end to end: an emulated estate collected through the plugin and collect() — the
run the CLI makes — with real clients against the ARM fake; the custom role; options."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from scanner.collectors.azure.api import AzureSettings
from scanner.collectors.azure.collect import AzureCollector
from scanner.collectors.azure.plugin import PLUGIN
from scanner.collectors.base import collect
from scanner.collectors.registry import CollectRequest
from scanner.emulator.azure.estate import AzureEstate
from scanner.emulator.azure.seed import seed
from scanner.emulator.azure.server import Fault, arm_fake
from scanner.errors import CollectionError, InputError

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
SUB = "5f0c2d1e-7a3b-4c9d-8e21-0b6a4d2f9c11"
OTHER = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ESTATE = AzureEstate.model_validate(
    {
        "subscriptions": [
            {
                "id": SUB,
                "cosmos": [{"name": "patients", "regions": ["West Europe"], "mode": "continuous"}],
                "storage": [{"name": "nwblobs", "sku": "RAGRS", "soft_delete_days": 7}],
                "sql": [{"name": "nw-sql", "databases": [{"name": "ledger", "weekly": "P5W"}]}],
                "vaults": [
                    {
                        "name": "bv",
                        "immutability": "Locked",
                        "protects": [{"account": "nwblobs"}],
                    }
                ],
            },
            {"id": OTHER},
        ]
    }
)


def test_an_emulated_estate_is_collected_with_every_store_and_fact() -> None:
    with PLUGIN.emulate(ESTATE, NOW) as emulated:
        request = CollectRequest(options={"endpoint": emulated.options["endpoint"]}, workers=4)
        snapshot = collect(PLUGIN.collector(request), lambda: NOW, workers=4)
    assert snapshot.scope.accounts == [OTHER, SUB]  # listed, not given
    assert sorted(s.name for s in snapshot.stores) == ["ledger", "nwblobs", "patients"]
    blobs = next(s for s in snapshot.stores if s.name == "nwblobs")
    assert blobs.recovery_points.count == 7
    assert {c.kind for c in blobs.copies} == {"backup_copy", "geo_secondary"}
    mine = next(a for a in snapshot.accounts if a.account == SUB)
    assert sorted(v.name for v in mine.vaults) == ["Long-term retention backups of ledger", "bv"]
    assert all(a.gaps == [] for a in snapshot.accounts)
    declared = {(o.service, o.name) for o in PLUGIN.operations()}
    assert {(c.service, c.operation) for c in snapshot.api_calls or []} <= declared


def test_a_refusing_subscription_stays_with_its_gaps() -> None:
    state = seed(ESTATE, NOW)
    state.faults[OTHER] = Fault("denied")
    with arm_fake(state) as endpoint:
        snapshot = collect(AzureCollector(AzureSettings(endpoint=endpoint), None), lambda: NOW)
    refused = next(a for a in snapshot.accounts if a.account == OTHER)
    assert {g.operation for g in refused.gaps if g.attribute == "inventory"} == {
        "cosmosdb:ListDatabaseAccounts",
        "storage:ListStorageAccounts",
        "sql:ListServers",
    }
    assert all(g.cause == "denied" for g in refused.gaps)


def test_no_listable_subscription_means_collection_cannot_start() -> None:
    state = seed(ESTATE, NOW)
    state.subscriptions = None
    with arm_fake(state) as endpoint, pytest.raises(CollectionError, match="--subscriptions"):
        collect(AzureCollector(AzureSettings(endpoint=endpoint), None), lambda: NOW)


def test_the_custom_role_lists_exactly_the_actions_of_the_declared_reads() -> None:
    role = json.loads(PLUGIN.permissions_document())
    assert role["Actions"] == sorted({o.permission for o in PLUGIN.operations()})
    assert all(a.endswith("/read") for a in role["Actions"])
    assert {  # the reads each collector makes, written out so a lost one shows
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.DocumentDB/databaseAccounts/read",
        "Microsoft.Storage/storageAccounts/blobServices/read",
        "Microsoft.Sql/servers/databases/backupLongTermRetentionPolicies/read",
        "Microsoft.DataProtection/backupVaults/backupInstances/recoveryPoints/read",
        "Microsoft.DataProtection/backupVaults/backupJobs/read",
        "Microsoft.Insights/diagnosticSettings/read",
        "Microsoft.OperationalInsights/workspaces/read",
        "Microsoft.Insights/actionGroups/read",
        "Microsoft.Insights/activityLogAlerts/read",
        "Microsoft.Insights/metricAlerts/read",
        "Microsoft.Insights/scheduledQueryRules/read",
        "Microsoft.Sql/servers/auditingSettings/read",
        "Microsoft.Sql/servers/databases/auditingSettings/read",
    } <= set(role["Actions"])
    assert len(role["Actions"]) == 27
    assert role["DataActions"] == [] and role["IsCustom"] is True


def test_subscription_ids_are_checked() -> None:
    with pytest.raises(InputError, match="--subscriptions: prod"):
        PLUGIN.collector(CollectRequest(options={"subscriptions": ["prod"]}))
