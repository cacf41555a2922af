"""What the HTML and PDF reports show, computed once from findings (and the inventory).

The templates only lay this out; every number here comes from the findings file. The
PDF variant is bounded: the most severe gaps in full, the rest counted and pointed to
the HTML and CSV, which hold every row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from scanner.engine.rules import RulePack
from scanner.findings import Findings, Ratio, Result
from scanner.gate import Baseline
from scanner.model import DataStore, Snapshot
from scanner.vocabulary import SEVERITIES, SEVERITY_ORDER

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


@dataclass
class MatrixRow:
    """One requirement of a framework, its rules and how their results came out."""

    requirement: str
    title: str
    rules: list[str]
    counts: Counter[str]
    status: str


@dataclass
class GapGroup:
    """The failing results that cite one requirement."""

    framework: str
    requirement: str
    title: str
    results: list[Result]
    hidden: int = 0


@dataclass
class Report:
    """Everything the templates render."""

    mode: str
    meta: dict[str, Any]
    overall: Bar
    charts: dict[str, list[Bar]]
    severity_counts: dict[str, int]
    status_counts: dict[str, int]
    trend: dict[str, Any] | None
    matrices: dict[str, list[MatrixRow]]
    gap_groups: list[GapGroup]
    gaps_hidden: int
    not_assessed: list[dict[str, Any]]
    not_assessed_hidden: int
    exceptions: list[dict[str, Any]]
    stores: list[dict[str, Any]]
    stores_hidden: int
    rules: list[dict[str, Any]]
    operations: list[dict[str, Any]] | None
    remediation: dict[str, dict[str, str]] = field(default_factory=dict)


def _bars(group: dict[str, Ratio]) -> list[Bar]:
    return [Bar(name, r.ratio, r.covered, r.in_scope) for name, r in sorted(group.items())]


def _matrix(findings: Findings, pack: RulePack, framework: str) -> list[MatrixRow]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for result in findings.results:
        for cited in result.frameworks.get(framework, []):
            counts[cited][result.status] += 1
    rows = []
    for requirement in pack.catalogs[framework].requirements:
        rules = [r.id for r in pack.rules if requirement.id in r.spec.citations.get(framework, [])]
        tally = counts.get(requirement.id, Counter())
        if not rules:
            status = "no rule"
        elif tally["fail"]:
            status = "gaps"
        elif tally["not_assessed"]:
            status = "not assessed"
        elif tally["pass"] or tally["excepted"]:
            status = "met"
        else:
            status = "not applicable"
        rows.append(MatrixRow(requirement.id, requirement.title, rules, tally, status))
    return rows


def _severity_key(result: Result) -> tuple[int, str, str]:
    return (-SEVERITY_ORDER[result.severity], result.rule, result.resource.id)


def _gap_groups(
    findings: Findings, pack: RulePack, limit: int | None
) -> tuple[list[GapGroup], int]:
    failing = sorted((r for r in findings.results if r.status == "fail"), key=_severity_key)
    shown = set(id(r) for r in (failing if limit is None else failing[:limit]))
    groups = []
    for framework, catalog in sorted(pack.catalogs.items()):
        for requirement in catalog.requirements:
            cited = [r for r in failing if requirement.id in r.frameworks.get(framework, [])]
            if cited:
                visible = [r for r in cited if id(r) in shown]
                groups.append(
                    GapGroup(
                        framework,
                        requirement.id,
                        requirement.title,
                        visible,
                        len(cited) - len(visible),
                    )
                )
    uncited = [r for r in failing if not r.frameworks]
    if uncited:
        visible = [r for r in uncited if id(r) in shown]
        groups.append(
            GapGroup(
                "policy",
                "backup policy",
                "The organisation's own backup policy",
                visible,
                len(uncited) - len(visible),
            )
        )
    return groups, len(failing) - len(shown)


def _not_assessed(findings: Findings, limit: int | None) -> tuple[list[dict[str, Any]], int]:
    rows = []
    for result in sorted(
        (r for r in findings.results if r.status == "not_assessed"), key=_severity_key
    ):
        gaps = [e["fields"] for e in result.evidence or [] if "gap" in e.get("fields", {})]
        # Only a denial is fixed by a grant; a key not found or throttling is not.
        permissions = sorted(
            {
                str(g["permission"])
                for g in gaps
                if g.get("permission") and g.get("cause", "denied") == "denied"
            }
        )
        rows.append(
            {
                "result": result,
                "permissions": permissions,
                "causes": sorted({str(g.get("cause")) for g in gaps if g.get("cause")}),
                "operations": sorted(
                    {
                        str(e.get("operation"))
                        for e in result.evidence or []
                        if "gap" in e.get("fields", {})
                    }
                ),
            }
        )
    return (rows, 0) if limit is None else (rows[:limit], max(0, len(rows) - limit))


def _store_rows(findings: Findings, snapshot: Snapshot | None) -> list[dict[str, Any]]:
    if snapshot is None:
        seen: dict[str, dict[str, Any]] = {}
        for result in findings.results:
            seen.setdefault(result.resource.id, {"resource": result.resource, "store": None})
        return list(seen.values())
    return [{"resource": s, "store": s, "summary": _store_summary(s)} for s in snapshot.stores]


def _store_summary(store: DataStore) -> dict[str, Any]:
    return {
        "protections": [f"{p.name}{'' if p.enabled else ' (off)'}" for p in store.protections],
        "newest": store.recovery_points.newest.isoformat()
        if store.recovery_points.newest
        else None,
        "copies": [
            f"{c.kind} → {c.region or 'unknown region'}"
            + (f" (account {c.account})" if c.account and c.account != store.account else "")
            for c in store.copies
        ],
        "gaps": len(store.gaps),
    }


def _meta(findings: Findings, pack: RulePack, stores: int) -> dict[str, Any]:
    """The cover: who, what scope, when, and the integrity hashes."""
    return {
        "organisation": findings.policy.get("organisation")
        or "(organisation not named in the policy)",
        "scope": findings.scope,
        "as_of": findings.as_of,
        "evaluated_at": findings.evaluated_at,
        "tool_version": findings.tool_version,
        "rule_pack_sha256": findings.rule_pack["sha256"],
        "inventory_sha256": findings.inventory["sha256"],
        "policy_sha256": findings.policy["sha256"],
        "pack_matches": findings.rule_pack["sha256"] == pack.sha256,
        "stores": stores,
        "results": len(findings.results),
    }


def _rule_texts(pack: RulePack) -> list[dict[str, Any]]:
    """Each rule's text for the methodology section."""
    return [
        {
            "id": r.id,
            "title": r.spec.title,
            "severity": r.spec.severity,
            "rationale": r.spec.rationale.strip(),
            "expression": r.spec.logic,
            "citations": r.spec.citations,
        }
        for r in pack.rules
    ]


