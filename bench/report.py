"""Measure the reports for a large estate: HTML and PDF from N-store findings.

Usage: python bench/report.py [--stores 10000]

A child process builds the real-shaped synthetic inventory (bench/synthetic.py) and
evaluates it; then one process a run writes the HTML, the PDF, and both (``report``'s
default), each from loading findings and inventory to the files in place (end to end,
as ``report`` runs), so each peak RSS printed is that run's own. Prints each run's time,
its loading and its peak RSS, the HTML's size and the PDF's pages. Budgets (DESIGN.md
§10, issue 13): HTML end to end ≤ 5 s, PDF ≤ 60 s and ≤ 1 GiB at 10,000 stores. Not a
test: figures only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path


def make_findings(directory: Path, stores: int) -> None:
    """Child process: synthetic inventory → findings.json in ``directory``."""
    sys.path.insert(0, str(Path(__file__).parent))
    from evaluate import write_inventory

    from scanner.demo import sample_policy
    from scanner.engine.rules import load_pack
    from scanner.engine.run import evaluate_files

    write_inventory(directory / "inventory.json", stores)
    evaluate_files(
        directory / "inventory.json",
        sample_policy(),
        load_pack(),
        directory / "findings.json",
        lambda: datetime.now(timezone.utc),
    )


def render(directory: Path, formats: tuple[str, ...]) -> None:
    """Child process: load findings and inventory, write ``formats``, print the figures
    as one JSON line (a process a run, so each peak RSS is that run's own)."""
    from scanner.engine.rules import load_pack
    from scanner.render.report import ReportInputs, write_reports

    pack = load_pack()
    start = time.perf_counter()
    inputs = ReportInputs.from_files(
        directory / "findings.json", pack, directory / "inventory.json"
    )
    loaded = time.perf_counter() - start
    # the inventory's readers (forked); taken before rendering, whose library lookup runs
    # ldconfig in a child that reports the whole process's pages as its own
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    write_reports(inputs, directory, formats)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = len(inputs.findings.results)
    figures = {"load": loaded, "wall": wall, "peak": peak, "workers": workers}
    print(json.dumps(figures | {"results": results}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--make-findings", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--formats", default="html,pdf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_findings:
        make_findings(args.make_findings, args.stores)
        return
    if args.render:
        render(args.render, tuple(args.formats.split(",")))
        return
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        _child("--stores", str(args.stores), "--make-findings", str(directory))
        runs = {
            formats: json.loads(_child("--render", str(directory), "--formats", formats))
            for formats in ("html", "pdf", "html,pdf")
        }
        html_mib = (directory / "report.html").stat().st_size / 2**20
        pages = len(PdfReader(directory / "report.pdf").pages)
    print(f"stores: {args.stores}  results: {runs['html']['results']}")
    for formats, run in runs.items():
        print(
            f"{formats}: end to end {run['wall']:.2f} s (loading findings + inventory "
            f"{run['load']:.2f} s), peak RSS {run['peak']:.0f} MiB (the inventory's "
            f"readers: {run['workers']:.0f} MiB each)"
        )
    print(f"HTML {html_mib:.1f} MiB (every row); PDF {pages} pages (bounded)")


def _child(*arguments: str) -> str:
    """Run this script with ``arguments`` in a new process; its output."""
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


if __name__ == "__main__":
    main()
