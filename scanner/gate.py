"""The CI gate: compare findings with a baseline and thresholds, decide pass or fail.

The gate fails when overall (or a framework's) coverage drops below the baseline or
below ``--min-coverage``, when a store × rule that was not failing now fails, when a
result that passed is now not_assessed (evidence was lost), or when a failure at or above
``--fail-on`` severity exists. A baseline records coverage and every applicable status.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.engine.coverage import StoreTally, coverage_of
from scanner.fileio import (
    MAX_JSON_BYTES,
    parse_json,
    read_input_text,
    validation_error,
    write_atomic,
)
from scanner.findings import Findings, FindingsHead, ResourceRef, StoreResult, StoreResults
from scanner.findings_read import read_streamed
from scanner.findings_stream import FindingsStream
from scanner.vocabulary import COVERED_STATUSES, SEVERITY_ORDER, Severity, Status

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


def baseline_of(findings: Findings | FindingsStream) -> Baseline:
    """The baseline recording these findings (its coverage recomputed from the results)."""
    statuses: dict[str, dict[str, str]] = {}
    locations: dict[str, list[str]] = {}
    tallies: dict[str, StoreTally] = defaultdict(StoreTally)
    for group in _stores(findings):
        ref = group.resource
        if ref.kind != "estate":
            locations[ref.id] = [ref.cloud, ref.account, ref.region]
        for result in group.results:
            if result.status != "not_applicable":
                statuses.setdefault(ref.id, {})[result.rule] = result.status
            if ref.kind != "estate":
                tallies[ref.id].add(result.status, result.frameworks)
    figures = coverage_of(tallies.values())
    head = _head(findings)
    coverage = {"overall": figures["overall"]["ratio"]}
    coverage |= {f"framework:{k}": v["ratio"] for k, v in figures["by_framework"].items()}
    return Baseline.model_validate(
        {
            "evaluated_at": head.evaluated_at,
            "coverage": coverage,
            "statuses": statuses,
            "complete": head.populations.complete,
            "locations": locations,
        }
    )


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write a baseline atomically."""
    write_atomic(
        path, json.dumps(baseline.model_dump(by_alias=True), indent=1, sort_keys=True) + "\n"
    )


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file (or build one from a findings file: a store at a time when it
    begins as evaluate writes findings, without parsing it whole first)."""
    from scanner.findings import READABLE_SCHEMAS

    if _begins_as_findings(path, READABLE_SCHEMAS):
        return read_streamed(path, baseline_of)[0]
    text = read_input_text(path, "a baseline", MAX_JSON_BYTES)
    data = parse_json(path, text)
    if isinstance(data, dict) and data.get("schema") in READABLE_SCHEMAS:
        return read_streamed(path, baseline_of)[0]
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None


def _begins_as_findings(path: Path, schemas: tuple[str, ...]) -> bool:
    try:
        if not path.is_file():
            return False  # the whole reader says what it is
        with path.open("rb") as stream:
            start = stream.read(64)
    except OSError:
        return False  # the whole reader says why
    return any(start.startswith(b'{\n  "schema": "' + s.encode() + b'",\n') for s in schemas)


@dataclass(frozen=True, slots=True)
class Flagged:
    """A result the gate names — a new failure, a result no longer assessable, a failure
    of ``--fail-on`` severity: what its outputs print of it."""

    resource: ResourceRef
    rule: str
    status: Status
    severity: Severity
    message: str


@dataclass
class GateVerdict:
    """The gate's decision and everything it noticed."""

    reasons: list[str] = field(default_factory=list)
    new_failures: list[Flagged] = field(default_factory=list)
    lost_evidence: list[Flagged] = field(default_factory=list)
    severe: list[Flagged] = field(default_factory=list)
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


@dataclass
class _Reading:
    """What one pass over the results gathers besides the verdict's lists: each store's
    coverage tally (by store id: every store group holds a result) and how many results
    there were."""

    tallies: defaultdict[str, StoreTally] = field(default_factory=lambda: defaultdict(StoreTally))
    results: int = 0


def _read(
    stores: Iterable[StoreResults],
    baseline: Baseline | None,
    threshold: int | None,
    verdict: GateVerdict,
    observe: Callable[[StoreResults], None] | None,
) -> _Reading:
    """One pass over the store groups (a stream keeps none of them)."""
    reading = _Reading()
    for group in stores:
        if observe is not None:
            observe(group)
        ref = group.resource
        was = baseline.statuses.get(ref.id, {}) if baseline is not None else None
        for result in group.results:
            reading.results += 1
            if ref.kind != "estate":
                reading.tallies[ref.id].add(result.status, result.frameworks)
            status = result.status
            severe = threshold is not None and SEVERITY_ORDER[result.severity] >= threshold
            if status == "fail" and severe:
                verdict.severe.append(_flagged(ref, result))
            if was is None:
                continue
            before = was.get(result.rule)
            if status == "fail" and before != "fail":
                verdict.new_failures.append(_flagged(ref, result))
            elif status == "not_assessed" and before in GOOD:
                verdict.lost_evidence.append(_flagged(ref, result))
            elif status in GOOD and before in ("fail", "not_assessed"):
                verdict.fixed += 1
    return reading