def _trend(findings: Findings, baseline: Baseline | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return {
        "before": baseline.coverage.get("overall"),
        "now": findings.coverage.overall.ratio,
        "evaluated_at": baseline.evaluated_at,
    }


def build_report(
    findings: Findings,
    pack: RulePack,
    snapshot: Snapshot | None,
    baseline: Baseline | None,
    operations: list[dict[str, Any]] | None,
    mode: str,
) -> Report:
    """The report's content for ``mode`` "html" (every row) or "pdf" (bounded)."""
    bounded = mode == "pdf"
    coverage = findings.coverage
    gap_groups, gaps_hidden = _gap_groups(findings, pack, PDF_GAP_ROWS if bounded else None)
    not_assessed, na_hidden = _not_assessed(findings, PDF_ROWS if bounded else None)
    stores = _store_rows(findings, snapshot)
    failing = [r for r in findings.results if r.status == "fail"]
    overall = coverage.overall
    return Report(
        mode=mode,
        meta=_meta(findings, pack, len(stores)),
        overall=Bar("overall", overall.ratio, overall.covered, overall.in_scope),
        charts={
            "framework": _bars(coverage.by_framework),
            "cloud": _bars(coverage.by_cloud),
            "tier": _bars(coverage.by_tier),
        },
        severity_counts={s: sum(r.severity == s for r in failing) for s in SEVERITIES},
        status_counts=dict(coverage.by_status),
        trend=_trend(findings, baseline),
        matrices={name: _matrix(findings, pack, name) for name in sorted(pack.catalogs)},
        gap_groups=gap_groups,
        gaps_hidden=gaps_hidden,
        not_assessed=not_assessed,
        not_assessed_hidden=na_hidden,
        exceptions=[e.model_dump() for e in findings.exceptions],
        stores=stores[:PDF_ROWS] if bounded else stores,
        stores_hidden=max(0, len(stores) - PDF_ROWS) if bounded else 0,
        rules=_rule_texts(pack),
        operations=operations,
        remediation={r.id: {str(k): v for k, v in r.spec.remediation.items()} for r in pack.rules},
    )
