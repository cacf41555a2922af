"""Building small inventories and policies on disk for engine and gate tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from scanner.engine.cases import base_store, merge
from scanner.engine.rules import load_pack
from scanner.engine.run import EvaluationSummary, evaluate_files
from scanner.findings import Findings
from scanner.findings_read import load_findings
from scanner.inventory import write_snapshot
from scanner.model import Snapshot

AS_OF = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
EVALUATED = datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)
PACK = load_pack()
#: The rules judged per store (the others are estate-wide checks, reported once).
STORE_RULES = [r for r in PACK.rules if r.spec.check is None]
POLICY: dict[str, Any] = {
    "version": 1,
    "organisation": "Test Org",
    "classification": {"tag": "data-classification", "default": "internal"},
    "tiering": {"tag": "backup-tier", "default": "standard"},
    "tiers": {
        "critical": {"rpo": "1h", "rto": "4h", "retention": "35d", "cross_region_copy": True},
        "standard": {"rpo": "24h", "rto": "24h", "retention": "7d", "deletion_protection": False},
    },
    "frameworks": {
        "hipaa": {"when": {"classification": ["phi"]}},
        "gdpr": {"when": {"classification": ["pii", "phi"]}, "max_retention": "90d"},
    },
}
CACHE_EXCEPTION: dict[str, Any] = {
    "resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/cache",
    "rules": ["BKP-EXISTS"],
    "reason": "rebuildable",
    "approved_by": "jane@example.com",
    "expires": "2026-06-30",
}
GOOD_TABLE: dict[str, Any] = {
    "protections": [
        {
            "role": "continuous",
            "origin": "native",
            "source": "DynamoDB point-in-time recovery",
            "name": "PITR",
            "enabled": True,
            "retention_days": 35,
            "immutable": False,
        }
    ],
    "recovery_points": {
        "newest": "2026-01-01T11:55:00Z",
        "oldest": "2025-12-01T12:00:00Z",
        "count": 0,
        "max_gap_hours": 0.0,
        "sources": [
            {
                "kind": "continuous",
                "source": "DynamoDB point-in-time recovery",
                "encrypted": True,
                "key_type": "provider_owned",
                "newest": "2026-01-01T11:55:00Z",
                "oldest": "2025-12-01T12:00:00Z",
            }
        ],
    },
    "restores": [
        {
            "id": "restore-1",
            "started": "2025-12-20T10:00:00Z",
            "completed": "2025-12-20T11:00:00Z",
            "outcome": "succeeded",
            "duration_hours": 1.0,
            "test": True,
            "validated": True,
            "source": "AWS Backup restore testing",
        }
    ],
    "backup_jobs": [],
}
#: An account whose audit trail records every event of every service.
GOOD_ACCOUNT: dict[str, Any] = {
    "cloud": "aws",
    "account": "111122223333",
    "audit_trail": {
        "configs": [
            {
                "service": "*",
                "events": ["admin_read", "admin_write", "data_read", "data_write"],
                "source": "aws.cloudtrail",
            }
        ]
    },
    "alert_rules": [],
}


def store(name: str, **patch: Any) -> dict[str, Any]:
    """A store dict: the case base store, renamed, patched."""
    created = {"created_at": "2025-01-01T00:00:00Z"}
    return merge(base_store("aws.dynamodb.table", name) | created, patch)


def write_inputs(
    tmp: Path,
    stores: list[dict[str, Any]],
    policy: dict[str, Any] | None = None,
    accounts: list[dict[str, Any]] | None = None,
) -> tuple[Path, Path]:
    """inventory.json and policy.yaml in ``tmp`` (``accounts``: account facts, e.g. gaps)."""
    snapshot = Snapshot.model_validate(
        {
            "schema": "backup-audit/inventory/v2",
            "tool_version": "0.1.0",
            "collected_at": AS_OF,
            "scope": {"clouds": ["aws"], "accounts": ["111122223333"], "regions": ["eu-west-1"]},
            "stores": sorted(stores, key=lambda s: s["id"]),
            "accounts": [GOOD_ACCOUNT] if accounts is None else accounts,
        }
    )
    inventory, policy_path = tmp / "inventory.json", tmp / "policy.yaml"
    write_snapshot(snapshot, inventory)
    policy_path.write_text(yaml.safe_dump(policy or POLICY))
    return inventory, policy_path


def evaluate(
    tmp: Path,
    stores: list[dict[str, Any]],
    policy: dict[str, Any] | None = None,
    name: str = "findings.json",
    csv: bool = False,
    accounts: list[dict[str, Any]] | None = None,
) -> tuple[Findings, EvaluationSummary]:
    """Evaluate stores under a policy through the real file path; return the loaded findings."""
    inventory, policy_path = write_inputs(tmp, stores, policy, accounts)
    out = tmp / name
    summary = evaluate_files(
        inventory, policy_path, PACK, out, lambda: EVALUATED, tmp / "results.csv" if csv else None
    )
    return load_findings(out), summary


def status(findings: Findings, store_name: str, rule: str) -> str:
    """The status of one store × rule."""
    (result,) = [r for r in findings.results if r.resource.name == store_name and r.rule == rule]
    return result.status
