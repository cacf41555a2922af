"""Backup coverage: the share of in-scope stores whose applicable rules all pass.

A store is in scope when at least one rule applies to it; it is covered when every
applicable result is ``pass`` or ``excepted`` — ``not_assessed`` is not covered. A store
whose only open results are ``pending`` is counted apart (``pending_stores``).
Reported overall and per framework, cloud, account and tier.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from scanner.engine.evaluate import StoreVerdicts
from scanner.vocabulary import COVERED_STATUSES as COVERED


class CoverageCounter:
    """Accumulates coverage as store verdicts stream past."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0])
        )
        self.statuses: Counter[str] = Counter()
        #: stores waiting for their first backup (or a retention not yet demonstrable)
        self.pending = 0

    def add(self, verdicts: StoreVerdicts) -> None:
        """Count one store. A store whose only open results are pending (its first backup
        is not due yet) is counted apart, neither covered nor uncovered."""
        applicable = [r for r in verdicts.results if r["status"] != "not_applicable"]
        self.statuses.update(r["status"] for r in verdicts.results)
        if not applicable:
            return
        open_results = [r for r in applicable if r["status"] not in COVERED]
        if open_results and all(r["status"] == "pending" for r in open_results):
            self.pending += 1
            return
        covered = not open_results
        store = verdicts.store
        for group, key in (
            ("overall", "all"),
            ("by_cloud", store.cloud),
            ("by_account", store.account),
            ("by_tier", verdicts.tier),
        ):
            self._count(group, key, covered)
        for framework in verdicts.frameworks:
            cited = [r for r in applicable if framework in r["frameworks"]]
            if cited:
                self._count("by_framework", framework, all(r["status"] in COVERED for r in cited))

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
