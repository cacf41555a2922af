"""RDS instances and Aurora / Multi-AZ clusters: automated backups, PITR, snapshots,
encryption, deletion protection, replicated backups, replicas and global clusters.

Every field comes from the list calls (tags are in ``TagList``): per region
``DescribeDBInstances``, ``DescribeDBClusters``, ``DescribeGlobalClusters``,
``DescribeDBSnapshots`` and ``DescribeDBClusterSnapshots``, paginated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scanner.collectors.answers import Listing, gap_for, tag_evidence
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.arn import arn_account, arn_region, hhmm_window
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.kms import KeyResolver
from scanner.collectors.aws.tagging import tag_list
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult, iso
from scanner.model import Copy, DataStore, Encryption, Evidence, Protection, Scalar
from scanner.vocabulary import CopyKind, GapAttribute, KeyType, RecoveryKind, weakest_key

OPERATIONS = declare(
    "rds",
    {
        "DescribeDBInstances": "rds:DescribeDBInstances",
        "DescribeDBClusters": "rds:DescribeDBClusters",
        "DescribeGlobalClusters": "rds:DescribeGlobalClusters",
        "DescribeDBSnapshots": "rds:DescribeDBSnapshots",
        "DescribeDBClusterSnapshots": "rds:DescribeDBClusterSnapshots",
    },
)
AUTOMATED = "RDS automated backups"
_SNAPSHOT_KINDS: tuple[tuple[RecoveryKind, tuple[str, ...]], ...] = (
    ("native_backup", ("automated",)),
    ("manual", ("manual", "shared")),
)


@dataclass(frozen=True)
class _Read:
    """Where evidence comes from: the operation, its region and the request ids."""

    operation: str
    region: str
    request_id: str | None

    def evidence(self, fields: dict[str, Scalar] | None = None) -> Evidence:
        """Evidence from this read showing ``fields``."""
        return Evidence(
            operation=self.operation,
            region=self.region,
            fields=fields or {},
            request_id=self.request_id,
        )


@dataclass(frozen=True)
class _RegionListings:
    """The region's five RDS listings (items, gap, each page's request id)."""

    instances: Listing
    clusters: Listing
    snapshots: Listing
    cluster_snapshots: Listing
    global_clusters: Listing


def _list_region(api: AwsApi, region: str) -> _RegionListings:
    def pages(operation: str, attribute: GapAttribute, key: str) -> Listing:
        return api.pages("rds", region, operation, attribute, key)

    return _RegionListings(
        pages("DescribeDBInstances", "inventory", "DBInstances"),
        pages("DescribeDBClusters", "inventory", "DBClusters"),
        pages("DescribeDBSnapshots", "recovery_points", "DBSnapshots"),
        pages("DescribeDBClusterSnapshots", "recovery_points", "DBClusterSnapshots"),
        pages("DescribeGlobalClusters", "copies", "GlobalClusters"),
    )


def collect_region(api: AwsApi, keys: KeyResolver, ctx: AccountContext, region: str) -> TaskResult:
    """Every DB instance (outside clusters) and DB cluster in the region."""
    lists = _list_region(api, region)
    result = TaskResult(gaps=[g for g in (lists.instances.gap, lists.clusters.gap) if g])
    by_instance = _group(lists.snapshots.items, "DBInstanceIdentifier")
    by_cluster = _group(lists.cluster_snapshots.items, "DBClusterIdentifier")
    for db in lists.instances.items:
        if db.get("DBClusterIdentifier"):
            continue  # backed up as part of its cluster
        snapshots = by_instance[db["DBInstanceIdentifier"]]
        if not int(db.get("BackupRetentionPeriod", 0)):
            # With automated backups off, AWS keeps no automated snapshots; ignore any listed.
            snapshots = [s for s in snapshots if s.get("SnapshotType") != "automated"]
        automated = [
            s["SnapshotCreateTime"]
            for s in snapshots
            if s.get("SnapshotType") == "automated" and s.get("SnapshotCreateTime")
        ]
        # An instance can be restored to any time from its oldest automated snapshot on.
        earliest = None if lists.snapshots.gap else min(automated, default=None)
        item = _instance(db, keys, ctx, region, earliest, lists.instances.request_id)
        _add_snapshots(item, snapshots, lists.snapshots, region, "DescribeDBSnapshots", keys)
        result.stores.append(item)
    for cluster in lists.clusters.items:
        item = _cluster(cluster, keys, ctx, region, lists.clusters.request_id)
        snapshots = by_cluster[cluster["DBClusterIdentifier"]]
        listing = lists.cluster_snapshots
        _add_snapshots(item, snapshots, listing, region, "DescribeDBClusterSnapshots", keys)
        _add_global_members(item, lists.global_clusters, region)
        result.stores.append(item)
    return result


def _group(items: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item.get(key, "")].append(item)
    return grouped


def _base(
    db: dict[str, Any],
    arn_key: str,
    name_key: str,
    kind: str,
    ctx: AccountContext,
    region: str,
    keys: KeyResolver,
    request_id: str | None = None,
) -> DataStore:
    store = DataStore(
        id=db[arn_key],
        cloud="aws",
        account=ctx.account,
        region=region,
        regions=[region],
        kind=kind,
        name=db[name_key],
        tags=tag_list(db.get("TagList")),
        deletion_protection=bool(db.get("DeletionProtection", False)),
        created_at=db.get("InstanceCreateTime") or db.get("ClusterCreateTime"),
        attributes={"engine": db.get("Engine"), "engine_version": db.get("EngineVersion")},
    )
    operation = (
        "rds:DescribeDBInstances" if kind == "aws.rds.instance" else "rds:DescribeDBClusters"
    )
    store.evidence += [
        Evidence(
            operation=operation,
            region=region,
            fields={
                f"{arn_key} (location)": db[arn_key],
                "created": iso(store.created_at),
                "DeletionProtection": db.get("DeletionProtection"),
                "Engine": db.get("Engine"),
                "EngineVersion": db.get("EngineVersion"),
            },
            request_id=request_id,
        ),
        tag_evidence(operation, region, store.tags or {}, request_id),
    ]
    _apply_encryption(store, db, keys, _Read(operation, region, request_id))
    return store


def _apply_encryption(store: DataStore, db: dict[str, Any], keys: KeyResolver, read: _Read) -> None:
    encrypted = bool(db.get("StorageEncrypted", False))
    # KmsKeyId is read only when StorageEncrypted: some endpoints fill a placeholder otherwise.
    key = db.get("KmsKeyId") if encrypted else None
    evidence = read.evidence({"StorageEncrypted": encrypted, "KmsKeyId": key})
    if key:
        store.encryption, gaps = keys.encryption(read.region, key, evidence, store.id)
        store.gaps += gaps
    else:
        store.encryption = Encryption(enabled=encrypted, key_type=None, evidence=[evidence])


def _automated_backup(
    db: dict[str, Any], operation: str, region: str, request_id: str | None
) -> Protection:
    retention = int(db.get("BackupRetentionPeriod", 0))
    window = db.get("PreferredBackupWindow")
    # Automated backups restore to any point in their retention window: continuous.
    return Protection(
        role="continuous",
        origin="native",
        source=AUTOMATED,
        name="RDS automated backups",
        enabled=retention > 0,
        immutable=False,
        frequency_hours=24.0 if retention else None,
        retention_days=float(retention) if retention else None,
        window=hhmm_window(window),
        evidence=[
            Evidence(
                operation=operation,
                region=region,
                fields={"BackupRetentionPeriod": retention, "PreferredBackupWindow": window},
                request_id=request_id,
            )
        ],
    )


def _pitr(
    item: StoreResult,
    operation: str,
    region: str,
    earliest: datetime | None,
    latest: datetime | None,
    request_id: str | None,
) -> None:
    if not latest:
        return
    evidence = Evidence(
        operation=operation,
        region=region,
        fields={"EarliestRestorableTime": iso(earliest), "LatestRestorableTime": iso(latest)},
        request_id=request_id,
    )
    encryption = item.store.encryption
    encrypted = encryption.enabled if encryption else None
    key_type = encryption.key_type if encryption and encryption.enabled else None
    item.add_window(AUTOMATED, earliest, latest, evidence, encrypted, key_type)


def _instance(
    db: dict[str, Any],
    keys: KeyResolver,
    ctx: AccountContext,
    region: str,
    earliest: datetime | None = None,
    request_id: str | None = None,
) -> StoreResult:
    """One DB instance from ``DescribeDBInstances`` (``request_id``: the listing's)."""
    operation = "rds:DescribeDBInstances"
    kind = "aws.rds.instance"
    store = _base(db, "DBInstanceArn", "DBInstanceIdentifier", kind, ctx, region, keys, request_id)
    item = StoreResult(store)
    protection = _automated_backup(db, operation, region, request_id)
    store.protections.append(protection)
    if protection.enabled:  # LatestRestorableTime is meaningless with backups off
        latest = db.get("LatestRestorableTime")
        _pitr(item, operation, region, earliest, latest, request_id)
    read = _Read(operation, region, request_id)
    for replication in db.get("DBInstanceAutomatedBackupsReplications", []):
        target = replication.get("DBInstanceAutomatedBackupsArn", "")
        field = "DBInstanceAutomatedBackupsReplications[].DBInstanceAutomatedBackupsArn"
        store.copies.append(
            _arn_copy("backup_copy", target, "automated backup replication", read, field)
        )
    for replica in db.get("ReadReplicaDBInstanceIdentifiers", []):
        if replica.startswith("arn:") and arn_region(replica) != region:
            field = "ReadReplicaDBInstanceIdentifiers[]"
            store.copies.append(
                _arn_copy("replica", replica, "cross-region read replica", read, field)
            )
    return item


def _cluster(
    db: dict[str, Any],
    keys: KeyResolver,
    ctx: AccountContext,
    region: str,
    request_id: str | None = None,
) -> StoreResult:
    """One DB cluster from ``DescribeDBClusters`` (``request_id``: the listing's)."""
    operation = "rds:DescribeDBClusters"
    kind = "aws.rds.cluster"
    store = _base(db, "DBClusterArn", "DBClusterIdentifier", kind, ctx, region, keys, request_id)
    item = StoreResult(store)
    store.protections.append(_automated_backup(db, operation, region, request_id))
    earliest, latest = db.get("EarliestRestorableTime"), db.get("LatestRestorableTime")
    _pitr(item, operation, region, earliest, latest, request_id)
    if db.get("BacktrackWindow"):
        store.attributes["backtrack_window_seconds"] = db["BacktrackWindow"]
    return item


def _arn_copy(kind: CopyKind, target: str, source: str, read: _Read, field: str) -> Copy:
    copy_region = arn_region(target)
    return Copy(
        kind=kind,
        target=target,
        region=copy_region,
        account=arn_account(target),
        resolved=copy_region is not None,
        state="observed",
        source=source,
        evidence=[read.evidence({field: target})],
    )


def _add_snapshots(
    item: StoreResult,
    snaps: list[dict[str, Any]],
    listing: Listing,
    region: str,
    operation: str,
    keys: KeyResolver,
) -> None:
    """Automated snapshots (native backups) and manual or shared ones; ``awsbackup``
    snapshots are AWS Backup recovery points, counted from the vaults. ``snaps`` are the
    database's own snapshots from ``listing``, whose gap or request ids apply."""
    if listing.gap:
        item.store.gaps += gap_for(listing.gap, "recovery_points", resource=item.store.id)
        return
    read = _Read(f"rds:{operation}", region, listing.request_id)
    ready = [s for s in snaps if s.get("Status") == "available" and s.get("SnapshotCreateTime")]
    for kind, types in _SNAPSHOT_KINDS:
        chosen = [s for s in ready if s.get("SnapshotType") in types]
        if chosen:
            _add_snapshot_source(item, chosen, kind, read, keys)
    item.note_listing(read.evidence({"snapshots of this database (Status=available)": len(ready)}))


def _add_snapshot_source(
    item: StoreResult,
    snaps: list[dict[str, Any]],
    kind: RecoveryKind,
    read: _Read,
    keys: KeyResolver,
) -> None:
    times = sorted(s["SnapshotCreateTime"] for s in snaps)
    encrypted = all(s.get("Encrypted", s.get("StorageEncrypted", False)) for s in snaps)
    types = ",".join(sorted({str(s.get("SnapshotType")) for s in snaps}))
    evidence = read.evidence(
        {
            "SnapshotCreateTime (newest)": iso(times[-1]),
            "count (Status=available)": len(times),
            "SnapshotType": types,
            "all encrypted": encrypted,
        }
    )
    key_type = _weakest_key(snaps, keys, read, item.store) if encrypted else None
    source = f"RDS {types} snapshots"
    details: dict[str, Scalar] = {"types": types}
    item.add_points(kind, source, times, evidence, encrypted, details, key_type=key_type)


def _weakest_key(
    snaps: list[dict[str, Any]], keys: KeyResolver, read: _Read, store: DataStore
) -> KeyType | None:
    """The least customer-controlled key type among encrypted snapshots (None if any key
    could not be described: the gap says why)."""
    found: set[KeyType | None] = set()
    for key_id in sorted({str(s["KmsKeyId"]) for s in snaps if s.get("KmsKeyId")}):
        evidence = read.evidence({"KmsKeyId": key_id})
        encryption, gaps = keys.encryption(read.region, key_id, evidence, store.id)
        store.gaps += gaps
        found.add(encryption.key_type)
    return weakest_key(found)


def _add_global_members(item: StoreResult, listing: Listing, region: str) -> None:
    if listing.gap:
        item.store.gaps += gap_for(listing.gap, "copies", resource=item.store.id)
        return
    read = _Read("rds:DescribeGlobalClusters", region, listing.request_id)
    for cluster in listing.items:
        members = [m["DBClusterArn"] for m in cluster.get("GlobalClusterMembers", [])]
        if item.store.id not in members:
            continue
        item.store.attributes["global_cluster"] = cluster.get("GlobalClusterIdentifier")
        for member in members:
            if member != item.store.id:
                item.store.copies.append(
                    _arn_copy(
                        "replica",
                        member,
                        f"global cluster {cluster.get('GlobalClusterIdentifier')}",
                        read,
                        "GlobalClusterMembers[].DBClusterArn",
                    )
                )
