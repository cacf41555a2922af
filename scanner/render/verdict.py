"""The gate's verdict for people (a few lines) and for machines (JSON on stdout)."""

from __future__ import annotations

import json

from scanner.gate import Flagged, GateVerdict
from scanner.render.inert import for_terminal

#: How many results the text lists before "… and N more" (``--verbose``: all).
SHOWN = 10


def verdict_lines(verdict: GateVerdict, verbose: bool = False) -> list[str]:
    """Coverage, what was checked, each reason, and the results behind them."""
    overall, baseline = verdict.coverage["overall"], verdict.coverage["baseline"]
    lines = [
        f"coverage: {'n/a' if overall is None else f'{overall:.1%}'}"
        + ("" if baseline is None else f" (baseline {baseline:.1%})")
    ]
    lines += [f"checked: {line}" for line in verdict.checked]
    lines += [f"FAIL: {reason}" for reason in verdict.reasons]
    for what, stores in (("new", verdict.new_stores), ("removed", verdict.removed_stores)):
        if stores:
            shown = ", ".join(stores[:5]) + (
                f" … and {len(stores) - 5} more" if len(stores) > 5 else ""
            )
            lines.append(f"{what} since the baseline: {len(stores)} store(s): {shown}")
    behind = _behind(verdict)
    limit = len(behind) if verbose else SHOWN
    for result in behind[:limit]:
        lines.append(
            f"  {result.status:<12} {result.severity:<8} {result.rule:<20} "
            f"{result.resource.id}  {result.message}"
        )
    if len(behind) > limit:
        lines.append(f"  … and {len(behind) - limit} more (--verbose, --junit or --summary)")
    lines.append("gate passed" if verdict.passed else "gate FAILED")
    return [for_terminal(line) for line in lines]


def _behind(verdict: GateVerdict) -> list[Flagged]:
    """The results behind the reasons, each once: new failures, lost evidence, severe."""
    seen: set[tuple[str, str]] = set()
    results = []
    for result in verdict.new_failures + verdict.lost_evidence + verdict.severe:
        key = (result.resource.id, result.rule)
        if key not in seen:
            seen.add(key)
            results.append(result)
    return results


def verdict_json(verdict: GateVerdict) -> str:
    """The verdict as one JSON document (sorted keys): passed, reasons, coverage, what
    was checked and every result behind the reasons."""

    def brief(results: list[Flagged]) -> list[dict[str, str]]:
        return [
            {
                "resource": r.resource.id,
                "rule": r.rule,
                "status": r.status,
                "severity": r.severity,
                "message": r.message,
            }
            for r in results
        ]

    document = {
        "passed": verdict.passed,
        "reasons": verdict.reasons,
        "checked": verdict.checked,
        "coverage": verdict.coverage,
        "new_failures": brief(verdict.new_failures),
        "lost_evidence": brief(verdict.lost_evidence),
        "severe": brief(verdict.severe),
        "new_stores": verdict.new_stores,
        "removed_stores": verdict.removed_stores,
    }
    return json.dumps(document, indent=2, sort_keys=True)
