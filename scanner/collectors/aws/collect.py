"""Collecting one AWS account: all services and regions concurrently, into a Snapshot.

Listing tasks (S3 once, then per region DynamoDB, RDS and AWS Backup) run on one thread
pool; per-resource reads they discover are queued on the same pool from this thread, so
no worker ever waits on another. AWS Backup's answers are applied to the stores last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import boto3

from scanner import __version__
from scanner.collectors.aws import account, backup, dynamodb, kms, rds, s3, tagging
from scanner.collectors.aws.api import AwsApi, AwsClients, ClientSettings
from scanner.collectors.aws.backup import RegionBackup
from scanner.collectors.aws.backup_merge import account_plans, apply_backup
from scanner.collectors.aws.tasks import AccountContext, StoreResult, TaskResult
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.collectors.recovery import summarize
from scanner.model import AccountFacts, DataStore, Gap, Scope, Snapshot
from scanner.progress import NoProgress, Progress

OPERATIONS = (
    account.OPERATIONS
    + dynamodb.OPERATIONS
    + s3.OPERATIONS
    + rds.OPERATIONS
    + backup.OPERATIONS
    + kms.OPERATIONS
    + tagging.OPERATIONS
)

Task = Callable[[], TaskResult]


@dataclass(frozen=True)
class CollectOptions:
    """What to collect and how wide to go."""

    regions: tuple[str, ...] | None = None
    workers: int = 16
    identity_region: str = "us-east-1"


@dataclass
class CollectionRun:
    """The snapshot and the API calls it took."""

    snapshot: Snapshot
    calls: dict[tuple[str, str], int]


def collect_aws(
    session: boto3.Session,
    clock: Callable[[], datetime],
    options: CollectOptions | None = None,
    settings: ClientSettings | None = None,
    progress: Progress | None = None,
) -> CollectionRun:
    """Collect the caller's account into a Snapshot."""
    options = options or CollectOptions()
    settings = settings or ClientSettings(max_pool=options.workers)
    counter = CallCounter()
    api = AwsApi(AwsClients(session, ReadOnlyGuard(OPERATIONS), counter, settings))
    home = options.regions[0] if options.regions else options.identity_region
    account_id = account.caller_account(api, home)
    regions = tuple(options.regions or account.enabled_regions(api, home))
    ctx = AccountContext(account=account_id, regions=regions)
    now = clock()
    keys = kms.KeyResolver(api)
    tasks: list[Task] = [partial(s3.collect_account, api, keys, ctx)]
    for region in regions:
        tasks += [
            partial(dynamodb.collect_region, api, keys, ctx, region),
            partial(rds.collect_region, api, keys, ctx, region),
            partial(backup.collect_region, api, ctx, region, now),
        ]
    results = run_tasks(tasks, options.workers, progress or NoProgress())
    return CollectionRun(_assemble(results, ctx, now), counter.snapshot())


def run_tasks(initial: Iterable[Task], workers: int, progress: Progress) -> list[TaskResult]:
    """Run tasks and the follow-ups they return; the first exception stops everything."""
    results: list[TaskResult] = []
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect")
    try:
        pending: set[Future[TaskResult]] = {pool.submit(t) for t in initial}
        progress.found(len(pending))
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                result = future.result()
                results.append(result)
                progress.done("task")
                if result.followups:
                    progress.found(len(result.followups))
                    pending |= {pool.submit(t) for t in result.followups}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _assemble(results: list[TaskResult], ctx: AccountContext, now: datetime) -> Snapshot:
    items = [s for r in results for s in r.stores]
    facts = {f.region: f for r in results for f in r.region_facts if isinstance(f, RegionBackup)}
    account_gaps = [g for r in results for g in r.gaps]
    for item in items:
        apply_backup(item, facts)
    stores = sorted((_finish(item) for item in items), key=lambda s: s.id)
    vaults = sorted((v for f in facts.values() for v in f.vaults), key=lambda v: v.id)
    facts_row = AccountFacts(
        cloud="aws",
        account=ctx.account,
        regions=sorted(ctx.regions),
        backup_plans=account_plans(facts),
        vaults=vaults,
        gaps=sort_gaps(account_gaps),
    )
    return Snapshot(
        tool_version=__version__,
        collected_at=now,
        scope=Scope(clouds=["aws"], accounts=[ctx.account], regions=sorted(ctx.regions)),
        stores=stores,
        accounts=[facts_row],
    )


def _finish(item: StoreResult) -> DataStore:
    """Summarize recovery points and put every list in a stable order."""
    store = item.store
    store.recovery_points = summarize(store.recovery_points.sources, item.intervals)
    store.protections.sort(key=lambda p: (p.kind, p.name))
    store.copies.sort(key=lambda c: (c.kind, c.target, c.state))
    store.gaps = sort_gaps(store.gaps)
    return store


def sort_gaps(gaps: list[Gap]) -> list[Gap]:
    """Unique gaps in a stable order."""
    unique = {g.model_dump_json(): g for g in gaps}
    return [unique[k] for k in sorted(unique)]
