"""Measure evaluation: N synthetic stores × every rule of the built-in pack.

Usage: python bench/evaluate.py [--stores 100000]

Builds a varied synthetic inventory (tiers, classifications, residency, protections,
copies, recovery points, some gaps) and the sample policy, then times loading the
inventory, evaluating and streaming findings.json, and prints peak RSS. Budget
(DESIGN.md §10): 100,000 stores in ≤ 10 s and ≤ 1 GiB. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

AS_OF = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1"]
CLASSES = ["phi", "pii", "financial", "internal", "public"]


def synthetic_store(i: int) -> dict[str, Any]:
    """A store whose settings vary with ``i``."""
    region = REGIONS[i % 3]
    newest = AS_OF - timedelta(hours=(i % 50))
    store: dict[str, Any] = {
        "id": f"arn:aws:dynamodb:{region}:111122223333:table/t{i:06d}",
        "cloud": "aws",
        "account": "111122223333",
        "region": region,
        "kind": "aws.dynamodb.table",
        "name": f"t{i:06d}",
        "tags": {
            "data-classification": CLASSES[i % 5],
            "backup-tier": "critical" if i % 4 == 0 else "standard",
        }
        | ({"data-residency": "eu"} if i % 3 != 2 else {}),
        "deletion_protection": i % 2 == 0,
        "encryption": {
            "enabled": True,
            "key_type": "customer_managed" if i % 3 == 0 else "provider_owned",
        },
        "protections": [
            {
                "kind": "pitr",
                "source": "native",
                "name": "PITR",
                "enabled": i % 2 == 0,
                "continuous": True,
                "retention_days": 35.0,
                "immutable": False,
            },
            {
                "kind": "backup_plan",
                "source": "aws-backup",
                "name": "plan/daily",
                "enabled": True,
                "frequency_hours": 24.0,
                "retention_days": float(7 + i % 60),
                "immutable": i % 5 == 0,
                "window": {"start": f"{i % 24:02d}:00", "duration_minutes": 60, "timezone": "UTC"},
            },
        ],
        "recovery_points": {
            "newest": newest.isoformat(),
            "oldest": (newest - timedelta(days=30)).isoformat(),
            "count": 30,
            "max_gap_hours": float(24 + i % 3 * 24),
            "sources": [
                {"kind": "aws_backup", "count": 30, "encrypted": True, "newest": newest.isoformat()}
            ],
        },
        "copies": [
            {
                "kind": "backup_copy",
                "target": f"arn:aws:backup:{REGIONS[(i + 1) % 3]}:111122223333:backup-vault:dr",
                "region": REGIONS[(i + 1) % 3] if i % 7 else None,
                "account": "111122223333",
                "resolved": bool(i % 7),
                "state": "configured",
                "source": "plan",
            }
        ],
        "gaps": []
        if i % 11
        else [
            {
                "attribute": "encryption",
                "operation": "kms:DescribeKey",
                "error_code": "AccessDeniedException",
                "message": "denied",
                "permission": "kms:DescribeKey",
            }
        ],
    }
    return store


def write_inventory(path: Path, count: int) -> None:
    """Stream the synthetic inventory to disk, one store at a time (keeps RSS low)."""
    head = {
        "schema": "backup-audit/inventory/v1",
        "tool_version": "bench",
        "collected_at": AS_OF.isoformat(),
        "accounts": [],
        "scope": {"clouds": ["aws"], "accounts": ["111122223333"], "regions": REGIONS},
    }
    with path.open("w") as out:
        out.write(json.dumps(head)[:-1] + ', "stores": [')
        for i in range(count):
            out.write(("," if i else "") + json.dumps(synthetic_store(i)))
        out.write("]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    args = parser.parse_args()
    from scanner.demo import sample_policy
    from scanner.engine.rules import load_pack
    from scanner.engine.run import evaluate_files

    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "inventory.json"
        write_inventory(inventory, args.stores)
        size_mib = inventory.stat().st_size / 2**20
        baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pack = load_pack()
        start = time.perf_counter()
        summary = evaluate_files(
            inventory,
            sample_policy(),
            pack,
            Path(tmp) / "findings.json",
            lambda: datetime.now(timezone.utc),
        )
        wall = time.perf_counter() - start
        findings_mib = (Path(tmp) / "findings.json").stat().st_size / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = args.stores * len(pack.rules)
    print(f"stores: {args.stores}  rules: {len(pack.rules)}  results: {results}")
    print(f"inventory: {size_mib:.0f} MiB  findings: {findings_mib:.0f} MiB")
    print(
        f"wall time (load + evaluate + write findings): {wall:.2f} s  "
        f"({wall / results * 1e6:.2f} µs per result)"
    )
    print(
        f"peak RSS: {peak:.0f} MiB "
        f"(before evaluation, with the synthetic inventory built: {baseline_rss:.0f} MiB)"
    )
    print(f"coverage: {summary.coverage['overall']}  statuses: {summary.coverage['by_status']}")


if __name__ == "__main__":
    main()
