"""S3 buckets, each read in its own region: versioning, replication, Object Lock, lifecycle,
encryption and tags (6 calls per bucket, the lower bound).

The bucket list is global. Its ``BucketRegion`` places each bucket; where an endpoint
omits it, one filtered ``ListBuckets(BucketRegion=r)`` per region in scope places them
instead, and ``GetBucketLocation`` is the last resort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import gap_for, tag_evidence
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.kms import KeyResolver
from scanner.collectors.aws.s3_settings import apply_lifecycle, apply_object_lock, apply_versioning
from scanner.collectors.aws.tagging import tag_list
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult, TaskResult, iso
from scanner.model import Copy, DataStore, Encryption, Evidence, Gap, Protection
from scanner.vocabulary import ProtectionRole

KIND = "aws.s3.bucket"

OPERATIONS = declare(
    "s3",
    {
        "ListBuckets": "s3:ListAllMyBuckets",
        "GetBucketLocation": "s3:GetBucketLocation",
        "GetBucketVersioning": "s3:GetBucketVersioning",
        "GetBucketReplication": "s3:GetReplicationConfiguration",
        "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
        "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
        "GetBucketEncryption": "s3:GetEncryptionConfiguration",
        "GetBucketTagging": "s3:GetBucketTagging",
    },
)


class BucketRegions:
    """Where each bucket lives: from the listing, then looked up once per bucket on demand."""

    def __init__(self, api: AwsApi, home: str, known: dict[str, str]) -> None:
        self._api, self._home, self._known = api, home, dict(known)

    def resolve(self, bucket: str) -> tuple[str | None, Gap | None]:
        """The bucket's region, or the gap that kept it unknown."""
        if bucket in self._known:
            return self._known[bucket], None
        answer = self._api.call("s3", self._home, "GetBucketLocation", "copies", Bucket=bucket)
        if answer.gap or answer.data is None:
            return None, answer.gap
        region = location_region(answer.data.get("LocationConstraint"))
        self._known[bucket] = region
        return region, None


def location_region(constraint: str | None) -> str:
    """``GetBucketLocation`` semantics: None/"" is us-east-1, legacy "EU" is eu-west-1."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def collect_account(api: AwsApi, keys: KeyResolver, ctx: AccountContext) -> TaskResult:
    """List buckets, place them in regions, and return one task per in-scope bucket."""
    home = ctx.regions[0]
    buckets, gap = api.pages("s3", home, "ListBuckets", "inventory", "Buckets", MaxBuckets=1000)
    if gap:
        return TaskResult(gaps=[gap])
    placed = {b["Name"]: b["BucketRegion"] for b in buckets if b.get("BucketRegion")}
    how = dict.fromkeys(placed, "s3:ListBuckets (BucketRegion)")
    unplaced = {b["Name"] for b in buckets} - placed.keys()
    gaps: list[Gap] = []
    if unplaced:
        complete = _place_by_region_filter(api, ctx, home, placed, gaps)
        how |= {n: "s3:ListBuckets (BucketRegion= filter)" for n in placed if n not in how}
        if not complete:
            regions = BucketRegions(api, home, placed)
            for name in sorted(unplaced - placed.keys()):
                region, miss = regions.resolve(name)
                if region:
                    placed[name], how[name] = region, "s3:GetBucketLocation"
                elif miss:
                    gaps.append(
                        miss.model_copy(update={"attribute": "inventory", "resource": name})
                    )
    resolver = BucketRegions(api, home, placed)
    created = {b["Name"]: b.get("CreationDate") for b in buckets}
    followups: list[Callable[[], TaskResult]] = [
        partial(
            describe_bucket,
            api,
            keys,
            ctx,
            resolver,
            Listed(name, region, how[name], created.get(name)),
        )
        for name, region in sorted(placed.items())
        if region in ctx.regions
    ]
    return TaskResult(gaps=gaps, followups=followups)


@dataclass(frozen=True)
class Listed:
    """A bucket as the listing placed it: its region, how that was learned, its creation."""

    name: str
    region: str
    how: str
    created: datetime | None


def _place_by_region_filter(
    api: AwsApi, ctx: AccountContext, home: str, placed: dict[str, str], gaps: list[Gap]
) -> bool:
    """Place buckets with one filtered listing per region; False if any listing failed."""
    complete = True
    for region in ctx.regions:
        listed, gap = api.pages(
            "s3", home, "ListBuckets", "inventory", "Buckets", BucketRegion=region, MaxBuckets=1000
        )
        if gap:
            complete = False
            continue
        placed.update({b["Name"]: region for b in listed})
    return complete


def describe_bucket(
    api: AwsApi,
    keys: KeyResolver,
    ctx: AccountContext,
    regions: BucketRegions,
    listed: Listed,
) -> TaskResult:
    """Read one bucket's backup-relevant settings into a DataStore."""
    name, region = listed.name, listed.region
    arn = ctx.bucket_arn(name)
    store = DataStore(
        id=arn,
        cloud="aws",
        account=ctx.account,
        region=region,
        regions=[region],
        kind=KIND,
        name=name,
        created_at=listed.created,
    )
    store.evidence.append(
        Evidence(
            operation=listed.how.split(" ")[0],
            fields={f"{listed.how}": region, "CreationDate": iso(listed.created)},
        )
    )

    def read(
        operation: str,
        attribute: Any,
        absent: tuple[str, ...] = (),
        role: ProtectionRole | None = None,
    ) -> dict[str, Any] | None:
        answer = api.call("s3", region, operation, attribute, absent=absent, Bucket=name)
        if answer.gap:
            gap = answer.gap.model_copy(update={"role": role})
            store.gaps.extend(gap_for(gap, attribute, resource=arn))
            return None
        return {} if answer.absent else answer.data

    versioning = read("GetBucketVersioning", "protections", role="versioning")
    lifecycle = read(
        "GetBucketLifecycleConfiguration",
        "protections",
        ("NoSuchLifecycleConfiguration",),
        role="versioning",
    )
    apply_versioning(store, versioning, lifecycle, region)
    apply_lifecycle(store, lifecycle)
    lock = read(
        "GetObjectLockConfiguration",
        "protections",
        ("ObjectLockConfigurationNotFoundError",),
        role="retention_lock",
    )
    apply_object_lock(store, lock, region)
    replication = read(
        "GetBucketReplication",
        "copies",
        ("ReplicationConfigurationNotFoundError",),
        role="replication",
    )
    _apply_replication(store, replication, regions, region)
    encryption = read(
        "GetBucketEncryption", "encryption", ("ServerSideEncryptionConfigurationNotFoundError",)
    )
    _apply_encryption(store, encryption, keys, region)
    tagging = read("GetBucketTagging", "tags", ("NoSuchTagSet",))
    store.tags = None if tagging is None else tag_list(tagging.get("TagSet"))
    if store.tags is not None:
        store.evidence.append(tag_evidence("s3:GetBucketTagging", region, store.tags))
    return TaskResult(stores=[StoreResult(store)])


