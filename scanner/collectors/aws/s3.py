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

from scanner.collectors.answers import Listing, gap_for, join_request_ids, tag_evidence
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
    """Where each bucket lives: from the listing, then looked up once per bucket on demand
    (``request_ids`` keeps each lookup's request id)."""

    def __init__(self, api: AwsApi, home: str, known: dict[str, str]) -> None:
        self._api, self._home, self._known = api, home, dict(known)
        self.request_ids: dict[str, str | None] = {}

    def resolve(self, bucket: str) -> tuple[str | None, Gap | None]:
        """The bucket's region, or the gap that kept it unknown."""
        if bucket in self._known:
            return self._known[bucket], None
        answer = self._api.call("s3", self._home, "GetBucketLocation", "copies", Bucket=bucket)
        if answer.gap or answer.data is None:
            return None, answer.gap
        region = location_region(answer.data.get("LocationConstraint"))
        self._known[bucket] = region
        self.request_ids[bucket] = answer.request_id
        return region, None


def location_region(constraint: str | None) -> str:
    """``GetBucketLocation`` semantics: None/"" is us-east-1, legacy "EU" is eu-west-1."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


@dataclass(frozen=True)
class Placed:
    """Where a bucket lives, how that was learned, and the request ids of the calls that
    told (the bucket listing's, and the filtered listing's or lookup's)."""

    region: str
    how: str
    request_id: str | None


@dataclass(frozen=True)
class Listed:
    """A bucket as the listing placed it, and its creation."""

    name: str
    where: Placed
    created: datetime | None


def collect_account(api: AwsApi, keys: KeyResolver, ctx: AccountContext) -> TaskResult:
    """List buckets, place them in regions, and return one task per in-scope bucket."""
    home = ctx.regions[0]
    listing = api.pages("s3", home, "ListBuckets", "inventory", "Buckets", MaxBuckets=1000)
    if listing.gap:
        return TaskResult(gaps=[listing.gap])
    placed, gaps = _place(api, ctx, home, listing)
    resolver = BucketRegions(api, home, {name: where.region for name, where in placed.items()})
    created = {b["Name"]: b.get("CreationDate") for b in listing.items}
    followups: list[Callable[[], TaskResult]] = [
        partial(describe_bucket, api, keys, ctx, resolver, Listed(name, where, created.get(name)))
        for name, where in sorted(placed.items())
        if where.region in ctx.regions
    ]
    return TaskResult(gaps=gaps, followups=followups)


def _place(
    api: AwsApi, ctx: AccountContext, home: str, listing: Listing
) -> tuple[dict[str, Placed], list[Gap]]:
    """Each bucket's region: the listing's ``BucketRegion``, else one filtered listing per
    region, else ``GetBucketLocation``; and the gaps of buckets that stayed unplaced."""
    placed = {
        b["Name"]: Placed(b["BucketRegion"], "s3:ListBuckets (BucketRegion)", listing.request_id)
        for b in listing.items
        if b.get("BucketRegion")
    }
    unplaced = {b["Name"] for b in listing.items} - placed.keys()
    gaps: list[Gap] = []
    if not unplaced or _place_by_region_filter(api, ctx, home, listing, placed):
        return placed, gaps
    regions = BucketRegions(api, home, {name: where.region for name, where in placed.items()})
    for name in sorted(unplaced - placed.keys()):
        region, miss = regions.resolve(name)
        if region:
            ids = join_request_ids(listing.request_id, regions.request_ids.get(name))
            placed[name] = Placed(region, "s3:GetBucketLocation", ids)
        elif miss:
            gaps.append(miss.model_copy(update={"attribute": "inventory", "resource": name}))
    return placed, gaps


def _place_by_region_filter(
    api: AwsApi, ctx: AccountContext, home: str, listing: Listing, placed: dict[str, Placed]
) -> bool:
    """Place buckets with one filtered listing per region; False if any listing failed."""
    complete = True
    for region in ctx.regions:
        filtered = api.pages(
            "s3", home, "ListBuckets", "inventory", "Buckets", BucketRegion=region, MaxBuckets=1000
        )
        complete = complete and filtered.gap is None
        ids = join_request_ids(listing.request_id, filtered.request_id)
        for bucket in filtered.items:
            placed.setdefault(
                bucket["Name"], Placed(region, "s3:ListBuckets (BucketRegion= filter)", ids)
            )
    return complete


def describe_bucket(
    api: AwsApi,
    keys: KeyResolver,
    ctx: AccountContext,
    regions: BucketRegions,
    listed: Listed,
) -> TaskResult:
    """Read one bucket's backup-relevant settings into a DataStore."""
    name, where = listed.name, listed.where
    store = DataStore(
        id=ctx.bucket_arn(name),
        cloud="aws",
        account=ctx.account,
        region=where.region,
        regions=[where.region],
        kind=KIND,
        name=name,
        created_at=listed.created,
    )
    store.evidence.append(
        Evidence(
            operation=where.how.split(" ")[0],
            fields={where.how: where.region, "CreationDate": iso(listed.created)},
            request_id=where.request_id,
        )
    )
    _apply_settings(store, _BucketReads(api, store), keys, regions)
    return TaskResult(stores=[StoreResult(store)])


class _BucketReads:
    """One bucket's reads, each returning the answer (``{}`` when absent, None when
    unreadable — its gap recorded on the store); ``request_ids`` by operation."""

    def __init__(self, api: AwsApi, store: DataStore) -> None:
        self._api, self._store = api, store
        self.request_ids: dict[str, str | None] = {}

    def __call__(
        self,
        operation: str,
        attribute: Any,
        absent: tuple[str, ...] = (),
        role: ProtectionRole | None = None,
    ) -> dict[str, Any] | None:
        store = self._store
        answer = self._api.call(
            "s3", store.region, operation, attribute, absent=absent, Bucket=store.name
        )
        self.request_ids[operation] = answer.request_id
        if answer.gap:
            gap = answer.gap.model_copy(update={"role": role})
            store.gaps.extend(gap_for(gap, attribute, resource=store.id))
            return None
        return {} if answer.absent else answer.data


def _apply_settings(
    store: DataStore, read: _BucketReads, keys: KeyResolver, regions: BucketRegions
) -> None:
    """Versioning, lifecycle, Object Lock, replication, encryption and tags, in that order."""
    region, ids = store.region, read.request_ids
    versioning = read("GetBucketVersioning", "protections", role="versioning")
    lifecycle = read(
        "GetBucketLifecycleConfiguration",
        "protections",
        ("NoSuchLifecycleConfiguration",),
        role="versioning",
    )
    apply_versioning(store, versioning, lifecycle, region, ids)
    apply_lifecycle(store, lifecycle)
    lock = read(
        "GetObjectLockConfiguration",
        "protections",
        ("ObjectLockConfigurationNotFoundError",),
        role="retention_lock",
    )
    apply_object_lock(store, lock, region, ids)
    replication = read(
        "GetBucketReplication",
        "copies",
        ("ReplicationConfigurationNotFoundError",),
        role="replication",
    )
    _apply_replication(store, replication, regions, ids.get("GetBucketReplication"))
    encryption = read(
        "GetBucketEncryption", "encryption", ("ServerSideEncryptionConfigurationNotFoundError",)
    )
    _apply_encryption(store, encryption, keys, ids.get("GetBucketEncryption"))
    tagging = read("GetBucketTagging", "tags", ("NoSuchTagSet",))
    store.tags = None if tagging is None else tag_list(tagging.get("TagSet"))
    if store.tags is not None:
        tag_id = ids.get("GetBucketTagging")
        store.evidence.append(tag_evidence("s3:GetBucketTagging", region, store.tags, tag_id))


def _apply_replication(
    store: DataStore,
    config: dict[str, Any] | None,
    regions: BucketRegions,
    request_id: str | None,
) -> None:
    if config is None:
        return
    region = store.region
    rules = config.get("ReplicationConfiguration", {}).get("Rules", [])
    if not rules:  # an absence is evidence too: no replication to another bucket
        store.evidence.append(
            Evidence(
                operation="s3:GetBucketReplication",
                region=region,
                fields={"ReplicationConfiguration.Rules": 0},
                request_id=request_id,
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
                        request_id=request_id,
                    )
                ],
            )
        )
    for rule in enabled:
        store.copies.append(_replication_copy(store, rule, regions, request_id))


def _replication_copy(
    store: DataStore, rule: dict[str, Any], regions: BucketRegions, request_id: str | None
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
                region=store.region,
                fields={
                    "Rules[].Destination.Bucket": target,
                    "Rules[].Destination.Account": destination.get("Account"),
                    "destination region (GetBucketLocation or listing)": dest_region,
                },
                request_id=request_id,
            )
        ],
    )


def _apply_encryption(
    store: DataStore, config: dict[str, Any] | None, keys: KeyResolver, request_id: str | None
) -> None:
    if config is None:
        return
    region = store.region
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
        request_id=request_id,
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
