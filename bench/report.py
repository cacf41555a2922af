"""Measure the reports for a large estate: HTML and PDF from N-store findings.

Usage: python bench/report.py [--stores 10000]

A child process builds the real-shaped synthetic inventory (bench/synthetic.py) and
evaluates it, so the peak memory printed is the reporting's own. Prints the loading of
findings and inventory, HTML and PDF times each with the loading counted (end to end, as
``report`` runs), HTML size, page count and peak RSS. Budgets (DESIGN.md §10, issue 13):
HTML end to end ≤ 5 s, PDF ≤ 60 s and ≤ 1 GiB at 10,000 stores. Not a test: figures only.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--make-findings", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_findings:
        make_findings(args.make_findings, args.stores)
        return
    from pypdf import PdfReader

    from scanner.engine.rules import load_pack
    from scanner.render.report import ReportInputs, write_reports

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--stores",
                str(args.stores),
                "--make-findings",
                str(directory),
            ],
            check=True,
        )
        start = time.perf_counter()
        inputs = ReportInputs.from_files(
            directory / "findings.json", load_pack(), directory / "inventory.json"
        )
        loaded = time.perf_counter() - start
        timings = {}
        for fmt in ("html", "pdf"):
            start = time.perf_counter()
            write_reports(inputs, directory, (fmt,))
            timings[fmt] = time.perf_counter() - start
        html_mib = (directory / "report.html").stat().st_size / 2**20
        pages = len(PdfReader(directory / "report.pdf").pages)
        results = len(inputs.findings.results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stores: {args.stores}  results: {results}")
    print(f"load findings + inventory: {loaded:.2f} s")
    print(
        f"HTML: {timings['html']:.2f} s, end to end (with loading) "
        f"{loaded + timings['html']:.2f} s, {html_mib:.1f} MiB (every row)"
    )
    print(
        f"PDF: {timings['pdf']:.2f} s, end to end {loaded + timings['pdf']:.2f} s, "
        f"{pages} pages (bounded)"
    )
    print(f"peak RSS of the reporting process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
