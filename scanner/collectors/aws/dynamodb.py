"""DynamoDB tables: PITR, on-demand backups, encryption, deletion protection, replicas, tags.

Per region: ``ListTables``, ``GetResources`` (tags of all tables), ``ListBackups`` with
``BackupType=ALL`` (the API's default is ``USER``, which leaves out the ``SYSTEM`` backups),
then per table ``DescribeTable`` and ``DescribeContinuousBackups`` —
the lower bound of ⌈T/100⌉ + 2T (+ tags and backups pages).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import gap_for, tag_evidence
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.kms import KeyResolver
from scanner.collectors.aws.tagging import region_tags
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult, iso
from scanner.model import Copy, DataStore, Encryption, Evidence, Gap, Protection
from scanner.vocabulary import RecoveryKind

KIND = "aws.dynamodb.table"
PITR = "DynamoDB point-in-time recovery"
_BACKUP_TYPES: tuple[tuple[str, RecoveryKind], ...] = (
    ("USER", "manual"),
    ("SYSTEM", "native_backup"),
)

OPERATIONS = declare(
    "dynamodb",
    {
        "ListTables": "dynamodb:ListTables",
        "DescribeTable": "dynamodb:DescribeTable",
        "DescribeContinuousBackups": "dynamodb:DescribeContinuousBackups",
        "ListBackups": "dynamodb:ListBackups",
    },
)


def collect_region(api: AwsApi, keys: KeyResolver, ctx: AccountContext, region: str) -> TaskResult:
    """List the region's tables and return one follow-up task per table."""
    names = api.pages("dynamodb", region, "ListTables", "inventory", "TableNames")
    if names.gap:
        return TaskResult(gaps=[names.gap])
    tags = region_tags(api, region, "dynamodb:table")
    backups = api.pages(
        "dynamodb", region, "ListBackups", "recovery_points", "BackupSummaries", BackupType="ALL"
    )
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for summary in backups.items:
        by_table[summary.get("TableArn", "")].append(summary)
    followups: list[Callable[[], TaskResult]] = []
    for name in sorted(names.items):
        arn = ctx.arn("dynamodb", region, f"table/{name}")
        shared = _Shared(
            None if tags.gap else tags.by_arn.get(arn, {}),
            None if backups.gap else by_table[arn],
            tags.request_id,
            backups.request_id,
        )
        shared.gaps.extend(gap_for(tags.gap, "tags", resource=arn) if tags.gap else [])
        shared.gaps.extend(
            gap_for(backups.gap, "recovery_points", resource=arn) if backups.gap else []
        )
        followups.append(partial(describe_table, api, keys, ctx, region, name, shared))
    return TaskResult(followups=followups)


@dataclass
class _Shared:
    """Region-wide answers handed to each table's task, with their listings' request ids."""

    tags: dict[str, str] | None
    backups: list[dict[str, Any]] | None  # None: the listing failed (the gap is in ``gaps``)
    tags_request_id: str | None = None
    backups_request_id: str | None = None
    gaps: list[Gap] = field(default_factory=list)


def describe_table(
    api: AwsApi, keys: KeyResolver, ctx: AccountContext, region: str, name: str, shared: _Shared
) -> TaskResult:
    """Read one table's settings and continuous backups into a DataStore."""
    arn = ctx.arn("dynamodb", region, f"table/{name}")
    store = DataStore(
        id=arn,
        cloud="aws",
        account=ctx.account,
        region=region,
        regions=[region],
        kind=KIND,
        name=name,
        tags=shared.tags,
        gaps=list(shared.gaps),
    )
    if shared.tags is not None:
        store.evidence.append(
            tag_evidence("tag:GetResources", region, shared.tags, shared.tags_request_id)
        )
    result = StoreResult(store)
    described = api.call(
        "dynamodb",
        region,
        "DescribeTable",
        "encryption",
        absent=("ResourceNotFoundException",),
        TableName=name,
    )
    if described.absent:
        return TaskResult()
    if described.gap:
        store.gaps += gap_for(
            described.gap, "encryption", "deletion_protection", "copies", resource=arn
        )
    else:
        table = described.data["Table"]  # type: ignore[index]
        _apply_table(store, table, keys, region, described.request_id)
    _apply_continuous_backups(api, result, region, name)
    if shared.backups is not None:
        _apply_on_demand(result, shared.backups, region, shared.backups_request_id)
    return TaskResult(stores=[result])


def _apply_table(
    store: DataStore,
    table: dict[str, Any],
    keys: KeyResolver,
    region: str,
    request_id: str | None = None,
) -> None:
    store.deletion_protection = bool(table.get("DeletionProtectionEnabled", False))
    store.created_at = table.get("CreationDateTime")
    store.evidence.append(
        Evidence(
            operation="dynamodb:DescribeTable",
            region=region,
            fields={
                "Table.TableArn (location)": table.get("TableArn"),
                "Table.CreationDateTime": iso(table.get("CreationDateTime")),
                "Table.DeletionProtectionEnabled": table.get("DeletionProtectionEnabled"),
                "Table.TableStatus": table.get("TableStatus"),
                "Table.GlobalTableVersion": table.get("GlobalTableVersion"),
            },
            request_id=request_id,
        )
    )
    store.attributes["billing_mode"] = table.get("BillingModeSummary", {}).get("BillingMode")
    store.attributes["global_table_version"] = table.get("GlobalTableVersion")
    _apply_table_encryption(store, table.get("SSEDescription"), keys, region, request_id)
    for replica in table.get("Replicas", []):
        replica_region = replica.get("RegionName")
        if replica_region and replica_region != region:
            store.copies.append(_replica(store, replica, replica_region, region, request_id))


