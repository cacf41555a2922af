"""findings.json v3: results grouped by store, each evidence item written once and named
by index; v2 files (one result a line) still read to the same results."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputFileError
from scanner.findings import SCHEMA_V2, StoreResults
from scanner.findings_layout import (
    compact_json,
    document_pieces,
    encode_store,
    integrity_tail,
    store_group,
)
from scanner.findings_read import load_findings
from tests.engine_helpers import GOOD_TABLE, evaluate, store
from tests.test_gate import _resealed


def _findings(tmp: Path) -> tuple[Path, dict[str, Any]]:
    evaluate(tmp, [store("alpha", **GOOD_TABLE), store("beta")], name="n.json")
    path = tmp / "n.json"
    return path, json.loads(path.read_bytes())


def test_store_group_writes_each_item_once_and_expands_to_the_results() -> None:
    shared = {"operation": "dynamodb:DescribeTable", "fields": {"TableStatus": "ACTIVE"}}
    equal = json.loads(json.dumps(shared))  # the same content, another object
    other = {"operation": "backup:ListRecoveryPointsByResource", "fields": {"items": 0}}
    resource = {"id": "t", "cloud": "aws", "account": "1", "region": "r", "kind": "k", "name": "t"}
    common = {"title": "T", "severity": "high", "frameworks": {"policy": ["P"]}, "message": "m"}
    results = [
        {"resource": resource, "rule": "A", "status": "pass", "evidence": [shared, other]} | common,
        {"resource": resource, "rule": "B", "status": "fail", "evidence": [other, equal]} | common,
        {"resource": resource, "rule": "C", "status": "not_applicable"} | common,
        {"resource": resource, "rule": "D", "status": "fail", "evidence": []} | common,
    ]
    group = store_group(results)
    assert group["evidence"] == [shared, other]
    assert [r.get("evidence") for r in group["results"]] == [[0, 1], [1, 0], None, []]
    assert all("resource" not in r for r in group["results"])
    expanded = StoreResults.model_validate(group).expanded()
    assert [r.as_json() for r in expanded] == results
    assert encode_store(results) == compact_json(group)  # what the reader re-encodes


def test_the_written_group_is_the_encoded_group_whatever_its_text() -> None:
    hostile = {"operation": "x", "fields": {"ü\u2028": '\x00"}', "ä": [1.5, None]}}
    resource = {"id": "é", "cloud": "aws", "account": "1", "region": "r", "kind": "k", "name": "é"}
    results = [
        {"resource": resource, "rule": "A", "status": "fail", "evidence": [hostile, {}]},
        {"resource": resource, "rule": "B", "status": "fail", "evidence": []},
    ]
    assert encode_store(results) == compact_json(store_group(results))


def test_every_store_is_one_group_and_no_group_repeats_an_item(tmp_path: Path) -> None:
    path, data = _findings(tmp_path)
    stores = [g for g in data["stores"] if g["resource"]["kind"] != "estate"]
    assert [g["resource"]["name"] for g in stores] == ["alpha", "beta"]
    for group in data["stores"]:
        encoded = [json.dumps(item, sort_keys=True) for item in group["evidence"]]
        assert len(set(encoded)) == len(encoded)
        named = {i for r in group["results"] for i in r.get("evidence") or ()}
        assert named == set(range(len(group["evidence"])))  # none unused
    # a line a field, a line a store group, and the brackets of the file and the list
    assert len(path.read_bytes().splitlines()) == len(data) + len(data["stores"]) + 3
    loaded = load_findings(path)
    alpha = [r for r in loaded.results if r.resource.name == "alpha" and r.evidence]
    assert alpha and all(r.resource is alpha[0].resource for r in alpha)


def _as_v2(data: dict[str, Any]) -> bytes:
    """The same findings in v2's layout, sealed as v2's writer sealed them: one result a
    line with its resource and its evidence items."""
    results = []
    for group in data["stores"]:
        for result in group["results"]:
            named = result.get("evidence")
            items = None if named is None else {"evidence": [group["evidence"][i] for i in named]}
            results.append({**result, "resource": group["resource"], **(items or {})})
    keys = list(data)
    split = keys.index("stores")
    header = {k: data[k] for k in keys[:split]} | {"schema": SCHEMA_V2}
    trailer = {k: data[k] for k in keys[split + 1 : -1]}
    encoded = [[compact_json(r) for r in results]]
    stores = b"".join(document_pieces(header, encoded, lambda: trailer))
    body = stores.replace(b'\n  "stores": [', b'\n  "results": [', 1)
    return body + integrity_tail(hashlib.sha256(body).hexdigest())


def test_v2_findings_read_to_the_same_results(tmp_path: Path) -> None:
    path, data = _findings(tmp_path)
    v3 = load_findings(path)
    old = tmp_path / "v2.json"
    old.write_bytes(_as_v2(data))
    assert load_findings(old).results == v3.results
    assert load_findings(old).stores == v3.stores
    pretty = json.dumps(json.loads(old.read_bytes()), indent=2)
    _resealed(old, pretty)  # another layout, to the same results
    assert load_findings(old).results == v3.results
    _resealed(old, pretty.replace('"status": "fail"', '"status": "pass"', 1))
    assert load_findings(old).results != v3.results  # the v2 text is what is read


def test_an_evidence_index_the_store_does_not_hold_is_refused_with_its_line(
    tmp_path: Path,
) -> None:
    path, _ = _findings(tmp_path)
    text = path.read_text()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"evidence":[0' in t)
    _resealed(path, text.replace('"evidence":[0', '"evidence":[99', 1))
    with pytest.raises(InputFileError, match="names evidence item 99") as refused:
        load_findings(path)
    assert refused.value.line == line


def test_a_store_group_without_results_is_refused(tmp_path: Path) -> None:
    path, data = _findings(tmp_path)
    first = compact_json(data["stores"][0]).decode()
    emptied = compact_json(data["stores"][0] | {"results": []}).decode()
    _resealed(path, path.read_text().replace(first, emptied, 1))
    with pytest.raises(InputFileError, match="at least 1 item"):
        load_findings(path)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (('"resource":{', '"resourc":{'), r"results\[\d+\]\.resource: Field required"),
        (('"evidence":[', '"evidence":5,"x":['), r"results\[\d+\]\.evidence: Input should be"),
        (('"status":"fail"', '"status":"failing"'), r"results\[\d+\]\.status"),
    ],
)
def test_a_v2_files_problem_is_named_at_its_own_line(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    _, data = _findings(tmp_path)
    old = tmp_path / "v2.json"
    text = _as_v2(data).decode()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if edit[0] in t)
    _resealed(old, text.replace(*edit, 1))
    with pytest.raises(InputFileError, match=problem) as refused:
        load_findings(old)
    assert refused.value.line == line and "Traceback" not in str(refused.value)


def test_a_copy_with_other_stores_has_their_results(tmp_path: Path) -> None:
    path, _ = _findings(tmp_path)
    findings = load_findings(path)
    assert len(findings.results) > len(findings.stores[0].results)  # built, and cached
    first = findings.model_copy(update={"stores": findings.stores[:1]})
    assert first.results == findings.stores[0].expanded()
