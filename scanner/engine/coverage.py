"""Backup coverage: the share of in-scope stores whose applicable rules all pass.

A store is in scope when at least one rule applies to it; it is covered when every
applicable result is ``pass`` or ``excepted`` — ``not_assessed`` is not covered. A store
whose only open results are ``pending`` is counted apart (``pending_stores``).
Reported overall and per framework, cloud, account and tier.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner.engine.evaluate import StoreVerdicts
from scanner.vocabulary import COVERED_STATUSES as COVERED


@dataclass(frozen=True)
class StoreJudgement:
    """Whether one store is covered, pending, and covered per framework it is cited for."""

    covered: bool
    pending: bool
    frameworks: dict[str, bool]


#: what coverage reads of a result: its status and the frameworks it cites
Verdict = tuple[str, Iterable[str]]


@dataclass
class StoreTally:
    """One store's results as coverage needs them, added one at a time (a store's
    results may arrive in parts: counting is by store id, wherever they appear)."""

    applicable: bool = False
    #: any applicable result neither passing nor excepted; any of those not pending
    open: bool = False
    open_not_pending: bool = False
    frameworks: dict[str, bool] = field(default_factory=dict)

    def add(self, status: str, frameworks: Iterable[str]) -> None:
        """Count one result."""
        if status == "not_applicable":
            return
        self.applicable = True
        covered = status in COVERED
        if not covered:
            self.open = True
            self.open_not_pending |= status != "pending"
        for framework in frameworks:
            self.frameworks[framework] = self.frameworks.get(framework, True) and covered

    def judgement(self) -> StoreJudgement | None:
        """Coverage of the store (None: no rule applies to it). A store whose only open
        results are pending is counted apart, neither covered nor not."""
        if not self.applicable:
            return None
        pending = self.open and not self.open_not_pending
        return StoreJudgement(not self.open, pending, self.frameworks)


def judge_store(verdicts: Iterable[Verdict]) -> StoreJudgement | None:
    """Coverage of one store from its results' (status, frameworks)."""
    tally = StoreTally()
    for status, frameworks in verdicts:
        tally.add(status, frameworks)
    return tally.judgement()


def coverage_of(stores: Iterable[StoreTally]) -> dict[str, Any]:
    """Overall and per-framework coverage of the stores tallied."""
    counter = CoverageCounter()
    for tally in stores:
        judged = tally.judgement()
        if judged is None or judged.pending:
            continue
        counter._count("overall", "all", judged.covered)
        for framework, covered in judged.frameworks.items():
            counter._count("by_framework", framework, covered)
    figures = counter.result()
    return {"overall": figures["overall"], "by_framework": figures["by_framework"]}


class CoverageCounter:
    """Accumulates coverage as store verdicts stream past."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, list[int]]] = defaultdict(_cells)
        self.statuses: Counter[str] = Counter()
        #: stores waiting for their first backup (or a retention not yet demonstrable)
        self.pending = 0

    def add(self, verdicts: StoreVerdicts) -> None:
        """Count one store."""
        self.statuses.update(r["status"] for r in verdicts.results)
        judged = judge_store([(r["status"], r["frameworks"]) for r in verdicts.results])
        if judged is None:
            return
        if judged.pending:
            self.pending += 1
            return
        store = verdicts.store
        for group, key in (
            ("overall", "all"),
            ("by_cloud", store.cloud),
            ("by_account", store.account),
            ("by_tier", verdicts.tier),
        ):
            self._count(group, key, judged.covered)
        for framework, covered in judged.frameworks.items():
            self._count("by_framework", framework, covered)

    def merge(self, other: CoverageCounter) -> None:
        """Add the stores another counter counted (a part of the same estate)."""
        for group, cells in other._groups.items():
            for key, (in_scope, covered) in cells.items():
                cell = self._groups[group][key]
                cell[0] += in_scope
                cell[1] += covered
        self.statuses.update(other.statuses)
        self.pending += other.pending

    def _count(self, group: str, key: str, covered: bool) -> None:
        cell = self._groups[group][key]
        cell[0] += 1
        cell[1] += covered

    def result(self) -> dict[str, Any]:
        """The coverage section of findings.json."""

        def ratio(cell: list[int]) -> dict[str, Any]:
            return {
                "in_scope": cell[0],
                "covered": cell[1],
                "ratio": round(cell[1] / cell[0], 4) if cell[0] else None,
            }

        out: dict[str, Any] = {"overall": ratio(self._groups["overall"]["all"])}
        for group in ("by_framework", "by_cloud", "by_account", "by_tier"):
            out[group] = {k: ratio(v) for k, v in sorted(self._groups[group].items())}
        out["by_status"] = dict(sorted(self.statuses.items()))
        out["pending_stores"] = self.pending
        return out

    def add_estate(self, results: list[dict[str, Any]]) -> None:
        """Count estate-wide results (they belong to no store's coverage)."""
        self.statuses.update(r["status"] for r in results)


def _cells() -> defaultdict[str, list[int]]:
    """A group's cells: key → [stores in scope, stores covered] (module-level functions,
    not lambdas, so that a counter can be sent between processes)."""
    return defaultdict(_cell)


def _cell() -> list[int]:
    return [0, 0]
