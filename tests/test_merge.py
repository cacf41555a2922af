"""Joining snapshots: disjoint scopes join deterministically; overlaps and stores outside
their own scope are refused with both inputs named."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.engine.cases import base_store
from scanner.errors import InputError
from scanner.merge import merge_snapshots
from scanner.model import Snapshot

T1 = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)


def snapshot(account: str, regions: list[str], names: list[str], at: datetime) -> Snapshot:
    stores = []
    for name in names:
        store = base_store("aws.dynamodb.table", name)
        stores.append(
            store | {"id": store["id"].replace("111122223333", account), "account": account}
        )
    data: dict[str, Any] = {
        "tool_version": "0.1.0",
        "collected_at": at,
        "scope": {"clouds": ["aws"], "accounts": [account], "regions": regions},
        "stores": stores,
        "accounts": [{"cloud": "aws", "account": account, "regions": regions}],
        "api_calls": [
            {
                "cloud": "aws",
                "service": "dynamodb",
                "operation": "ListTables",
                "calls": 1,
                "retries": 1,
            }
        ],
    }
    return Snapshot.model_validate(data)


def test_disjoint_snapshots_join_in_a_stable_order() -> None:
    a = snapshot("111111111111", ["eu-west-1"], ["a1", "a2"], T1)
    b = snapshot("222222222222", ["us-east-1"], ["b1"], T2)
    merged = merge_snapshots([("a.json", a), ("b.json", b)])
    assert merged == merge_snapshots([("b.json", b), ("a.json", a)])
    assert [s.name for s in merged.stores] == ["a1", "a2", "b1"]
    assert merged.scope.accounts == ["111111111111", "222222222222"]
    assert merged.collected_at == T2  # the latest: no age looks younger than observed
    assert [p.collected_at for p in merged.parts] == [T1, T2]
    (calls,) = merged.api_calls or []
    assert (calls.calls, calls.retries) == (2, 2)


def test_one_account_read_in_disjoint_regions_is_one_set_of_account_facts() -> None:
    west = snapshot("111111111111", ["eu-west-1"], ["w"], T1)
    east = snapshot("111111111111", ["us-east-1"], ["e"], T1)
    merged = merge_snapshots([("west.json", west), ("east.json", east)])
    (facts,) = merged.accounts
    assert facts.regions == ["eu-west-1", "us-east-1"]


def test_overlapping_scopes_are_refused() -> None:
    a = snapshot("111111111111", ["eu-west-1", "us-east-1"], ["a1"], T1)
    b = snapshot("111111111111", ["us-east-1"], ["b1"], T2)
    with pytest.raises(
        InputError, match=r"a.json and b.json both cover aws 111111111111 \(us-east-1\)"
    ):
        merge_snapshots([("a.json", a), ("b.json", b)])


def test_a_store_outside_its_snapshots_scope_is_refused() -> None:
    a = snapshot("111111111111", ["eu-west-1"], ["a1"], T1)
    a.scope.accounts = ["999999999999"]
    with pytest.raises(
        InputError, match=r"a.json: .*table/a1 .* lies outside the snapshot.s scope"
    ):
        merge_snapshots([("a.json", a), ("b.json", snapshot("2" * 12, ["eu-west-1"], [], T1))])


def test_a_snapshot_without_call_counts_makes_the_total_unknown() -> None:
    a = snapshot("111111111111", ["eu-west-1"], [], T1)
    b = snapshot("222222222222", ["eu-west-1"], [], T1)
    b.api_calls = None
    assert merge_snapshots([("a", a), ("b", b)]).api_calls is None


def test_an_account_one_input_could_not_read_is_not_merged_over() -> None:
    read = snapshot("111111111111", ["eu-west-1"], ["a1"], T1)
    refused = snapshot("111111111111", [], [], T2)
    with pytest.raises(InputError, match="one of them could not read it"):
        merge_snapshots([("read.json", read), ("refused.json", refused)])
