"""The CI gate: compare findings with a baseline and thresholds, decide pass or fail.

The gate fails when overall (or a framework's) coverage drops below the baseline or
below ``--min-coverage``, when a store × rule that was not failing now fails, when a
result that passed is now not_assessed (evidence was lost), or when a failure at or above
``--fail-on`` severity exists. A baseline records coverage and every applicable status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.engine.coverage import recompute
from scanner.fileio import (
    MAX_JSON_BYTES,
    parse_json,
    read_input_text,
    validation_error,
    write_atomic,
)
from scanner.findings import Findings, Result
from scanner.vocabulary import COVERED_STATUSES, SEVERITY_ORDER, Status

BASELINE_SCHEMA: Final = "backup-audit/baseline/v1"
GOOD = COVERED_STATUSES


class Baseline(BaseModel):
    """What the gate compares against: coverage (recomputed from the results), each
    store × rule status, where each store lives, and whether the population was complete."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_id: Literal["backup-audit/baseline/v1"] = Field(BASELINE_SCHEMA, alias="schema")
    evaluated_at: str
    coverage: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None]
    statuses: dict[str, dict[str, Status]]
    complete: bool | None = None
    locations: dict[str, list[str]] = Field(default_factory=dict)


def baseline_of(findings: Findings) -> Baseline:
    """The baseline recording these findings (its coverage recomputed from the results)."""
    statuses: dict[str, dict[str, str]] = {}
    locations: dict[str, list[str]] = {}
    for group, result in findings.verdicts():
        if result.status != "not_applicable":
            statuses.setdefault(group.resource.id, {})[result.rule] = result.status
    for group in findings.stores:
        if group.resource.kind != "estate":
            ref = group.resource
            locations[ref.id] = [ref.cloud, ref.account, ref.region]
    figures = _figures(findings)
    coverage = {"overall": figures["overall"]["ratio"]}
    coverage |= {f"framework:{k}": v["ratio"] for k, v in figures["by_framework"].items()}
    return Baseline.model_validate(
        {
            "evaluated_at": findings.evaluated_at,
            "coverage": coverage,
            "statuses": statuses,
            "complete": findings.populations.complete,
            "locations": locations,
        }
    )


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write a baseline atomically."""
    write_atomic(
        path, json.dumps(baseline.model_dump(by_alias=True), indent=1, sort_keys=True) + "\n"
    )


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file (or build one from a findings file)."""
    from scanner.findings import READABLE_SCHEMAS, load_findings

    text = read_input_text(path, "a baseline", MAX_JSON_BYTES)
    data = parse_json(path, text)
    if isinstance(data, dict) and data.get("schema") in READABLE_SCHEMAS:
        return baseline_of(load_findings(path))
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None


@dataclass
class GateVerdict:
    """The gate's decision and everything it noticed."""

    reasons: list[str] = field(default_factory=list)
    new_failures: list[Result] = field(default_factory=list)
    lost_evidence: list[Result] = field(default_factory=list)
    severe: list[Result] = field(default_factory=list)
    fixed: int = 0
    new_stores: list[str] = field(default_factory=list)
    removed_stores: list[str] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether CI may go on."""
        return not self.reasons


def run_gate(
    findings: Findings, baseline: Baseline | None, min_coverage: float | None, fail_on: str | None
) -> GateVerdict:
    """Decide the gate: every figure is recomputed from the results, never read."""
    verdict = GateVerdict()
    figures = _figures(findings)
    overall = figures["overall"]["ratio"]
    verdict.coverage = {
        "overall": overall,
        "baseline": baseline.coverage.get("overall") if baseline else None,
    }
    recorded = findings.coverage.overall
    if (recorded.in_scope, recorded.covered) != (
        figures["overall"]["in_scope"],
        figures["overall"]["covered"],
    ) or recorded.ratio != overall:
        verdict.reasons.append(
            f"the coverage the findings record ({recorded.ratio!r}) does not match their "
            f"results ({_pct(overall)}): the file was altered"
        )
    verdict.figures = figures
    results = sum(len(group.results) for group in findings.stores)
    verdict.checked = _what_is_checked(results, baseline, min_coverage, fail_on)
    _check_population(findings, baseline, verdict)
    if min_coverage is not None and (overall is None or overall < min_coverage):
        verdict.reasons.append(
            f"coverage {_pct(overall)} is below the minimum {_pct(min_coverage)}"
        )
    elif min_coverage is not None and not findings.populations.complete:
        verdict.reasons.append(
            f"coverage {_pct(overall)} is of an incomplete population "
            f"({len(findings.populations.unlisted)} listing(s) failed): it cannot show the "
            f"minimum {_pct(min_coverage)}"
        )
    if fail_on is not None:
        threshold = SEVERITY_ORDER[fail_on]
        verdict.severe = [
            group.expand(r)
            for group, r in findings.verdicts()
            if r.status == "fail" and SEVERITY_ORDER[r.severity] >= threshold
        ]
        if verdict.severe:
            verdict.reasons.append(
                f"{len(verdict.severe)} failing result(s) of severity {fail_on} or above"
            )
    if baseline is not None:
        _compare(findings, baseline, verdict)
    return verdict


def _what_is_checked(
    results: int, baseline: Baseline | None, min_coverage: float | None, fail_on: str | None
) -> list[str]:
    checked = [f"the findings' SHA-256 and their coverage, recomputed from {results} results"]
    if min_coverage is not None:
        checked.append(f"coverage at least {_pct(min_coverage)} of a complete population")
    if fail_on is not None:
        checked.append(f"no failing result of severity {fail_on} or above")
    if baseline is not None:
        checked.append(
            "against the baseline: coverage, new failures, results no longer assessable, "
            "the population's completeness, new and removed stores"
        )
    if min_coverage is None and fail_on is None and baseline is None:
        checked.append("nothing to fail on: give --baseline, --min-coverage or --fail-on")
    return checked


def _check_population(findings: Findings, baseline: Baseline | None, verdict: GateVerdict) -> None:
    """An incomplete population where the baseline's was complete fails the gate."""
    unlisted = findings.populations.unlisted
    if findings.populations.complete or baseline is None or baseline.complete is not True:
        return
    where = "; ".join(
        f"{u.cloud} {u.account}{' ' + u.region if u.region else ''} ({u.operation} {u.error_code})"
        for u in unlisted[:3]
    )
    verdict.reasons.append(
        f"the population is incomplete — {len(unlisted)} listing(s) failed: {where} — "
        "where the baseline's was complete"
    )