def _flagged(resource: ResourceRef, result: StoreResult) -> Flagged:
    return Flagged(resource, result.rule, result.status, result.severity, result.message)


def run_gate(
    findings: Findings | FindingsStream,
    baseline: Baseline | None,
    min_coverage: float | None,
    fail_on: str | None,
    observe: Callable[[StoreResults], None] | None = None,
) -> GateVerdict:
    """Decide the gate in one pass over the results (findings read whole, or a stream):
    every figure is recomputed from the results, never read. ``observe`` is handed each
    store group on the way."""
    verdict = GateVerdict()
    threshold = SEVERITY_ORDER[fail_on] if fail_on is not None else None
    reading = _read(_stores(findings), baseline, threshold, verdict, observe)
    head = _head(findings)
    figures = coverage_of(reading.tallies.values())
    overall = figures["overall"]["ratio"]
    verdict.coverage = {
        "overall": overall,
        "baseline": baseline.coverage.get("overall") if baseline else None,
    }
    recorded = head.coverage.overall
    if (recorded.in_scope, recorded.covered) != (
        figures["overall"]["in_scope"],
        figures["overall"]["covered"],
    ) or recorded.ratio != overall:
        verdict.reasons.append(
            f"the coverage the findings record ({recorded.ratio!r}) does not match their "
            f"results ({_pct(overall)}): the file was altered"
        )
    verdict.figures = figures
    verdict.checked = _what_is_checked(reading.results, baseline, min_coverage, fail_on)
    _check_population(head, baseline, verdict)
    if min_coverage is not None and (overall is None or overall < min_coverage):
        verdict.reasons.append(
            f"coverage {_pct(overall)} is below the minimum {_pct(min_coverage)}"
        )
    elif min_coverage is not None and not head.populations.complete:
        verdict.reasons.append(
            f"coverage {_pct(overall)} is of an incomplete population "
            f"({len(head.populations.unlisted)} listing(s) failed): it cannot show the "
            f"minimum {_pct(min_coverage)}"
        )
    if verdict.severe:
        verdict.reasons.append(
            f"{len(verdict.severe)} failing result(s) of severity {fail_on} or above"
        )
    if baseline is not None:
        _compare(head, set(reading.tallies), baseline, verdict)
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


def _check_population(head: FindingsHead, baseline: Baseline | None, verdict: GateVerdict) -> None:
    """An incomplete population where the baseline's was complete fails the gate."""
    unlisted = head.populations.unlisted
    if head.populations.complete or baseline is None or baseline.complete is not True:
        return
    where = "; ".join(
        f"{u.cloud} {u.account}{' ' + u.region if u.region else ''} ({u.operation} {u.error_code})"
        for u in unlisted[:3]
    )
    verdict.reasons.append(
        f"the population is incomplete — {len(unlisted)} listing(s) failed: {where} — "
        "where the baseline's was complete"
    )


def _compare(head: FindingsHead, ids: set[str], baseline: Baseline, verdict: GateVerdict) -> None:
    verdict.new_stores = sorted(ids - baseline.statuses.keys())
    verdict.removed_stores = sorted(
        k for k in baseline.statuses.keys() - ids if not k.startswith("estate:")
    )
    hidden = [sid for sid in verdict.removed_stores if _unlisted(head, baseline, sid)]
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


def _stores(findings: Findings | FindingsStream) -> Iterable[StoreResults]:
    return findings.stores if isinstance(findings, Findings) else findings.stores()


def _head(findings: Findings | FindingsStream) -> FindingsHead:
    """The fields around the results (a stream's only once its stores were read)."""
    return findings if isinstance(findings, Findings) else findings.head


def _unlisted(head: FindingsHead, baseline: Baseline, store_id: str) -> bool:
    """Whether a missing store's account (and region) is among the unlisted populations."""
    cloud, account, region = (baseline.locations.get(store_id) or ["", "", ""])[:3]
    return any(
        u.cloud == cloud and u.account == account and u.region in (None, region)
        for u in head.populations.unlisted
    )


def _coverage(verdict: GateVerdict, key: str) -> float | None:
    if key == "overall":
        return verdict.coverage["overall"]  # type: ignore[no-any-return]
    ratio = verdict.figures["by_framework"].get(key.removeprefix("framework:"))
    return ratio["ratio"] if ratio else None


def _pct(value: float | None) -> str:
    return "n/a (nothing in scope)" if value is None else f"{value:.1%}"
