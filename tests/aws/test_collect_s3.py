"""S3 collection against moto's server: settings, replication copies and their regions."""

from __future__ import annotations

from scanner.emulator.aws.server import EmulatedAws
from tests.aws.helpers import calls, collect, seed, store

BUCKETS = [
    {
        "name": "images",
        "region": "eu-west-1",
        "versioning": True,
        "noncurrent_days": 90,
        "object_lock": {"mode": "COMPLIANCE", "days": 30},
        "kms_key": "images-key",
        "replication": {"destination": "images-dr"},
        "tags": {"data-residency": "eu"},
    },
    {"name": "images-dr", "region": "us-east-1", "versioning": True},
    {
        "name": "exports",
        "region": "eu-west-1",
        "versioning": True,
        "replication": {"destination": "partner-archive", "account": "999988887777"},
    },
    {"name": "website", "region": "eu-west-1"},
    {"name": "far-away", "region": "ap-southeast-2"},
]


def test_well_protected_bucket(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    bucket = store(collect(aws), "images")

    assert bucket.id == "arn:aws:s3:::images" and bucket.region == "eu-west-1"
    assert bucket.tags == {"data-residency": "eu"}
    assert bucket.encryption is not None and bucket.encryption.key_type == "customer_managed"
    by_kind = {p.role: p for p in bucket.protections}
    assert by_kind["versioning"].enabled and by_kind["versioning"].retention_days == 90
    assert not by_kind["versioning"].retention_unbounded
    lock = by_kind["retention_lock"]
    assert (
        lock.immutable is True
        and lock.retention_days == 30
        and lock.details["mode"] == "COMPLIANCE"
    )
    assert by_kind["replication"].enabled
    (copy,) = bucket.copies
    assert (copy.kind, copy.target, copy.region, copy.resolved) == (
        "replication",
        "arn:aws:s3:::images-dr",
        "us-east-1",
        True,
    )
    assert bucket.attributes["versioning"] == "Enabled"
    assert bucket.gaps == []


def test_badly_protected_bucket(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    bucket = store(collect(aws), "website")

    assert bucket.tags == {}
    versioning = next(p for p in bucket.protections if p.role == "versioning")
    assert not versioning.enabled and not versioning.retention_unbounded
    assert {p.role for p in bucket.protections} == {"versioning"}
    # No explicit default: S3 encrypts with SSE-S3, and the evidence says so.
    assert bucket.encryption is not None and bucket.encryption.key_type == "provider_owned"
    assert "SSE-S3 default" in str(bucket.encryption.evidence[0].fields.values())
    assert bucket.copies == [] and bucket.gaps == []


def test_versioned_bucket_without_expiry_keeps_versions_unbounded(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    versioning = next(p for p in store(collect(aws), "images-dr").protections)
    assert (
        versioning.enabled and versioning.retention_unbounded and versioning.retention_days is None
    )


def test_cross_account_destination_region_unknown_is_a_gap(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    bucket = store(collect(aws), "exports")

    (copy,) = bucket.copies
    assert copy.account == "999988887777"
    assert copy.region is None and copy.resolved is False
    (gap,) = bucket.gaps
    assert (gap.attribute, gap.operation, gap.permission) == (
        "copies",
        "s3:GetBucketLocation",
        "s3:GetBucketLocation",
    )


def test_buckets_outside_the_scanned_regions_are_left_out(aws: EmulatedAws) -> None:
    seed(aws, kms_keys={"images-key": "eu-west-1"}, s3=BUCKETS)
    run = collect(aws)
    assert "far-away" not in {s.name for s in run.stores}
    # moto omits BucketRegion: one filtered ListBuckets per region places every bucket,
    # with no per-bucket GetBucketLocation.
    assert calls(run)[("s3", "ListBuckets")] == 3
    # The one GetBucketLocation is for the other account's replication destination.
    assert calls(run)[("s3", "GetBucketLocation")] == 1