def _compare(findings: Findings, baseline: Baseline, verdict: GateVerdict) -> None:
    now_ids = {g.resource.id for g in findings.stores if g.resource.kind != "estate"}
    verdict.new_stores = sorted(now_ids - baseline.statuses.keys())
    verdict.removed_stores = sorted(
        k for k in baseline.statuses.keys() - now_ids if not k.startswith("estate:")
    )
    for group in findings.stores:
        was = baseline.statuses.get(group.resource.id, {})
        for result in group.results:
            before = was.get(result.rule)
            if result.status == "fail" and before != "fail":
                verdict.new_failures.append(group.expand(result))
            elif result.status == "not_assessed" and before in GOOD:
                verdict.lost_evidence.append(group.expand(result))
            elif result.status in GOOD and before in ("fail", "not_assessed"):
                verdict.fixed += 1
    hidden = [sid for sid in verdict.removed_stores if _unlisted(findings, baseline, sid)]
    if hidden:
        verdict.reasons.append(
            f"{len(hidden)} store(s) of the baseline are missing while their listing could not "
            f"be read (e.g. {hidden[0]}): unknown, not removed"
        )
    if verdict.new_failures:
        verdict.reasons.append(f"{len(verdict.new_failures)} new failure(s) since the baseline")
    if verdict.lost_evidence:
        verdict.reasons.append(
            f"{len(verdict.lost_evidence)} result(s) that passed can no longer be assessed"
        )
    for key, earlier in sorted(baseline.coverage.items()):
        current = _coverage(verdict, key)
        if earlier is not None and (current is None or current < earlier):
            verdict.reasons.append(
                f"{key.replace('framework:', '')} coverage fell "
                f"from {_pct(earlier)} to {_pct(current)}"
            )


def _figures(findings: Findings) -> dict[str, Any]:
    """Coverage recomputed from the results (never read from the stored coverage)."""
    return recompute(
        (group.resource.id, group.resource.kind, result.status, result.frameworks)
        for group, result in findings.verdicts()
    )


def _unlisted(findings: Findings, baseline: Baseline, store_id: str) -> bool:
    """Whether a missing store's account (and region) is among the unlisted populations."""
    cloud, account, region = (baseline.locations.get(store_id) or ["", "", ""])[:3]
    return any(
        u.cloud == cloud and u.account == account and u.region in (None, region)
        for u in findings.populations.unlisted
    )


def _coverage(verdict: GateVerdict, key: str) -> float | None:
    if key == "overall":
        return verdict.coverage["overall"]  # type: ignore[no-any-return]
    ratio = verdict.figures["by_framework"].get(key.removeprefix("framework:"))
    return ratio["ratio"] if ratio else None


def _pct(value: float | None) -> str:
    return "n/a (nothing in scope)" if value is None else f"{value:.1%}"
