"""Measure evaluation: N real-shaped stores × every rule of the built-in pack, end to end.

Usage: python bench/evaluate.py [--stores 100000] [--template inventory.json] [--workers N]

Builds an inventory of N stores cloned from real-shaped ones (bench/synthetic.py: by
default the sample estate, emulated and collected by the real collectors) and times what
``evaluate`` does — load and validate the inventory, evaluate, stream findings.json — and
prints peak RSS (of the evaluating process — a fresh one — and of its largest worker;
each worker reads its own chunks of the inventory), and beside them the floor: parsing
the inventory with orjson and writing the findings' data with orjson, the least any
evaluation must spend. Budget (DESIGN.md
§10, issue 13): 100,000 stores in ≤ 10 s and ≤ 1 GiB. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson

from scanner.heap import bulk_objects


def write_inventory(path: Path, count: int, template: Path | None = None) -> None:
    """An inventory of ``count`` real-shaped stores at ``path``."""
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import load_templates
    from synthetic import write_inventory as write_synthetic

    write_synthetic(path, count, load_templates(template))


def floor_seconds(inventory: Path, findings: Path) -> tuple[float, float]:
    """Parsing the inventory, and writing the findings' data, with orjson. The findings
    are read a result (a line) at a time — at 100,000 stores they are gigabytes — and
    only serialising and writing each is timed. The cyclic garbage collector is paused
    while the inventory is parsed, as evaluation pauses it (``scanner.heap``): otherwise
    it walks the millions of objects being built again and again, and the floor would
    be mostly the collector's."""
    data = inventory.read_bytes()
    with bulk_objects():
        start = time.perf_counter()
        orjson.loads(data)
        parsed = time.perf_counter() - start
    written = 0.0
    with findings.open("rb") as lines, open(os.devnull, "wb") as sink:
        for line in lines:
            text = line.strip().rstrip(b",")
            if not text.startswith(b"{") or text == b"{":
                continue  # the envelope's lines
            item = orjson.loads(text)
            start = time.perf_counter()
            sink.write(orjson.dumps(item, option=orjson.OPT_SORT_KEYS) + b",\n")
            written += time.perf_counter() - start
    return parsed, written


class PhaseClock:
    """Progress that notes when stores start and finish being evaluated, splitting the
    wall time into loading (inventory, policy, header), evaluating, and the rest
    (estate checks, trailer, renaming into place)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.last = self.started

    def found(self, count: int) -> None:
        self.first = time.perf_counter()

    def done(self, label: str) -> None:
        self.last = time.perf_counter()

    def split(self, end: float) -> str:
        first = self.first or self.started
        return (
            f"load {first - self.started:.2f} s, stores {self.last - first:.2f} s, "
            f"estate and close {end - self.last:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--template", type=Path, help="a real-shaped inventory.json to clone")
    parser.add_argument("--workers", type=int, help="evaluating processes (default: evaluate's)")
    parser.add_argument("--run", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        evaluate_in_this_process(*args.run, args.stores, args.workers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        inventory, findings = Path(tmp) / "inventory.json", Path(tmp) / "findings.json"
        write_inventory(inventory, args.stores, args.template)
        workers = ["--workers", str(args.workers)] if args.workers else []
        run = ["--run", str(inventory), str(findings), "--stores", str(args.stores), *workers]
        command = [sys.executable, __file__, *run]
        subprocess.run(command, check=True)  # a fresh process: its memory is the run's
        parse, write = floor_seconds(inventory, findings)
    print(
        f"floor: parse the inventory {parse:.2f} s + write the findings' data {write:.2f} s "
        f"= {parse + write:.2f} s (orjson)"
    )


def evaluate_in_this_process(
    inventory: Path, findings: Path, stores: int, workers: int | None
) -> None:
    """Evaluate ``inventory`` into ``findings`` and print the figures: wall time and its
    phases, this process's peak RSS and its largest worker's."""
    from scanner.demo import sample_policy
    from scanner.engine.chunks import default_workers
    from scanner.engine.rules import load_pack
    from scanner.engine.run import evaluate_files

    pack = load_pack()
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clock = PhaseClock()
    summary = evaluate_files(
        inventory,
        sample_policy(),
        pack,
        findings,
        lambda: datetime.now(timezone.utc),
        progress=clock,
        workers=workers,
    )
    end = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results = sum(summary.coverage["by_status"].values())
    mib = (inventory.stat().st_size / 2**20, findings.stat().st_size / 2**20)
    _print_run(stores, len(pack.rules), results, end - clock.started, mib)
    print(f"of which: {clock.split(end)}")
    count = workers or default_workers(stores)
    print(
        f"peak RSS: {peak:.0f} MiB (before evaluation, with the rules loaded: "
        f"{baseline_rss:.0f} MiB); workers: {count}; largest worker's peak RSS "
        f"{worker_peak:.0f} MiB"
        + ("" if count == 1 else f"; all together at most {peak + count * worker_peak:.0f} MiB")
    )
    print(f"coverage: {summary.coverage['overall']}  statuses: {summary.coverage['by_status']}")


def _print_run(
    stores: int, rules: int, results: int, wall: float, mib: tuple[float, float]
) -> None:
    """The evaluation's own figures (printed before the floor is measured)."""
    size_mib, findings_mib = mib
    print(f"stores: {stores}  rules: {rules}  results: {results}")
    print(
        f"inventory: {size_mib:.0f} MiB ({size_mib * 2**20 / stores / 1024:.1f} KiB a store)"
        f"  findings: {findings_mib:.0f} MiB"
    )
    print(
        f"wall time (load + evaluate + write findings): {wall:.2f} s  "
        f"({wall / results * 1e6:.2f} µs per result)",
        flush=True,
    )


if __name__ == "__main__":
    main()
