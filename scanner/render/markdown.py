"""A Markdown summary for CI job pages and pull requests."""

from __future__ import annotations

from pathlib import Path

from scanner.fileio import write_atomic
from scanner.findings import FindingsHead, Ratio
from scanner.gate import Flagged, GateVerdict
from scanner.render.inert import for_markdown

MAX_ROWS = 20


def _pct(ratio: Ratio) -> str:
    return "n/a" if ratio.ratio is None else f"{ratio.ratio:.1%} ({ratio.covered}/{ratio.in_scope})"


def _rows(results: list[Flagged]) -> list[str]:
    lines = ["| severity | rule | store | message |", "|---|---|---|---|"]
    for r in results[:MAX_ROWS]:
        store, message = for_markdown(r.resource.id), for_markdown(r.message)
        lines.append(f"| {r.severity} | {r.rule} | {store} | {message} |")
    if len(results) > MAX_ROWS:
        lines.append(f"| | | … and {len(results) - MAX_ROWS} more | |")
    return lines


def summary_markdown(findings: FindingsHead, verdict: GateVerdict | None = None) -> str:
    """Coverage, the gate's decision and the new failures, as Markdown."""
    cov = findings.coverage
    lines = ["# backup-audit", ""]
    if verdict is not None:
        state = "passed" if verdict.passed else "FAILED"
        lines += [
            f"**Gate {state}.**"
            + ("" if verdict.passed else " " + for_markdown("; ".join(verdict.reasons)) + "."),
            "",
        ]
    if not findings.populations.complete:
        unlisted = findings.populations.unlisted
        lines += [
            f"**Population incomplete:** {len(unlisted)} listing(s) failed (e.g. "
            + for_markdown(
                f"{unlisted[0].account} {unlisted[0].region or ''} {unlisted[0].operation} "
                f"{unlisted[0].error_code}"
            )
            + "); coverage is of the stores that could be listed.",
            "",
        ]
    lines += ["| scope | coverage |", "|---|---|", f"| overall | {_pct(cov.overall)} |"]
    lines += [f"| {name} | {_pct(ratio)} |" for name, ratio in cov.by_framework.items()]
    lines += ["", "Results: " + ", ".join(f"{k} {v}" for k, v in cov.by_status.items()), ""]
    if verdict is not None and verdict.new_failures:
        lines += ["## New failures", "", *_rows(verdict.new_failures), ""]
    if verdict is not None and verdict.severe:
        lines += ["## Failing results at or above --fail-on", "", *_rows(verdict.severe), ""]
    if verdict is not None and verdict.lost_evidence:
        lines += ["## No longer assessable", "", *_rows(verdict.lost_evidence), ""]
    for title, stores in (
        ("New stores since the baseline", verdict.new_stores if verdict else []),
        ("Stores removed since the baseline", verdict.removed_stores if verdict else []),
    ):
        if stores:
            listed = [f"- {for_markdown(s)}" for s in stores[:MAX_ROWS]]
            more = [f"- … and {len(stores) - MAX_ROWS} more"] if len(stores) > MAX_ROWS else []
            lines += [f"## {title}", "", *listed, *more, ""]
    return "\n".join(lines) + "\n"


def write_summary(findings: FindingsHead, path: Path, verdict: GateVerdict | None = None) -> None:
    """Write the Markdown summary atomically."""
    write_atomic(path, summary_markdown(findings, verdict))
