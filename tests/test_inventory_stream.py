"""An inventory in the writer's layout is evaluated a store at a time (decision 55): the
same stores as the whole file's reader, the same findings, the same error for a bad
store — and a file in any other layout is read whole, as before."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from scanner.demo import sample_policy
from scanner.engine.chunks import map_stores
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import load_pack
from scanner.engine.run import estate_digests, evaluate_files
from scanner.engine.store_source import open_stores
from scanner.errors import InputFileError
from scanner.inventory import load_snapshot
from scanner.inventory_stream import scan_layout
from scanner.policy import load_policy
from scanner.render.report_sections import InventoryRow
from tests.conftest import cli
from tests.test_evaluate_chunks import cloned_estate

CLOCK = datetime(2026, 11, 26, tzinfo=timezone.utc)


def _evaluate(inventory: Path, out: Path, workers: int) -> tuple[bytes, bytes]:
    evaluate_files(
        inventory,
        sample_policy(),
        load_pack(),
        out / "findings.json",
        lambda: CLOCK,
        csv_path=out / "results.csv",
        workers=workers,
    )
    return (out / "findings.json").read_bytes(), (out / "results.csv").read_bytes()


def _without_input_hashes(findings: bytes) -> list[bytes]:
    """A findings file's lines but the inventory's header line (its SHA-256 is of other
    bytes) and the integrity digest that covers it."""
    return [
        line
        for line in findings.splitlines()
        if not line.startswith((b'  "inventory"', b'  "integrity"'))
    ]


def test_the_writers_layout_is_read_a_store_at_a_time_into_the_same_stores(
    demo: tuple[Path, Result],
) -> None:
    inventory = demo[0] / "inventory.json"
    layout = scan_layout(inventory)
    whole = load_snapshot(inventory)
    assert layout is not None and layout.count == len(whole.stores) > 10
    source = open_stores(inventory)
    assert source.read(0, source.count) == whole.stores
    outlines, _ = source.outlines(0, source.count)
    assert [o.id for o in outlines] == [s.id for s in whole.stores]
    assert source.head.model_copy(update={"stores": whole.stores}) == whole
    assert (
        source.sha256 == json.loads((demo[0] / "findings.json").read_text())["inventory"]["sha256"]
    )


@pytest.mark.parametrize("block", [1, 7, 13, 4096])
def test_the_stores_are_found_whatever_the_blocks_the_file_is_read_in(
    demo: tuple[Path, Result], block: int
) -> None:
    inventory = demo[0] / "inventory.json"
    whole, small = scan_layout(inventory), scan_layout(inventory, block)
    assert whole is not None and small is not None
    assert (small.starts, small.ends, small.head) == (whole.starts, whole.ends, whole.head)
    data = inventory.read_bytes()
    for start, end in zip(whole.starts, whole.ends, strict=True):
        assert data[start : start + 1] == b"{" and data[end - 1 : end] == b"}"
        json.loads(data[start:end])


def test_findings_are_the_same_whether_stores_are_streamed_or_loaded_whole(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    streamed = tmp_path / "inventory.json"
    cloned_estate(demo[0] / "inventory.json", 9, streamed)  # the writer's layout
    assert scan_layout(streamed) is not None
    minified = tmp_path / "minified.json"
    minified.write_text(json.dumps(json.loads(streamed.read_text())))
    assert scan_layout(minified) is None  # read whole
    for workers in (1, 2):
        one = _evaluate(streamed, tmp_path / f"s{workers}", workers)
        other = _evaluate(minified, tmp_path / f"m{workers}", workers)
        assert one[1] == other[1]
        assert _without_input_hashes(one[0]) == _without_input_hashes(other[0])
        assert len(_without_input_hashes(one[0])) > 100


def _canonical(data: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert scan_layout(path) is not None
    return path


@pytest.mark.parametrize(
    "damage",
    [
        "bad_kind_type",  # found by the first pass (the stores' outlines)
        "negative_frequency",
        "duplicate",
        "outside_scope",
        "created_later",
        "negative_count",  # found only when the store is judged
        "unknown_field",
    ],
)
def test_a_bad_store_in_the_writers_layout_gets_the_whole_readers_error(
    demo: tuple[Path, Result], tmp_path: Path, damage: str
) -> None:
    data = json.loads((demo[0] / "inventory.json").read_text())
    stores = data["stores"]
    victim = stores[len(stores) // 2]
    if damage == "bad_kind_type":
        victim["kind"] = 7
    elif damage == "negative_frequency":
        victim["protections"][0]["frequency_hours"] = -1
    elif damage == "duplicate":
        stores.insert(len(stores) // 2, json.loads(json.dumps(victim)))
    elif damage == "negative_count":
        victim["recovery_points"]["count"] = -1
    elif damage == "unknown_field":
        victim["copies_made"] = 3
    elif damage == "outside_scope":
        victim["account"] = "999999999999"
    else:
        victim["created_at"] = "2099-01-01T00:00:00Z"
    inventory = _canonical(data, tmp_path / "inventory.json")
    with pytest.raises(InputFileError) as whole:
        load_snapshot(inventory)
    out = tmp_path / "out" / "findings.json"
    ran = cli("evaluate", str(inventory), "--policy", str(sample_policy()), "-o", str(out))
    assert ran.exit_code == 2, ran.output
    assert ran.stderr.splitlines()[0] == f"backup-audit: error: {whole.value}"
    assert whole.value.line is not None and whole.value.line > 100
    assert not out.exists()


def test_a_layout_cut_inside_a_store_is_read_whole(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    """A hand-edited file whose nested objects sit where stores would: the pieces between
    the patterns are not stores, so the whole file is read — and judged as it means."""
    data = json.loads((demo[0] / "inventory.json").read_text())
    plain = _canonical(data, tmp_path / "plain.json")
    edited = plain.read_text().replace("\n        },\n        {", "\n    },\n    {")
    assert json.loads(edited) == data  # the same inventory, laid out otherwise
    inventory = tmp_path / "inventory.json"
    inventory.write_text(edited)
    layout = scan_layout(inventory)
    assert layout is not None and layout.count > len(data["stores"])  # cut mid-store
    findings, rows = _evaluate(inventory, tmp_path / "cut", 1)
    expected, expected_rows = _evaluate(plain, tmp_path / "plain", 1)
    assert rows == expected_rows
    assert _without_input_hashes(findings) == _without_input_hashes(expected)


def test_a_store_changed_between_the_two_passes_stops_the_evaluation(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_bytes((demo[0] / "inventory.json").read_bytes())
    source = open_stores(inventory)
    _, first = source.outlines(0, 3)
    assert first is not None and source.layout is not None
    source.seen[(0, 3)] = first
    data = bytearray(inventory.read_bytes())
    second = source.layout.starts[1]
    name = second + data[second:].index(b'"name": "') + len(b'"name": "')
    data[name] = ord("X") if data[name] != ord("X") else ord("Y")  # same length, other bytes
    inventory.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="changed while it was being evaluated"):
        source.read(0, 3)


def test_a_pipe_given_as_the_inventory_is_refused_before_it_is_read(tmp_path: Path) -> None:
    pipe = tmp_path / "inventory.json"
    os.mkfifo(pipe)  # opening it to read would wait for a writer
    out = tmp_path / "out" / "findings.json"
    ran = cli("evaluate", str(pipe), "--policy", str(sample_policy()), "-o", str(out))
    assert ran.exit_code == 2, ran.output
    assert "is not a regular file" in ran.stderr.splitlines()[0]


def test_the_reports_inventory_rows_are_the_same_streamed_or_loaded_whole(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    streamed = tmp_path / "inventory.json"
    cloned_estate(demo[0] / "inventory.json", 3, streamed)
    minified = tmp_path / "minified.json"
    minified.write_text(json.dumps(json.loads(streamed.read_text())))
    whole = [InventoryRow.of(store) for store in load_snapshot(streamed).stores]
    assert len(whole) > 60
    for workers in (1, 2):
        assert map_stores(streamed, InventoryRow.of, workers) == whole
    assert map_stores(minified, InventoryRow.of) == whole


@pytest.mark.parametrize("damage", ["negative_count", "duplicate"])
def test_a_bad_store_in_the_reports_inventory_gets_the_whole_readers_error(
    demo: tuple[Path, Result], tmp_path: Path, damage: str
) -> None:
    data = json.loads((demo[0] / "inventory.json").read_text())
    victim = data["stores"][-1]
    if damage == "duplicate":
        data["stores"].append(json.loads(json.dumps(victim)))
    else:
        victim["recovery_points"]["count"] = -1
    inventory = _canonical(data, tmp_path / "inventory.json")
    with pytest.raises(InputFileError) as whole:
        load_snapshot(inventory)
    with pytest.raises(InputFileError) as streamed:
        map_stores(inventory, InventoryRow.of, workers=2)
    assert str(streamed.value) == str(whole.value)


def test_a_second_stores_key_however_spelled_has_the_file_read_whole(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    text = (demo[0] / "inventory.json").read_text()
    inventory = tmp_path / "inventory.json"
    inventory.write_text(
        text.replace('\n  "tool_version"', '\n  "stor\\u0065s": [],\n  "tool_version"')
    )
    assert scan_layout(inventory) is None
    source = open_stores(inventory)
    assert source.count == len(load_snapshot(inventory).stores)


def test_a_file_replaced_after_the_scan_is_refused_not_evaluated_as_the_scan_saw_it(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_bytes((demo[0] / "inventory.json").read_bytes())
    source = open_stores(inventory)
    pack = load_pack()
    policy = load_policy(sample_policy(), [rule.id for rule in pack.rules])
    evaluator = Evaluator(pack, policy, source.head.collected_at)
    other = json.loads(inventory.read_text())
    other["stores"] = other["stores"][1:]
    inventory.write_text(json.dumps(other))  # valid, but other bytes at other offsets
    with pytest.raises(InputFileError, match="changed while it was being evaluated"):
        estate_digests(evaluator, source, workers=1)


def test_after_the_first_pass_only_its_spans_are_read_again(
    demo: tuple[Path, Result],
) -> None:
    source = open_stores(demo[0] / "inventory.json")
    pack = load_pack()
    policy = load_policy(sample_policy(), [rule.id for rule in pack.rules])
    source, _ = estate_digests(Evaluator(pack, policy, source.head.collected_at), source, 1, 4)
    assert len(source.read(0, 4)) == 4
    with pytest.raises(InputFileError, match="changed while it was being evaluated"):
        source.read(0, 3)  # a span the first pass did not read: nothing to compare with
