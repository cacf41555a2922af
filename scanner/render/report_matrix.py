"""The control matrix and the coverage views of the report, without legal conclusions.

A requirement is never "met": the matrix says how many rules tested it and whether any
failed ("no failures in 3 tested rules"), "excepted" when every open result was excepted,
and "not tested by this tool — needs manual evidence" when no rule requires what it
asks. Rules that only *support* a requirement are listed apart and never counted as
testing it. Coverage per requirement counts stores as the overall coverage does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from scanner.engine.catalog import Requirement
from scanner.engine.coverage import judge_store
from scanner.engine.rules import RulePack
from scanner.findings import Findings, Result
from scanner.vocabulary import COVERED_STATUSES, SEVERITIES

NOT_TESTED = "not tested by this tool — needs manual evidence"


@dataclass
class Share:
    """A count of covered out of counted, and pending apart."""

    covered: int = 0
    counted: int = 0
    pending: int = 0

    @property
    def ratio(self) -> float | None:
        """covered / counted (None when nothing is counted)."""
        return self.covered / self.counted if self.counted else None

    @property
    def percent(self) -> str:
        """The ratio as text."""
        return "n/a" if self.ratio is None else f"{self.ratio:.1%}"


@dataclass
class MatrixRow:
    """One requirement: the rules that test it, those that only support it, how their
    results came out, the stores it covers, and the wording of its state."""

    requirement: str
    title: str
    rules: list[str]
    supporting: list[str]
    counts: Counter[str]
    tested: int
    stores: Share
    state: str
    tone: str


def requirement_rules(pack: RulePack, framework: str, requirement: Requirement) -> list[str]:
    """The rules whose citation of ``requirement`` the catalog does not mark as support."""
    return [
        r.id
        for r in pack.rules
        if requirement.id in r.spec.citations.get(framework, [])
        and r.id not in requirement.supported_by
    ]


def _state(rules: list[str], tested: int, counts: Counter[str]) -> tuple[str, str]:
    """The words for a requirement's state, and a tone for its colour."""
    if not rules:
        return NOT_TESTED, "untested"
    if not tested:
        return "no store in scope of the rules that test it", "quiet"
    if counts["fail"]:
        return f"{counts['fail']} failure(s) in {tested} tested rule(s)", "fail"
    if counts["not_assessed"]:
        return f"no failures; {counts['not_assessed']} result(s) not assessed", "not_assessed"
    if counts["excepted"] and not counts["pass"]:
        return "excepted", "excepted"
    if counts["pending"] and not counts["pass"]:
        return f"{counts['pending']} result(s) pending — not yet provable", "pending"
    extra = [f"{counts[s]} {s}" for s in ("excepted", "pending") if counts[s]]
    return f"no failures in {tested} tested rule(s)" + "".join(f"; {e}" for e in extra), "pass"


def matrices(findings: Findings, pack: RulePack) -> dict[str, list[MatrixRow]]:
    """Per framework of the pack, one row per requirement of its catalog (one pass over
    the results for every framework)."""
    cited: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for result in findings.results:
        if result.status != "not_applicable":
            for framework, ids in result.frameworks.items():
                for requirement_id in ids:
                    cited[(framework, requirement_id)].append(result)
    return {
        framework: [
            _row(pack, framework, requirement, cited.get((framework, requirement.id), []))
            for requirement in pack.catalogs[framework].requirements
        ]
        for framework in sorted(pack.catalogs)
    }


def _row(
    pack: RulePack, framework: str, requirement: Requirement, results: list[Result]
) -> MatrixRow:
    rules = requirement_rules(pack, framework, requirement)
    counts = Counter(str(r.status) for r in results)
    tested = len({r.rule for r in results})
    state, tone = _state(rules, tested, counts)
    return MatrixRow(
        requirement.id,
        requirement.title,
        rules,
        sorted(requirement.supported_by),
        counts,
        tested,
        _store_share(results),
        state,
        tone,
    )


def _store_share(results: list[Result]) -> Share:
    """Stores whose results citing one requirement are all covered (pending apart)."""
    by_store: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for result in results:
        if result.resource.kind != "estate":
            by_store[result.resource.id].append((result.status, ()))
    share = Share()
    for store_results in by_store.values():
        judged = judge_store(store_results)
        if judged is None:
            continue
        if judged.pending:
            share.pending += 1
        else:
            share.counted += 1
            share.covered += judged.covered
    return share


def tested_counts(rows: dict[str, list[MatrixRow]]) -> dict[str, tuple[int, int, int]]:
    """Framework → (requirements some rule tested on at least one store, requirements a
    rule of the pack tests, requirements)."""
    return {
        name: (sum(1 for r in got if r.tested), sum(1 for r in got if r.rules), len(got))
        for name, got in rows.items()
    }


@dataclass
class SeverityRow:
    """How the applicable results of one severity came out."""

    severity: str
    results: Share
    counts: Counter[str]


def severity_view(findings: Findings) -> list[SeverityRow]:
    """Per severity: applicable results that pass or are excepted, of those decided or
    not (pending apart) — "critical controls covered"."""
    rows = []
    for severity in SEVERITIES:
        counts = Counter(
            str(r.status)
            for r in findings.results
            if r.severity == severity and r.status != "not_applicable"
        )
        share = Share(
            covered=sum(counts[s] for s in COVERED_STATUSES),
            counted=sum(counts.values()) - counts["pending"],
            pending=counts["pending"],
        )
        rows.append(SeverityRow(severity, share, counts))
    return rows
