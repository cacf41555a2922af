"""What the HTML and PDF reports show, computed once from findings (and the inventory).

The templates only lay this out; every number here comes from the findings file. The
PDF variant is bounded: the most severe gaps in full, the rest counted and pointed to
the HTML and CSV, which hold every row — and the PDF says which rows it selected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.engine.citations import split_citations
from scanner.engine.rules import RulePack
from scanner.findings import Findings, Ratio, Result
from scanner.gate import Baseline
from scanner.render.report_matrix import (
    MatrixRow,
    SeverityRow,
    matrices,
    severity_view,
    tested_counts,
)
from scanner.render.report_sections import (
    ORDER,
    GapGroup,
    InventoryRow,
    PassingStore,
    StoreRow,
    defaults_rows,
    gap_groups,
    not_assessed_rows,
    passing_stores,
    pending_rows,
    store_rows,
)
from scanner.vocabulary import SEVERITIES

PDF_GAP_ROWS = 150
PDF_ROWS = 200
STATUS_LABEL = {
    "pass": "pass",
    "fail": "fail",
    "not_assessed": "not assessed",
    "excepted": "excepted",
    "not_applicable": "not applicable",
    "pending": "pending",
}


@dataclass
class Bar:
    """One bar of a coverage chart."""

    label: str
    ratio: float | None
    covered: int
    in_scope: int

    @property
    def percent(self) -> str:
        """The ratio as text."""
        return "n/a" if self.ratio is None else f"{self.ratio:.1%}"

    @property
    def width(self) -> float:
        """Bar length in percent of the chart (0 when nothing is in scope)."""
        return round((self.ratio or 0.0) * 100, 1)


@dataclass(frozen=True)
class SignOff:
    """Who prepared and who reviewed the report (blank lines to sign when not named)."""

    prepared_by: str | None = None
    reviewed_by: str | None = None


@dataclass
class Report:
    """Everything the templates render."""

    mode: str
    meta: dict[str, Any]
    overall: Bar
    charts: dict[str, list[Bar]]
    severity_counts: dict[str, int]
    severity_view: list[SeverityRow]
    status_counts: dict[str, int]
    trend: dict[str, Any] | None
    matrices: dict[str, list[MatrixRow]]
    gap_groups: list[GapGroup]
    hidden: dict[str, int]
    pending: list[Result]
    passing: list[PassingStore]
    not_assessed: list[dict[str, Any]]
    unlisted: list[dict[str, Any]]
    defaults: dict[str, list[str]]
    exceptions: list[dict[str, Any]]
    stores: list[StoreRow]
    rules: list[dict[str, Any]]
    operations: list[dict[str, Any]] | None
    sign_off: SignOff
    selection: str | None
    remediation: dict[str, dict[str, str]] = field(default_factory=dict)


def _bars(group: dict[str, Ratio]) -> list[Bar]:
    return [Bar(name, r.ratio, r.covered, r.in_scope) for name, r in sorted(group.items())]


def _meta(findings: Findings, pack: RulePack, hashes: dict[str, str | None]) -> dict[str, Any]:
    """The cover: who, what scope and period, when, by whom, and the integrity hashes."""
    return {
        "organisation": findings.policy.get("organisation")
        or "(organisation not named in the policy)",
        "scope": findings.scope,
        "period": findings.period,
        "as_of": findings.as_of,
        "evaluated_at": findings.evaluated_at,
        "tool_version": findings.tool_version,
        "principals": findings.inventory.get("principals") or [],
        "rule_pack_sha256": findings.rule_pack["sha256"],
        "inventory_sha256": findings.inventory["sha256"],
        "policy_sha256": findings.policy["sha256"],
        "findings_sha256": hashes.get("findings"),
        "report_inventory_sha256": hashes.get("inventory"),
        "pack_matches": findings.rule_pack["sha256"] == pack.sha256,
        "complete": findings.populations.complete,
        "pending_stores": findings.coverage.pending_stores,
        "results": len(findings.results),
    }


def _rule_texts(pack: RulePack) -> list[dict[str, Any]]:
    """Each rule's text for the methodology section, its citations split into the
    requirements it tests and those it only supports."""
    texts = []
    for rule in pack.rules:
        required, supports = split_citations(rule, pack, rule.spec.citations)
        texts.append(
            {
                "id": rule.id,
                "title": rule.spec.title,
                "severity": rule.spec.severity,
                "rationale": rule.spec.rationale.strip(),
                "expression": rule.spec.logic,
                "required": required,
                "supports": supports,
            }
        )
    return texts


def _trend(findings: Findings, baseline: Baseline | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return {
        "before": baseline.coverage.get("overall"),
        "now": findings.coverage.overall.ratio,
        "evaluated_at": baseline.evaluated_at,
    }


def _selection(hidden: dict[str, int]) -> str | None:
    """The PDF's statement of which rows it prints, when it leaves any out."""
    if not any(hidden.values()):
        return None
    return (
        f"This PDF prints at most {PDF_GAP_ROWS} failing results and {PDF_ROWS} rows of every "
        f"other table, {ORDER}; {sum(hidden.values())} rows are left out here. "
        "report.html and results.csv hold every row."
    )


