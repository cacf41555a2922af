"""Measure the CI gate on a large estate's findings, as CI runs it.

Usage: python bench/gate.py [--stores 100000]

A child process builds the real-shaped synthetic inventory (bench/synthetic.py) and
evaluates it; ``backup-audit gate --write-baseline`` records a baseline from those
findings. Then ``backup-audit gate`` is timed in its own process, as CI runs it: with the
baseline, ``--min-coverage`` and ``--fail-on`` (the SHA-256 checked, every result
validated, coverage recomputed, every store × rule compared; the findings read a store at
a time), and again writing JUnit XML and a Markdown summary. Prints wall time and the
gate process's peak RSS. Budget (DESIGN.md §10, issue 13): ≤ 5 s on 100,000-store
findings. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).parent


def timed_gate(*args: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one ``backup-audit gate`` process."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "scanner", "-q", "gate", *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)  # that process's own resource usage
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        findings, baseline = directory / "findings.json", directory / "baseline.json"
        made = [sys.executable, str(BENCH / "report.py"), "--stores", str(args.stores)]
        subprocess.run([*made, "--make-findings", str(directory)], check=True)
        record = ["gate", str(findings), "--baseline", str(baseline), "--write-baseline"]
        subprocess.run([sys.executable, "-m", "scanner", "-q", *record], check=True)
        size = findings.stat().st_size / 2**20
        checks = ["--baseline", str(baseline), "--min-coverage", "0", "--fail-on", "critical"]
        plain = timed_gate(str(findings), *checks)
        outputs = ["--junit", str(directory / "junit.xml"), "--summary", str(directory / "s.md")]
        written = timed_gate(str(findings), *checks, *outputs)
    print(f"stores: {args.stores}  findings: {size:.0f} MiB")
    for name, (wall, peak, code) in (("gate", plain), ("gate + JUnit + summary", written)):
        print(f"{name}: {wall:.2f} s end to end, peak RSS {peak:.0f} MiB (exit {code})")


if __name__ == "__main__":
    main()
