"""Measure a Google Cloud collection on the emulator: calls per project against the
lower bound, wall time, peak memory.

Usage:
  python bench/collect_gcp.py [--projects 1 --buckets 200 --databases 50 --instances 20]

Every project holds the same mix (every other store well protected), seeded through the
estate format into the REST fake (a thread in this process: the RSS printed includes
it). The lower bound follows shared/reference/cloud-apis.md §D.1 for what the collectors
read: per project 1 ``buckets.list`` page per 1000 buckets, 1 ``databases.list`` + 1
``backupSchedules.list`` per database + 1 ``backups.list``, one ``instances.list`` and one
``backupRuns.list`` page per page of answers + 1 ``getLatestRecoveryTime`` per instance
with point-in-time recovery on, 3 Backup and DR listings + 1 ``dataSources.list`` per
vault + 1 ``backups.list`` per data source, the audit trail's ``getIamPolicy``,
log-bucket and sink listings, 1 ``operations.list`` per Firestore database (restores) and
the alert-policy and notification-channel listings; plus one ``projects.search`` for the
whole run. Not a
test: figures only.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulated_run import run_and_report  # bench/, the script's own folder

from scanner.collectors.registry import plugin

PAGE = 500  # the emulator's page size (scanner.emulator.gcp.seed)


def project(name: str, buckets: int, databases: int, instances: int) -> dict[str, Any]:
    """One project: every other store well protected."""
    return {
        "id": name,
        "buckets": [
            {
                "name": f"{name}-bucket-{i:04d}",
                "location": "EUROPE-WEST1",
                "versioning": i % 2 == 0,
                "noncurrent_days": 30 if i % 4 == 0 else None,
            }
            for i in range(buckets)
        ],
        "firestore": [
            {
                "name": f"db-{i:03d}",
                "location": "eur3",
                "pitr": i % 2 == 0,
                "schedules": [{"recurrence": "daily"}] if i % 2 == 0 else [],
                "backups": {"count": 7} if i % 2 == 0 else None,
            }
            for i in range(databases)
        ],
        "sql": [
            {
                "name": f"sql-{i:03d}",
                "region": "europe-west1",
                "backups": i % 2 == 0,
                "pitr": i % 2 == 0,
                "runs": {"count": 7} if i % 2 == 0 else None,
            }
            for i in range(instances)
        ],
        "backupdr": {
            "vaults": [
                {
                    "name": "vault",
                    "location": "europe-west1",
                    "min_retention_days": 30,
                    "locked": True,
                }
            ],
            "plans": [{"name": "daily", "location": "europe-west1", "vault": "vault"}],
            "protects": [
                {"instance": f"sql-{i:03d}", "plan": "daily"} for i in range(0, instances, 4)
            ],
        },
    }


def lower_bound(projects: int, buckets: int, databases: int, instances: int) -> int:
    """The fewest calls that read everything the collectors read."""
    runs = (instances + 1) // 2 * 7
    protected = len(range(0, instances, 4))
    per_project = (
        max(1, math.ceil(buckets / 1000))
        + 1
        + databases
        + 1
        + max(1, math.ceil(instances / PAGE))
        + max(1, math.ceil(runs / PAGE))
        + (instances + 1) // 2  # getLatestRecoveryTime, PITR on
        + 3
        + 1
        + protected
        + 3  # getIamPolicy, log buckets, sinks
        + databases  # operations.list per Firestore database (restores)
        + 2  # alert policies, notification channels
    )
    return 1 + projects * per_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--databases", type=int, default=50)
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    cloud = plugin("gcp")
    projects = [
        project(f"bench-{p:02d}", args.buckets, args.databases, args.instances)
        for p in range(args.projects)
    ]
    estate = cloud.load_estate({"projects": projects}, Path("<bench>"), "", "gcp")
    now = datetime.now(timezone.utc)
    bound = lower_bound(args.projects, args.buckets, args.databases, args.instances)
    # no accounts named: listed through the cloud's API, as a real run would
    run_and_report(cloud, estate, now, {}, args.workers, bound, f"{args.projects} project(s)")


if __name__ == "__main__":
    main()