def _apply_table_encryption(
    store: DataStore,
    sse: dict[str, Any] | None,
    keys: KeyResolver,
    region: str,
    request_id: str | None,
) -> None:
    evidence = Evidence(
        operation="dynamodb:DescribeTable",
        region=region,
        fields={
            "Table.SSEDescription.SSEType": (sse or {}).get("SSEType"),
            "Table.SSEDescription.KMSMasterKeyArn": (sse or {}).get("KMSMasterKeyArn"),
        },
        request_id=request_id,
    )
    if sse and sse.get("KMSMasterKeyArn"):
        store.encryption, gaps = keys.encryption(region, sse["KMSMasterKeyArn"], evidence, store.id)
        store.gaps += gaps
    else:
        # DescribeTable omits SSEDescription when the table uses the AWS-owned key (default).
        store.encryption = Encryption(enabled=True, key_type="provider_owned", evidence=[evidence])


def _replica(
    store: DataStore,
    replica: dict[str, Any],
    replica_region: str,
    region: str,
    request_id: str | None,
) -> Copy:
    return Copy(
        kind="replica",
        target=f"{store.id} ({replica_region})",
        region=replica_region,
        account=store.account,
        resolved=True,
        state="observed",
        source="global table",
        evidence=[
            Evidence(
                operation="dynamodb:DescribeTable",
                region=region,
                fields={
                    "Table.Replicas[].RegionName": replica_region,
                    "Table.Replicas[].ReplicaStatus": replica.get("ReplicaStatus"),
                },
                request_id=request_id,
            )
        ],
    )


def _apply_continuous_backups(api: AwsApi, result: StoreResult, region: str, name: str) -> None:
    store = result.store
    answer = api.call(
        "dynamodb", region, "DescribeContinuousBackups", "protections", TableName=name
    )
    if answer.gap or answer.data is None:
        if answer.gap:
            unknown = answer.gap.model_copy(update={"role": "continuous"})
            store.gaps += gap_for(unknown, "protections", "recovery_points", resource=store.id)
        return
    pitr = answer.data["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    status = pitr.get("PointInTimeRecoveryStatus", "DISABLED")
    enabled = status == "ENABLED"
    days = pitr.get("RecoveryPeriodInDays", 35) if enabled else None
    earliest, latest = pitr.get("EarliestRestorableDateTime"), pitr.get("LatestRestorableDateTime")
    evidence = Evidence(
        operation="dynamodb:DescribeContinuousBackups",
        region=region,
        fields={
            "PointInTimeRecoveryDescription.PointInTimeRecoveryStatus": status,
            "PointInTimeRecoveryDescription.RecoveryPeriodInDays": days,
            "PointInTimeRecoveryDescription.EarliestRestorableDateTime": iso(earliest),
            "PointInTimeRecoveryDescription.LatestRestorableDateTime": iso(latest),
        },
        request_id=answer.request_id,
    )
    store.protections.append(
        Protection(
            role="continuous",
            origin="native",
            source=PITR,
            name="point-in-time recovery",
            enabled=enabled,
            immutable=False,
            retention_days=days,
            evidence=[evidence],
        )
    )
    if enabled and earliest and latest:
        # PITR data is encrypted with the table's own key (AWS documentation).
        key_type = store.encryption.key_type if store.encryption else None
        result.add_window(PITR, earliest, latest, evidence, True, key_type)
    else:
        result.note_listing(evidence)  # no continuous window: the answer says so


def _apply_on_demand(
    result: StoreResult,
    backups: list[dict[str, Any]],
    region: str,
    request_id: str | None = None,
) -> None:
    """USER (manual) and SYSTEM backups; AWS_BACKUP ones are counted from the Backup vaults.
    What the listing held for the table is recorded, an absence included; the evidence
    cites the listing's request ids (one per page)."""
    store = result.store
    key_type = store.encryption.key_type if store.encryption else None
    counts: dict[str, int] = {}
    for backup_type, kind in _BACKUP_TYPES:
        own = [
            b
            for b in backups
            if b.get("BackupType") == backup_type and b.get("BackupStatus") == "AVAILABLE"
        ]
        counts[backup_type] = len(own)
        if not own:
            continue
        times: list[datetime] = sorted(b["BackupCreationDateTime"] for b in own)
        evidence = Evidence(
            operation="dynamodb:ListBackups",
            region=region,
            fields={
                "BackupType": backup_type,
                "BackupSummaries[].BackupCreationDateTime (newest)": iso(times[-1]),
                "count (BackupStatus=AVAILABLE)": len(times),
            },
            request_id=request_id,
        )
        # DynamoDB encrypts every backup at rest with the table's key (AWS documentation).
        source = f"DynamoDB {backup_type} backups"
        result.add_points(kind, source, times, evidence, True, key_type=key_type)
    result.note_listing(_listing(counts, region, request_id))


def _listing(counts: dict[str, int], region: str, request_id: str | None) -> Evidence:
    """What the ``ListBackups`` listing held for one table — an absence included."""
    return Evidence(
        operation="dynamodb:ListBackups",
        region=region,
        fields={
            "BackupType (request)": "ALL",
            "USER backups AVAILABLE for this table": counts["USER"],
            "SYSTEM backups AVAILABLE for this table": counts["SYSTEM"],
        },
        request_id=request_id,
    )
