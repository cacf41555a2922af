"""RDS instances and Aurora / Multi-AZ clusters: automated backups, PITR, snapshots,
encryption, deletion protection, replicated backups, replicas and global clusters.

Every field comes from the list calls (tags are in ``TagList``): per region
``DescribeDBInstances``, ``DescribeDBClusters``, ``DescribeGlobalClusters``,
``DescribeDBSnapshots`` and ``DescribeDBClusterSnapshots``, paginated.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for, tag_evidence
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.arn import arn_account, arn_region, hhmm_window
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.kms import KeyResolver
from scanner.collectors.aws.tagging import tag_list
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult, iso
from scanner.model import Copy, DataStore, Encryption, Evidence, Gap, Protection, Scalar
from scanner.vocabulary import CopyKind, KeyType, RecoveryKind, weakest_key

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


def collect_region(api: AwsApi, keys: KeyResolver, ctx: AccountContext, region: str) -> TaskResult:
    """Every DB instance (outside clusters) and DB cluster in the region."""
    instances, i_gap = api.pages("rds", region, "DescribeDBInstances", "inventory", "DBInstances")
    clusters, c_gap = api.pages("rds", region, "DescribeDBClusters", "inventory", "DBClusters")
    snaps, s_gap = api.pages("rds", region, "DescribeDBSnapshots", "recovery_points", "DBSnapshots")
    csnaps, cs_gap = api.pages(
        "rds", region, "DescribeDBClusterSnapshots", "recovery_points", "DBClusterSnapshots"
    )
    globals_, g_gap = api.pages("rds", region, "DescribeGlobalClusters", "copies", "GlobalClusters")
    result = TaskResult(gaps=[g for g in (i_gap, c_gap) if g])
    by_instance = _group(snaps, "DBInstanceIdentifier")
    by_cluster = _group(csnaps, "DBClusterIdentifier")
    for db in instances:
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
        item = _instance(db, keys, ctx, region, min(automated, default=None) if not s_gap else None)
        _add_snapshots(item, snapshots, s_gap, region, "DescribeDBSnapshots", keys)
        result.stores.append(item)
    for cluster in clusters:
        item = _cluster(cluster, keys, ctx, region)
        _add_snapshots(
            item,
            by_cluster[cluster["DBClusterIdentifier"]],
            cs_gap,
            region,
            "DescribeDBClusterSnapshots",
            keys,
        )
        _add_global_members(item, globals_, g_gap, region)
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
        ),
        tag_evidence(operation, region, store.tags or {}),
    ]
    encrypted = bool(db.get("StorageEncrypted", False))
    # KmsKeyId is read only when StorageEncrypted: some endpoints fill a placeholder otherwise.
    key = db.get("KmsKeyId") if encrypted else None
    evidence = Evidence(
        operation=operation, region=region, fields={"StorageEncrypted": encrypted, "KmsKeyId": key}
    )
    if key:
        store.encryption, gaps = keys.encryption(region, key, evidence, store.id)
        store.gaps += gaps
    else:
        store.encryption = Encryption(enabled=encrypted, key_type=None, evidence=[evidence])
    return store


def _automated_backup(db: dict[str, Any], operation: str, region: str) -> Protection:
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
            )
        ],
    )


def _pitr(
    item: StoreResult,
    operation: str,
    region: str,
    earliest: datetime | None,
    latest: datetime | None,
) -> None:
    if not latest:
        return
    evidence = Evidence(
        operation=operation,
        region=region,
        fields={"EarliestRestorableTime": iso(earliest), "LatestRestorableTime": iso(latest)},
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
) -> StoreResult:
    store = _base(
        db, "DBInstanceArn", "DBInstanceIdentifier", "aws.rds.instance", ctx, region, keys
    )
    item = StoreResult(store)
    protection = _automated_backup(db, "rds:DescribeDBInstances", region)
    store.protections.append(protection)
    if protection.enabled:  # LatestRestorableTime is meaningless with backups off
        _pitr(item, "rds:DescribeDBInstances", region, earliest, db.get("LatestRestorableTime"))
    for replication in db.get("DBInstanceAutomatedBackupsReplications", []):
        target = replication.get("DBInstanceAutomatedBackupsArn", "")
        store.copies.append(
            _arn_copy(
                "backup_copy",
                target,
                "automated backup replication",
                "rds:DescribeDBInstances",
                region,
                "DBInstanceAutomatedBackupsReplications[].DBInstanceAutomatedBackupsArn",
            )
        )
    for replica in db.get("ReadReplicaDBInstanceIdentifiers", []):
        if replica.startswith("arn:") and arn_region(replica) != region:
            store.copies.append(
                _arn_copy(
                    "replica",
                    replica,
                    "cross-region read replica",
                    "rds:DescribeDBInstances",
                    region,
                    "ReadReplicaDBInstanceIdentifiers[]",
                )
            )
    return item


def _cluster(
    db: dict[str, Any], keys: KeyResolver, ctx: AccountContext, region: str
) -> StoreResult:
    store = _base(db, "DBClusterArn", "DBClusterIdentifier", "aws.rds.cluster", ctx, region, keys)
    item = StoreResult(store)
    store.protections.append(_automated_backup(db, "rds:DescribeDBClusters", region))
    _pitr(
        item,
        "rds:DescribeDBClusters",
        region,
        db.get("EarliestRestorableTime"),
        db.get("LatestRestorableTime"),
    )
    if db.get("BacktrackWindow"):
        store.attributes["backtrack_window_seconds"] = db["BacktrackWindow"]
    return item


def _arn_copy(
    kind: CopyKind, target: str, source: str, operation: str, region: str, field: str
) -> Copy:
    copy_region = arn_region(target)
    return Copy(
        kind=kind,
        target=target,
        region=copy_region,
        account=arn_account(target),
        resolved=copy_region is not None,
        state="observed",
        source=source,
        evidence=[Evidence(operation=operation, region=region, fields={field: target})],
    )


def _add_snapshots(
    item: StoreResult,
    snaps: list[dict[str, Any]],
    gap: Gap | None,
    region: str,
    operation: str,
    keys: KeyResolver,
) -> None:
    """Automated snapshots (native backups) and manual or shared ones; ``awsbackup``
    snapshots are AWS Backup recovery points, counted from the vaults."""
    if gap:
        item.store.gaps += gap_for(gap, "recovery_points", resource=item.store.id)
        return
    ready = [s for s in snaps if s.get("Status") == "available" and s.get("SnapshotCreateTime")]
    for kind, types in _SNAPSHOT_KINDS:
        chosen = [s for s in ready if s.get("SnapshotType") in types]
        if chosen:
            _add_snapshot_source(item, chosen, kind, region, operation, keys)
    item.note_listing(
        Evidence(
            operation=f"rds:{operation}",
            region=region,
            fields={"snapshots of this database (Status=available)": len(ready)},
        )
    )


def _add_snapshot_source(
    item: StoreResult,
    snaps: list[dict[str, Any]],
    kind: RecoveryKind,
    region: str,
    operation: str,
    keys: KeyResolver,
) -> None:
    times = sorted(s["SnapshotCreateTime"] for s in snaps)
    encrypted = all(s.get("Encrypted", s.get("StorageEncrypted", False)) for s in snaps)
    types = ",".join(sorted({str(s.get("SnapshotType")) for s in snaps}))
    evidence = Evidence(
        operation=f"rds:{operation}",
        region=region,
        fields={
            "SnapshotCreateTime (newest)": iso(times[-1]),
            "count (Status=available)": len(times),
            "SnapshotType": types,
            "all encrypted": encrypted,
        },
    )
    key_type = _weakest_key(snaps, keys, region, item.store) if encrypted else None
    source = f"RDS {types} snapshots"
    details: dict[str, Scalar] = {"types": types}
    item.add_points(kind, source, times, evidence, encrypted, details, key_type=key_type)


def _weakest_key(
    snaps: list[dict[str, Any]], keys: KeyResolver, region: str, store: DataStore
) -> KeyType | None:
    """The least customer-controlled key type among encrypted snapshots (None if any key
    could not be described: the gap says why)."""
    found: set[KeyType | None] = set()
    for key_id in sorted({str(s["KmsKeyId"]) for s in snaps if s.get("KmsKeyId")}):
        evidence = Evidence(operation="rds:DescribeDBSnapshots", region=region)
        encryption, gaps = keys.encryption(region, key_id, evidence, store.id)
        store.gaps += gaps
        found.add(encryption.key_type)
    return weakest_key(found)


def _add_global_members(
    item: StoreResult, globals_: list[dict[str, Any]], gap: Gap | None, region: str
) -> None:
    if gap:
        item.store.gaps += gap_for(gap, "copies", resource=item.store.id)
        return
    for cluster in globals_:
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
                        "rds:DescribeGlobalClusters",
                        region,
                        "GlobalClusterMembers[].DBClusterArn",
                    )
                )
