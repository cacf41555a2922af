"""Measure an AWS collection on the emulator: one account, or an organisation of accounts.

Usage:
  python bench/collect_aws.py [--tables 200 --buckets 200 --databases 50 --workers 16]
  python bench/collect_aws.py --members 19 --tables 10 --buckets 10 --databases 2 --compare

The emulator runs in a child process (through the registry: ``plugin("aws").emulate``),
so the peak memory printed is the collector's own. Each account holds the same mix of
stores (every other one well protected). Prints wall time, API calls against the lower
bound of shared/reference/cloud-apis.md §A.9 (per service, summed over the accounts), and
peak RSS; ``--compare`` collects once more with one worker (serial) for the speed-up.
Not a test: figures only.
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
from pathlib import Path
from typing import Any

REGIONS = ("eu-west-1", "us-east-1")
ROLE = "BackupAuditReadOnly"


def account_estate(tables: int, buckets: int, databases: int, prefix: str) -> dict[str, Any]:
    """A mixed account spread over two regions: every other store well protected."""
    region = lambda i: REGIONS[i % 2]  # noqa: E731
    return {
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
                "name": f"{prefix}bucket-{i:04d}",
                "region": region(i),
                "versioning": i % 2 == 0,
                "noncurrent_days": 30 if i % 4 == 0 else None,
                "replication": {"destination": f"{prefix}bucket-{i + 1:04d}"}
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


def estate(args: argparse.Namespace) -> dict[str, Any]:
    """The caller's account and ``--members`` member accounts of an organisation."""
    sizes = (args.tables, args.buckets, args.databases)
    spec = {"regions": list(REGIONS)} | account_estate(*sizes, "bench-")
    if args.members:
        spec["organisation"] = {
            "role_name": ROLE,
            "members": [
                {"name": f"member-{m:02d}"} | account_estate(*sizes, f"m{m:02d}-")
                for m in range(args.members)
            ],
        }
    return spec


def serve(args: argparse.Namespace) -> None:
    """Child process: run and seed the emulator, print how to reach it, wait for stdin."""
    from scanner.collectors.registry import plugin

    aws = plugin("aws")
    section = aws.load_estate(estate(args), Path(__file__), "", "aws")
    with aws.emulate(section, datetime.now(timezone.utc)) as emulated:
        print(json.dumps({"regions": emulated.regions, "options": emulated.options}), flush=True)
        sys.stdin.read()


def lower_bound(
    accounts: int,
    tables: int,
    buckets: int,
    databases: int,
    plans: int,
    selections: int,
    vaults: int,
    trails: int = 0,
) -> dict[str, int]:
    """The reference lower bound (§A.9), per service, for ``accounts`` alike accounts
    (``plans``, ``selections`` and ``vaults`` are totals over every account)."""
    per_region_t = [math.ceil(tables / len(REGIONS))] * len(REGIONS)
    per_region_i = [math.ceil(databases / len(REGIONS))] * len(REGIONS)
    members = accounts - 1
    return {
        "sts": 1 + members,  # GetCallerIdentity, then one AssumeRole per member
        "organizations": math.ceil(accounts / 20) if members else 0,
        "s3": accounts * (math.ceil(buckets / 1000) + 6 * buckets),
        "dynamodb+tagging": accounts * sum(2 * math.ceil(t / 100) + 2 * t for t in per_region_t),
        "rds": accounts * sum(math.ceil(i / 100) + 1 + 2 for i in per_region_i),
        # per region: plans, vaults, protected resources, and backup, copy and restore
        # jobs; per vault: access policy, recovery points, notifications
        "backup": accounts * len(REGIONS) * 6 + 2 * plans + selections + 3 * vaults,
        "cloudtrail": accounts * len(REGIONS) + 2 * trails,  # trails, then status and selectors
        "events": accounts * len(REGIONS),  # rules (the bench seeds none on aws.backup)
        "cloudwatch": accounts * len(REGIONS),  # alarms
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--databases", type=int, default=50)
    parser.add_argument("--members", type=int, default=0, help="member accounts of an organisation")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--compare", action="store_true", help="also collect with one worker")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    sizes = ["--tables", str(args.tables), "--buckets", str(args.buckets)]
    sizes += ["--databases", str(args.databases), "--members", str(args.members)]
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sizes],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    started = time.perf_counter()
    emulated = json.loads(child.stdout.readline())
    print(f"seeded the emulator in a child process ({time.perf_counter() - started:.1f} s)")
    try:
        for workers in [args.workers] + ([1] if args.compare else []):
            measure(args, emulated, workers)
    finally:
        child.stdin.close()
        child.wait(timeout=60)


def measure(args: argparse.Namespace, emulated: dict[str, Any], workers: int) -> None:
    """Collect once through the registry, print the figures."""
    from scanner.collectors.base import collect
    from scanner.collectors.registry import CollectRequest, plugin

    options = dict(emulated["options"])
    if args.members:
        options |= {"org": True, "role_name": ROLE}
    request = CollectRequest(regions=tuple(emulated["regions"]), workers=workers, options=options)
    start, cpu = time.perf_counter(), time.process_time()
    snapshot = collect(plugin("aws").collector(request), lambda: datetime.now(timezone.utc))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_service: Counter[str] = Counter()
    retries = 0
    for call in snapshot.api_calls or []:
        tagging = call.service in ("dynamodb", "resourcegroupstaggingapi")
        by_service["dynamodb+tagging" if tagging else call.service] += call.calls
        retries += call.retries
    facts = snapshot.accounts
    bound = lower_bound(
        len(facts),
        args.tables,
        args.buckets,
        args.databases,
        sum(len(a.backup_plans) for a in facts),
        sum(len(p.selections) for a in facts for p in a.backup_plans),
        sum(len(a.vaults) for a in facts),
        sum(
            len({r.id.split("#")[0] for r in (a.audit_trail.routes or [])})
            for a in facts
            if a.audit_trail
        ),
    )
    stores = len(snapshot.stores)
    print(
        f"\nworkers {workers}: {stores} stores in {len(facts)} account(s) (per account: tables "
        f"{args.tables}, buckets {args.buckets}, RDS {args.databases}; regions "
        f"{', '.join(REGIONS)})"
    )
    print(f"wall time: {wall:.2f} s (CPU time of the collecting process: {cpu:.2f} s)")
    print(f"peak RSS of the collecting process: {peak_mib:.0f} MiB")
    total, total_bound = sum(by_service.values()), sum(bound.values())
    print(
        f"API calls: {total} (+{retries} retries)  lower bound: {total_bound}  "
        f"ratio: {total / total_bound:.3f}  ({total / max(stores, 1):.2f} per store)"
    )
    for group in sorted(set(by_service) | set(bound)):
        print(f"  {group:<18} {by_service[group]:>6} calls   bound {bound.get(group, 0):>6}")
    for call in sorted(snapshot.api_calls or [], key=lambda c: (c.service, c.operation)):
        print(f"    {call.service}:{call.operation} {call.calls}")


if __name__ == "__main__":
    main()
