"""Measure an AWS collection: 200 DynamoDB tables, 200 buckets, 50 RDS instances on moto.

Usage: python bench/collect_aws.py [--tables 200 --buckets 200 --databases 50 --workers 16]

The emulator (moto server + AWS Backup fake) runs in a child process, so the peak memory
printed is the collector's own. Prints wall time, API calls against the lower bound of
shared/reference/cloud-apis.md §A.9 (per service), and peak RSS. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone

REGIONS = ("eu-west-1", "us-east-1")


def estate(tables: int, buckets: int, databases: int) -> dict[str, object]:
    """A mixed estate spread over two regions: every other store well protected."""
    region = lambda i: REGIONS[i % 2]  # noqa: E731
    return {
        "organisation": "Bench",
        "regions": list(REGIONS),
        "kms_keys": {"bench-eu": "eu-west-1", "bench-us": "us-east-1"},
        "dynamodb": [
            {
                "name": f"table-{i:04d}",
                "region": region(i),
                "pitr": i % 2 == 0,
                "deletion_protection": i % 3 == 0,
                "kms_key": ("bench-eu", "bench-us")[i % 2] if i % 4 == 0 else None,
                "tags": {"tier": "critical" if i % 5 == 0 else "standard"},
            }
            for i in range(tables)
        ],
        "s3": [
            {
                "name": f"bench-bucket-{i:04d}",
                "region": region(i),
                "versioning": i % 2 == 0,
                "noncurrent_days": 30 if i % 4 == 0 else None,
                "replication": {"destination": f"bench-bucket-{i + 1:04d}"}
                if i % 10 == 0
                else None,
                "tags": {"tier": "critical"} if i % 5 == 0 else {},
            }
            for i in range(buckets)
        ],
        "rds_instances": [
            {
                "id": f"db-{i:03d}",
                "region": region(i),
                "retention_days": (0, 7, 35)[i % 3],
                "encrypted": i % 2 == 0,
            }
            for i in range(databases)
        ],
        "backup": {
            "vaults": [{"name": "main", "region": r} for r in REGIONS],
            "plans": [
                {
                    "name": "critical",
                    "region": r,
                    "rules": [{"name": "daily", "vault": "main", "delete_after_days": 35}],
                    "selections": [{"name": "by-tag", "tags": {"tier": "critical"}}],
                }
                for r in REGIONS
            ],
            "recovery_points": [
                {
                    "resource": f"arn:aws:dynamodb:{region(i)}:{{account}}:table/table-{i:04d}",
                    "vault": "main",
                    "region": region(i),
                    "count": 7,
                }
                for i in range(0, tables, 5)
            ],
        },
    }


def serve(spec: dict[str, object]) -> None:
    """Child process: run and seed the emulator, print its endpoints, wait for stdin to close."""
    from scanner.emulator.estate import Estate
    from scanner.emulator.seed import Seeder
    from scanner.emulator.server import EmulatedAws, dummy_session

    with EmulatedAws() as emulator:
        Seeder(
            dummy_session(),
            emulator.moto_url,
            Estate.model_validate(spec),
            datetime.now(timezone.utc),
        ).seed(emulator.backup_state)
        print(json.dumps(emulator.endpoints), flush=True)
        sys.stdin.read()


def lower_bound(
    tables: int, buckets: int, databases: int, plans: int, selections: int, vaults: int
) -> dict[str, int]:
    """The reference lower bound (§A.9) for the services collected, per service."""
    per_region_t = [math.ceil(tables / len(REGIONS))] * len(REGIONS)
    per_region_i = [math.ceil(databases / len(REGIONS))] * len(REGIONS)
    return {
        "sts": 1,
        "s3": math.ceil(buckets / 1000) + 6 * buckets,
        "dynamodb+tagging": sum(2 * math.ceil(t / 100) + 2 * t for t in per_region_t),
        "rds": sum(math.ceil(i / 100) + 1 + 2 for i in per_region_i),
        "backup": len(REGIONS) * 3 + 2 * plans + selections + 2 * vaults,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--databases", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = estate(args.tables, args.buckets, args.databases)
    if args.serve:
        serve(spec)
        return
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--tables",
            str(args.tables),
            "--buckets",
            str(args.buckets),
            "--databases",
            str(args.databases),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    seeded = time.perf_counter()
    endpoints = json.loads(child.stdout.readline())
    print(f"seeded the emulator in a child process ({time.perf_counter() - seeded:.1f} s)")
    try:
        measure(args, endpoints)
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def measure(args: argparse.Namespace, endpoints: dict[str, str]) -> None:
    """Collect once, print the figures."""
    from scanner.collectors.aws.api import ClientSettings
    from scanner.collectors.aws.collect import CollectOptions, collect_aws
    from scanner.emulator.server import dummy_session

    start = time.perf_counter()
    run = collect_aws(
        dummy_session(),
        lambda: datetime.now(timezone.utc),
        CollectOptions(regions=REGIONS, workers=args.workers),
        ClientSettings(max_pool=args.workers, endpoints=endpoints),
    )
    wall = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_service: Counter[str] = Counter()
    for (service, _), count in run.calls.items():
        group = (
            "dynamodb+tagging" if service in ("dynamodb", "resourcegroupstaggingapi") else service
        )
        by_service[group] += count
    facts = run.snapshot.accounts[0]
    bound = lower_bound(
        args.tables,
        args.buckets,
        args.databases,
        len(facts.backup_plans),
        sum(len(p.selections) for p in facts.backup_plans),
        len(facts.vaults),
    )
    stores = len(run.snapshot.stores)
    print(
        f"stores collected: {stores}  (tables {args.tables}, buckets {args.buckets}, "
        f"RDS {args.databases}; regions {', '.join(REGIONS)}; workers {args.workers})"
    )
    print(f"wall time: {wall:.2f} s")
    print(f"peak RSS of the collecting process: {peak_mib:.0f} MiB")
    total, total_bound = sum(by_service.values()), sum(bound.values())
    print(
        f"API calls: {total}  lower bound: {total_bound}  ratio: {total / total_bound:.3f}  "
        f"({total / stores:.2f} per store)"
    )
    for group in sorted(set(by_service) | set(bound)):
        print(f"  {group:<18} {by_service[group]:>6} calls   bound {bound.get(group, 0):>6}")
    for (service, operation), count in sorted(run.calls.items()):
        print(f"    {service}:{operation} {count}")


if __name__ == "__main__":
    main()
