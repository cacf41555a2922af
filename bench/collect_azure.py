"""Measure an Azure collection on the emulator: calls per subscription against the lower
bound, wall time, peak memory.

Usage:
  python bench/collect_azure.py [--subscriptions 1 --storage 200 --cosmos 50 --databases 20]

Every subscription holds the same mix (every other store well protected; databases on
servers of ten), seeded through the estate format into the ARM fake (a thread in this
process: the RSS printed includes it). The lower bound follows what the collectors read,
one call per listing page otherwise: per subscription the Cosmos DB accounts and (with
any account in continuous mode) the restorable accounts; the storage accounts and, per
account, its blob service and lifecycle policy; the SQL servers and, per server, its
databases, encryption protector and auditing policy; per database (``master`` included
in the listing, not read further) TDE, short- and long-term retention, replication links,
its auditing policy and, where
long-term retention is on, its backups; the Backup vaults and, per vault, its policies,
backup instances and jobs (one successful backup job per recovery point, read in pages),
and per instance its recovery points; per store its diagnostic
settings, and per subscription the activity log's settings, the workspaces, the action
groups and three alert-rule listings (activity-log, metric, log); plus one
subscriptions listing for the run. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulated_run import run_and_report  # bench/, the script's own folder

from scanner.collectors.registry import plugin

PAGE = 200  # the emulator's page size (scanner.emulator.azure.seed)
PER_SERVER = 10
POINTS = 7  # recovery points (and so backup jobs) per protected account: the Series default


def subscription(number: int, storage: int, cosmos: int, databases: int) -> dict[str, Any]:
    """One subscription: every other store well protected."""
    servers = math.ceil(databases / PER_SERVER)
    return {
        "id": f"{number:08x}-0000-4000-8000-000000000000",
        "cosmos": [
            {
                "name": f"cosmos-{i:03d}",
                "regions": ["West Europe", "North Europe"] if i % 2 == 0 else ["West Europe"],
                "mode": "continuous" if i % 2 == 0 else "periodic",
                "audit_logs": i % 2 == 0,
            }
            for i in range(cosmos)
        ],
        "storage": [
            {
                "name": f"bench{i:04d}",
                "sku": "RAGRS" if i % 2 == 0 else "LRS",
                "soft_delete_days": 14 if i % 2 == 0 else None,
                "versioning": i % 2 == 0,
                "version_days": 35 if i % 2 == 0 else None,
                "audit_logs": i % 2 == 0,
            }
            for i in range(storage)
        ],
        "sql": [
            {
                "name": f"sql-{s:02d}",
                "databases": [
                    {
                        "name": f"db-{d:03d}",
                        "weekly": "P5W" if d % 2 == 0 else "PT0S",
                        "audit_logs": d % 2 == 0,
                    }
                    for d in range(s * PER_SERVER, min(databases, (s + 1) * PER_SERVER))
                ],
            }
            for s in range(servers)
        ],
        "vaults": [
            {
                "name": "bench-vault",
                "immutability": "Locked",
                "protects": [{"account": f"bench{i:04d}"} for i in range(0, storage, 4)],
            }
        ],
        "monitor": {"workspace_days": 365, "activity_log_export": True, "backup_alert": "email"},
    }


def lower_bound(subscriptions: int, storage: int, cosmos: int, databases: int) -> int:
    """The fewest calls that read everything the collectors read."""
    servers = math.ceil(databases / PER_SERVER)
    with_ltr = (databases + 1) // 2
    protected = len(range(0, storage, 4))
    per_subscription = (
        max(1, math.ceil(cosmos / PAGE))
        + (1 if cosmos else 0)  # restorable accounts
        + max(1, math.ceil(storage / PAGE))
        + 2 * storage
        + 1  # servers
        + 3 * servers  # databases, encryption protector, auditing policy
        + 5 * databases  # TDE, short- and long-term retention, links, auditing policy
        + with_ltr
        + 1  # vaults
        + 2  # the vault's policies and instances
        + max(1, math.ceil(protected * POINTS / PAGE))  # the vault's jobs, every page
        + protected
        + cosmos
        + storage
        + databases  # each store's diagnostic settings
        + 2  # the activity log's settings, workspaces
        + 4  # action groups, activity-log, metric and log alerts
    )
    return 1 + subscriptions * per_subscription


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1)
    parser.add_argument("--storage", type=int, default=200)
    parser.add_argument("--cosmos", type=int, default=50)
    parser.add_argument("--databases", type=int, default=20)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    cloud = plugin("azure")
    subs = [
        subscription(n + 1, args.storage, args.cosmos, args.databases)
        for n in range(args.subscriptions)
    ]
    estate = cloud.load_estate({"subscriptions": subs}, Path("<bench>"), "", "azure")
    now = datetime.now(timezone.utc)
    bound = lower_bound(args.subscriptions, args.storage, args.cosmos, args.databases)
    # no accounts named: listed through the cloud's API, as a real run would
    run_and_report(
        cloud, estate, now, {}, args.workers, bound, f"{args.subscriptions} subscription(s)"
    )


if __name__ == "__main__":
    main()