def _apply_replication(
    store: DataStore, config: dict[str, Any] | None, regions: BucketRegions, region: str
) -> None:
    if config is None:
        return
    rules = config.get("ReplicationConfiguration", {}).get("Rules", [])
    if not rules:  # an absence is evidence too: no replication to another bucket
        store.evidence.append(
            Evidence(
                operation="s3:GetBucketReplication",
                region=region,
                fields={"ReplicationConfiguration.Rules": 0},
            )
        )
    enabled = [r for r in rules if r.get("Status") == "Enabled"]
    if rules:
        store.protections.append(
            Protection(
                role="replication",
                origin="native",
                source="S3 replication",
                name="S3 replication",
                enabled=bool(enabled),
                immutable=False,
                evidence=[
                    Evidence(
                        operation="s3:GetBucketReplication",
                        region=region,
                        fields={"Rules[].Status": ",".join(r.get("Status", "") for r in rules)},
                    )
                ],
            )
        )
    for rule in enabled:
        store.copies.append(_replication_copy(store, rule, regions, region))


def _replication_copy(
    store: DataStore, rule: dict[str, Any], regions: BucketRegions, region: str
) -> Copy:
    destination = rule.get("Destination", {})
    target = str(destination.get("Bucket", ""))
    bucket = target.split(":::")[-1]
    dest_region, gap = regions.resolve(bucket)
    if gap:
        store.gaps.extend(gap_for(gap, "copies", resource=store.id))
    return Copy(
        kind="replication",
        target=target,
        region=dest_region,
        account=destination.get("Account") or store.account,
        resolved=dest_region is not None,
        state="configured",
        source=f"replication rule {rule.get('ID', '')}".strip(),
        evidence=[
            Evidence(
                operation="s3:GetBucketReplication",
                region=region,
                fields={
                    "Rules[].Destination.Bucket": target,
                    "Rules[].Destination.Account": destination.get("Account"),
                    "destination region (GetBucketLocation or listing)": dest_region,
                },
            )
        ],
    )


def _apply_encryption(
    store: DataStore, config: dict[str, Any] | None, keys: KeyResolver, region: str
) -> None:
    if config is None:
        return
    rules = config.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    algorithm, key = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
    evidence = Evidence(
        operation="s3:GetBucketEncryption",
        region=region,
        fields={
            "Rules[].ApplyServerSideEncryptionByDefault.SSEAlgorithm": algorithm
            or "(none: SSE-S3 default)",
            "Rules[].ApplyServerSideEncryptionByDefault.KMSMasterKeyID": key,
        },
    )
    if algorithm in ("aws:kms", "aws:kms:dsse") and key:
        store.encryption, gaps = keys.encryption(region, key, evidence, store.id)
        store.gaps.extend(gaps)
    elif algorithm in ("aws:kms", "aws:kms:dsse"):
        store.encryption = Encryption(
            enabled=True, key_type="provider_managed", evidence=[evidence]
        )
    else:
        # S3 encrypts every bucket with SSE-S3 when no other default is configured.
        store.encryption = Encryption(enabled=True, key_type="provider_owned", evidence=[evidence])
