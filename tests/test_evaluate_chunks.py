"""Evaluating in worker processes writes the same bytes as one process (decision 50).

The estate is the demo's — three clouds, gaps, exceptions, defaults, restores, jobs —
cloned so that it spans several chunks, with each clone's tags cycled so that clones
fall in different tiers and classifications."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from scanner.demo import sample_policy
from scanner.engine.chunks import (
    CHUNK_STORES,
    PARALLEL_FROM,
    default_workers,
    evaluate_chunk,
    map_chunks,
)
from scanner.engine.coverage import CoverageCounter
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import load_pack
from scanner.engine.run import estate_digests, evaluate_files
from scanner.engine.store_source import open_stores
from scanner.inventory import load_snapshot
from scanner.policy import load_policy
from tests.conftest import cli

CLASSES = ["phi", "pii", "financial", "public", None]


def cloned_estate(inventory: Path, copies: int, out: Path) -> int:
    """``inventory`` with each store ``copies`` times, all but the first under new ids;
    the number of stores."""
    data: dict[str, Any] = json.loads(inventory.read_text())
    stores = []
    for i in range(copies):
        for store in data["stores"]:
            clone = json.loads(json.dumps(store))
            if i:  # the first copy keeps its id, so that the policy's exceptions apply
                clone["id"], clone["name"] = f"{store['id']}-{i:03d}", f"{store['name']}-{i:03d}"
            if isinstance(clone.get("tags"), dict) and CLASSES[i % len(CLASSES)] is not None:
                clone["tags"]["data-classification"] = CLASSES[i % len(CLASSES)]
            elif isinstance(clone.get("tags"), dict):
                clone["tags"].pop("data-classification", None)  # the policy's default
            stores.append(clone)
    data["stores"] = sorted(stores, key=lambda s: s["id"])
    out.write_text(json.dumps(data, indent=2, sort_keys=True))
    return len(stores)


def test_workers_write_the_same_findings_and_csv_as_one_process(
    demo: tuple[Path, Result], tmp_path: Path
) -> None:
    folder, _ = demo
    inventory = tmp_path / "inventory.json"
    stores = cloned_estate(folder / "inventory.json", 21, inventory)
    assert stores > 2 * CHUNK_STORES  # several chunks, so both workers take some
    pack, clock = load_pack(), lambda: datetime(2026, 11, 26, tzinfo=timezone.utc)
    written = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        evaluate_files(
            inventory,
            sample_policy(),
            pack,
            out / "findings.json",
            clock,
            csv_path=out / "results.csv",
            workers=workers,
        )
        written[workers] = (
            (out / "findings.json").read_bytes(),
            (out / "results.csv").read_bytes(),
        )
    assert written[1][0] == written[2][0]
    assert written[1][1] == written[2][1]
    through_cli = tmp_path / "cli"
    ran = cli(
        "evaluate",
        str(inventory),
        "--policy",
        str(sample_policy()),
        "-o",
        str(through_cli / "findings.json"),
        "--csv",
        str(through_cli / "results.csv"),
        "--workers",
        "2",
    )
    assert ran.exit_code == 0, ran.output
    assert (through_cli / "results.csv").read_bytes() == written[1][1]
    assert _timeless((through_cli / "findings.json").read_bytes()) == _timeless(written[1][0])
    findings = json.loads(written[1][0])
    store_rules = sum(1 for rule in pack.rules if rule.spec.check is None)
    groups = [g for g in findings["stores"] if g["resource"]["kind"] != "estate"]
    assert len(groups) == stores
    assert all(len(g["results"]) == store_rules for g in groups)
    statuses = findings["coverage"]["by_status"]
    assert statuses["excepted"] > 0 and statuses["fail"] > 0 and statuses["pass"] > 0
    assert sum(e["applied"] for e in findings["exceptions"]) == statuses["excepted"]
    assert findings["defaults"]["classification"]  # clones given the default


def _timeless(findings: bytes) -> list[bytes]:
    """A findings file's lines but the wall clock of its evaluation and the SHA-256
    that covers it."""
    return [
        line
        for line in findings.splitlines()
        if not line.startswith((b'  "evaluated_at"', b'  "integrity"'))
    ]


def test_a_large_estate_is_evaluated_by_one_worker_a_core() -> None:
    assert default_workers(PARALLEL_FROM - 1) == 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    assert default_workers(PARALLEL_FROM) == cores


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_chunks_are_evaluated_by_worker_processes_that_end_with_the_run(
    demo: tuple[Path, Result],
) -> None:
    source = open_stores(demo[0] / "inventory.json")
    assert source.layout is not None  # read a store at a time
    policy = load_policy(sample_policy(), [rule.id for rule in load_pack().rules])
    evaluator = Evaluator(load_pack(), policy, source.head.collected_at)
    source, digests = estate_digests(evaluator, source, workers=2, chunk=4)
    evaluator.prepare(source.head, digests)
    task = partial(evaluate_chunk, evaluator, source, csv_period=None)
    run = map_chunks(task, source.count, workers=2, chunk=4)
    first = next(run)
    assert first.stores == 4 and multiprocessing.active_children()  # a pool works on
    run.close()  # the run stops early (a writer failed, say): its workers end with it
    assert not multiprocessing.active_children()
    alone = list(map_chunks(task, source.count, workers=1, chunk=4))
    assert alone[0].results == first.results


def test_coverage_counters_of_parts_add_up_to_the_whole() -> None:
    whole, first, second = CoverageCounter(), CoverageCounter(), CoverageCounter()
    for counter, key, covered in ((first, "a", True), (second, "a", False), (second, "b", True)):
        for target in (counter, whole):
            target._count("by_cloud", key, covered)
            target.statuses[str(covered)] += 1
    first.merge(second)
    assert first.result() == whole.result()


def _holds_evidence(value: object) -> bool:
    if isinstance(value, dict):
        return "evidence" in value or any(_holds_evidence(v) for v in value.values())
    return isinstance(value, list) and any(_holds_evidence(v) for v in value)


def test_rules_read_a_stores_facts_without_their_evidence(demo: tuple[Path, Result]) -> None:
    from scanner.engine.variables import account_variables, store_variables

    snapshot = load_snapshot(demo[0] / "inventory.json")
    dumped = [store.model_dump(mode="json") for store in snapshot.stores]
    nested = ("protections", "copies", "restores", "backup_jobs", "recovery_points", "encryption")
    for name in nested:  # evidence below the store's own, at every level left out
        assert any(_holds_evidence(d.get(name)) for d in dumped), name
    for store, full in zip(snapshot.stores, dumped, strict=True):
        judged, _ = store_variables(store)
        assert not _holds_evidence(judged)
        assert judged["name"] == full["name"]
        assert len(judged.get("protections", [])) >= len(full["protections"])
    for account in snapshot.accounts:
        assert not _holds_evidence(account_variables(account))
    assert any(_holds_evidence(a.model_dump(mode="json")) for a in snapshot.accounts)
