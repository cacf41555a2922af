"""The Google Cloud plugin: an estate seeded into the fake and collected as the demo
does, the custom role it prints, and its option checks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml

from scanner.collectors.base import collect
from scanner.collectors.gcp.plugin import PLUGIN
from scanner.collectors.registry import CollectRequest
from scanner.emulator.gcp.estate import GcpEstate
from scanner.errors import InputError

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
ESTATE = GcpEstate.model_validate(
    {
        "projects": [
            {
                "id": "northwind-eu",
                "buckets": [
                    {
                        "name": "nw-records",
                        "location": "EUROPE-WEST1",
                        "retention_days": 365,
                        "retention_locked": True,
                        "labels": {"data-classification": "phi"},
                    },
                    {
                        "name": "nw-scratch",
                        "location": "US",
                        "location_type": "multi-region",
                        "soft_delete_days": 0,
                    },
                ],
                "firestore": [
                    {
                        "name": "patients",
                        "location": "eur3",
                        "pitr": True,
                        "delete_protection": True,
                        "schedules": [{"recurrence": "daily", "retention": "14d"}],
                        "backups": {"every": "24h", "newest": "10h", "count": 14},
                    },
                ],
                "sql": [
                    {
                        "name": "billing",
                        "region": "europe-west1",
                        "backups": True,
                        "retained": 30,
                        "pitr": True,
                        "runs": {"count": 7},
                        "replicas": {"billing-dr": "europe-west4"},
                    },
                ],
                "backupdr": {
                    "vaults": [
                        {
                            "name": "locked",
                            "location": "europe-west1",
                            "min_retention_days": 30,
                            "locked": True,
                        }
                    ],
                    "plans": [{"name": "daily", "location": "europe-west1", "vault": "locked"}],
                    "protects": [{"instance": "billing", "plan": "daily"}],
                },
            }
        ]
    }
)


def test_an_emulated_estate_is_collected_with_every_store_and_fact() -> None:
    with PLUGIN.emulate(ESTATE, NOW) as emulated:
        snapshot = collect(PLUGIN.collector(emulated.request()), lambda: NOW, workers=4)
    names = sorted(s.name for s in snapshot.stores)
    assert names == ["billing", "billing-dr", "nw-records", "nw-scratch", "patients"]
    patients = next(s for s in snapshot.stores if s.name == "patients")
    assert patients.recovery_points.count == 14 and patients.deletion_protection
    billing = next(s for s in snapshot.stores if s.name == "billing")
    assert billing.recovery_points.count == 14  # 7 runs + 7 Backup and DR backups
    assert {c.kind for c in billing.copies} == {"replica", "backup_copy"}
    vaults = {v.name: v for v in snapshot.accounts[0].vaults}
    assert vaults["locked"].immutability.state == "locked"
    declared = {(o.service, o.name) for o in PLUGIN.operations()}
    assert {(c.service, c.operation) for c in snapshot.api_calls or []} <= declared


def test_an_estate_bucket_cannot_be_versioned_under_a_retention_policy() -> None:
    """Cloud Storage refuses the pair, so a demo estate may not show it."""
    bucket = {"name": "b", "location": "EU", "versioning": True, "retention_days": 30}
    with pytest.raises(ValueError, match="both versioning and a retention policy"):
        GcpEstate.model_validate({"projects": [{"id": "northwind-eu", "buckets": [bucket]}]})


def test_the_custom_role_lists_exactly_the_permissions_of_the_declared_reads() -> None:
    role = yaml.safe_load(PLUGIN.permissions_document())
    assert role["includedPermissions"] == sorted({o.permission for o in PLUGIN.operations()})
    assert all(p.endswith((".list", ".get", ".getIamPolicy")) for p in role["includedPermissions"])
    # restores (Firestore operations) and alerting (Cloud Monitoring)
    assert {
        "datastore.operations.list",
        "monitoring.alertPolicies.list",
        "monitoring.notificationChannels.list",
    } <= set(role["includedPermissions"])


def test_project_ids_are_checked() -> None:
    with pytest.raises(InputError, match="--projects: Not_A_Project"):
        PLUGIN.collector(CollectRequest(options={"projects": ["Not_A_Project"]}))
