"""Measure evaluation: N real-shaped stores × every rule of the built-in pack, end to end.

Usage: python bench/evaluate.py [--stores 100000] [--template inventory.json]

Builds an inventory of N stores cloned from real-shaped ones (bench/synthetic.py: by
default the sample estate, emulated and collected by the real collectors) and times what
``evaluate`` does — load and validate the inventory, evaluate, stream findings.json — and
prints peak RSS, and beside them the floor: parsing the inventory with orjson and writing
the findings' data with orjson, the least any evaluation must spend. Budget (DESIGN.md
§10, issue 13): 100,000 stores in ≤ 10 s and ≤ 1 GiB. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson


def write_inventory(path: Path, count: int, template: Path | None = None) -> None:
    """An inventory of ``count`` real-shaped stores at ``path``."""
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import load_templates
    from synthetic import write_inventory as write_synthetic

    write_synthetic(path, count, load_templates(template))


def floor_seconds(inventory: Path, findings: Path) -> tuple[float, float]:
    """Parsing the inventory, and writing the findings' data, with orjson."""
    start = time.perf_counter()
    orjson.loads(inventory.read_bytes())
    parsed = time.perf_counter() - start
    data = orjson.loads(findings.read_bytes())
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        sink.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    return parsed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--template", type=Path, help="a real-shaped inventory.json to clone")
    args = parser.parse_args()
    from scanner.demo import sample_policy
    from scanner.engine.rules import load_pack
    from scanner.engine.run import evaluate_files

    with tempfile.TemporaryDirectory() as tmp:
        inventory, findings = Path(tmp) / "inventory.json", Path(tmp) / "findings.json"
        write_inventory(inventory, args.stores, args.template)
        size_mib = inventory.stat().st_size / 2**20
        baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pack = load_pack()
        start = time.perf_counter()
        summary = evaluate_files(
            inventory, sample_policy(), pack, findings, lambda: datetime.now(timezone.utc)
        )
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        findings_mib = findings.stat().st_size / 2**20
        parse, write = floor_seconds(inventory, findings)
    results = args.stores * len(pack.rules)
    print(f"stores: {args.stores}  rules: {len(pack.rules)}  results: {results}")
    print(
        f"inventory: {size_mib:.0f} MiB ({size_mib * 2**20 / args.stores / 1024:.1f} KiB a store)"
        f"  findings: {findings_mib:.0f} MiB"
    )
    print(
        f"wall time (load + evaluate + write findings): {wall:.2f} s  "
        f"({wall / results * 1e6:.2f} µs per result)"
    )
    print(
        f"floor: parse the inventory {parse:.2f} s + write the findings' data {write:.2f} s "
        f"= {parse + write:.2f} s (orjson)"
    )
    print(
        f"peak RSS: {peak:.0f} MiB "
        f"(before evaluation, with the templates loaded: {baseline_rss:.0f} MiB)"
    )
    print(f"coverage: {summary.coverage['overall']}  statuses: {summary.coverage['by_status']}")


if __name__ == "__main__":
    main()
