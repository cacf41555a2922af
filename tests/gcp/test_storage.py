"""Cloud Storage buckets read with the real google-cloud-storage client over HTTP from
the fake on 127.0.0.1: settings, locations, paging, errors as gaps, the guard."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collectors.gcp.api import GcpApi, GcpSettings, RetrySettings
from scanner.collectors.gcp.storage import ROUTES, list_buckets
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.server import Fault, GcpState, gcp_fake
from scanner.errors import ReadOnlyViolation

PROJECT = "northwind-prod"
FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)


def bucket(
    name: str, location: str = "EUROPE-WEST1", kind: str = "region", **more: Any
) -> dict[str, Any]:
    """A ``buckets.list`` item as the JSON API returns it."""
    return {
        "kind": "storage#bucket",
        "id": name,
        "name": name,
        "projectNumber": "123456789012",
        "location": location,
        "locationType": kind,
        "storageClass": "STANDARD",
        "timeCreated": "2025-03-01T10:00:00.000Z",
        "softDeletePolicy": {"retentionDurationSeconds": "604800"},
        **more,
    }


GUARDED = bucket(
    "records",
    versioning={"enabled": True},
    lifecycle={
        "rule": [{"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 30}}]
    },
    retentionPolicy={
        "retentionPeriod": "31536000",
        "isLocked": True,
        "effectiveTime": "2025-03-01T10:00:00Z",
    },
    encryption={"defaultKmsKeyName": "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"},
    labels={"data-classification": "phi"},
)
BARE = bucket("scratch", "US", "multi-region", softDeletePolicy={"retentionDurationSeconds": "0"})


def _collect(
    state: GcpState, project: str = PROJECT
) -> tuple[list[Any], Any, CallCounter, GcpState]:
    counter = CallCounter()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        stores, gap = list_buckets(api, project)
    return [s.store for s in stores], gap, counter, state


def test_a_well_and_a_badly_protected_bucket() -> None:
    stores, gap, _, _ = _collect(GcpState(buckets={PROJECT: [GUARDED, BARE]}))
    assert gap is None
    records, scratch = sorted(stores, key=lambda s: s.name)
    assert (records.id, records.region, records.regions) == (
        "gs://records",
        "europe-west1",
        ["europe-west1"],
    )
    roles = {p.role: p for p in records.protections}
    assert roles["versioning"].enabled and roles["versioning"].retention_days == 30
    assert roles["soft_delete"].retention_days == 7
    assert roles["retention_lock"].immutable and roles["retention_lock"].retention_days == 365
    assert records.encryption and records.encryption.key_type == "customer_managed"
    assert records.tags == {"data-classification": "phi"}
    assert (scratch.region, scratch.regions, scratch.redundancy) == ("US", ["US"], "geo")
    assert records.redundancy is None
    bare = {p.role: p for p in scratch.protections}
    assert not bare["versioning"].enabled and not bare["soft_delete"].enabled
    assert "retention_lock" not in bare
    assert scratch.encryption and scratch.encryption.key_type == "provider_managed"
    evidence = records.protections[0].evidence[0]
    assert evidence.operation == "storage:ListBuckets"
    absence = records.recovery_points.evidence  # no backups is said, with the listing
    assert [e.operation for e in absence] == ["storage:ListBuckets"]


def test_dual_regions_name_their_member_regions() -> None:
    custom = bucket(
        "eu-pair",
        "EU",
        "dual-region",
        customPlacementConfig={"dataLocations": ["EUROPE-WEST4", "EUROPE-WEST1"]},
        rpo="ASYNC_TURBO",
    )
    predefined = bucket("us-pair", "NAM4", "dual-region")
    stores, _, _, _ = _collect(GcpState(buckets={PROJECT: [custom, predefined]}))
    by_name = {s.name: s for s in stores}
    assert by_name["eu-pair"].regions == ["europe-west1", "europe-west4"]
    assert by_name["eu-pair"].attributes["turbo_replication"] is True
    assert by_name["us-pair"].regions == ["us-central1", "us-east1"]


def test_every_page_is_read_and_counted() -> None:
    state = GcpState(buckets={PROJECT: [bucket(f"b{i}") for i in range(5)]}, page_size=2)
    stores, gap, counter, _ = _collect(state)
    assert gap is None and sorted(s.name for s in stores) == [f"b{i}" for i in range(5)]
    assert counter.counts()[("storage", "ListBuckets")] == (3, 0)


def test_a_denied_listing_is_a_gap_naming_the_permission() -> None:
    state = GcpState(buckets={PROJECT: [GUARDED]}, faults={PROJECT: Fault("denied")})
    stores, gap, _, _ = _collect(state)
    assert stores == []
    assert gap.cause == "denied" and gap.permission == "storage.buckets.list"
    assert gap.operation == "storage:ListBuckets" and gap.attribute == "inventory"


def test_throttling_is_retried_and_counted_then_answered() -> None:
    state = GcpState(buckets={PROJECT: [GUARDED]}, faults={PROJECT: Fault("throttled", times=2)})
    stores, gap, counter, _ = _collect(state)
    assert gap is None and [s.name for s in stores] == ["records"]
    assert counter.counts()[("storage", "ListBuckets")] == (1, 2)


def test_a_lasting_server_error_is_a_gap_not_an_empty_project() -> None:
    state = GcpState(buckets={PROJECT: [GUARDED]}, faults={PROJECT: Fault("unavailable")})
    stores, gap, counter, _ = _collect(state)
    assert stores == [] and gap is not None and gap.cause == "error"
    assert gap.error_code == "backendError"
    assert counter.counts()[("storage", "ListBuckets")][1] >= 1  # it was retried


def test_the_guard_refuses_a_write_before_it_is_sent() -> None:
    state = GcpState()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.storage_client(PROJECT)
        with pytest.raises(ReadOnlyViolation):
            client.create_bucket("new-bucket")
        with pytest.raises(ReadOnlyViolation):
            client.bucket("records").delete()
    assert state.requests == []


def test_an_unlocked_retention_policy_keeps_data_but_is_not_immutable() -> None:
    unlocked = bucket("ledger", retentionPolicy={"retentionPeriod": "2592000", "isLocked": False})
    stores, _, _, _ = _collect(GcpState(buckets={PROJECT: [unlocked]}))
    lock = next(p for p in stores[0].protections if p.role == "retention_lock")
    assert lock.enabled and lock.retention_days == 30 and lock.immutable is False
    assert lock.name == "Retention policy (unlocked)"