@dataclass(frozen=True)
class ReportContext:
    """What a report is built with besides the findings."""

    pack: RulePack
    #: the inventory appendix's rows, when the inventory was given
    inventory: list[InventoryRow] | None = None
    baseline: Baseline | None = None
    operations: list[dict[str, Any]] | None = None
    sign_off: SignOff = field(default_factory=SignOff)
    hashes: dict[str, str | None] = field(default_factory=dict)


def build_report(findings: Findings, context: ReportContext, mode: str) -> Report:
    """The report's content for ``mode`` "html" (every row) or "pdf" (bounded)."""
    pack = context.pack
    bounded = mode == "pdf"
    coverage = findings.coverage
    groups, gaps_hidden = gap_groups(findings, PDF_GAP_ROWS if bounded else None)
    limit = PDF_ROWS if bounded else None
    pending, pending_hidden = pending_rows(findings, limit)
    not_assessed, na_hidden = not_assessed_rows(findings, limit)
    passing, passing_hidden = passing_stores(findings, limit)
    stores = store_rows(findings, context.inventory)
    hidden = {
        "gaps": gaps_hidden,
        "pending": pending_hidden,
        "not_assessed": na_hidden,
        "passing": passing_hidden,
        "stores": max(0, len(stores) - PDF_ROWS) if bounded else 0,
    }
    matrix_rows = matrices(findings, pack)
    meta = _meta(findings, pack, context.hashes) | {
        "stores": len(stores),
        "tested": tested_counts(matrix_rows),
    }
    failing = [r for r in findings.results if r.status == "fail"]
    return Report(
        mode=mode,
        meta=meta,
        overall=Bar(
            "overall", coverage.overall.ratio, coverage.overall.covered, coverage.overall.in_scope
        ),
        charts={
            "framework": _bars(coverage.by_framework),
            "cloud": _bars(coverage.by_cloud),
            "tier": _bars(coverage.by_tier),
        },
        severity_counts={s: sum(r.severity == s for r in failing) for s in SEVERITIES},
        severity_view=severity_view(findings),
        status_counts=dict(coverage.by_status),
        trend=_trend(findings, context.baseline),
        matrices=matrix_rows,
        gap_groups=groups,
        hidden=hidden,
        pending=pending,
        passing=passing,
        not_assessed=not_assessed,
        unlisted=[u.model_dump() for u in findings.populations.unlisted],
        defaults=defaults_rows(findings),
        exceptions=[e.model_dump() for e in findings.exceptions],
        stores=stores[:PDF_ROWS] if bounded else stores,
        rules=_rule_texts(pack),
        operations=context.operations,
        sign_off=context.sign_off,
        selection=_selection(hidden) if bounded else None,
        remediation={r.id: {str(k): v for k, v in r.spec.remediation.items()} for r in pack.rules},
    )
