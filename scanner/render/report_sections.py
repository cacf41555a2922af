"""The report's row sections: gaps (each finding once, under its rule with every
requirement it is evidence for), pending, not assessed, unlisted populations, stores that
took a policy default, and the inventory appendix with configured and observed copies
kept apart. The PDF prints a bounded subset in a stated order; the HTML prints all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from markupsafe import Markup, escape

from scanner.engine.evaluate import copies_seen
from scanner.findings import Findings, Result
from scanner.findings_layout import EncodedItems
from scanner.model import DataStore
from scanner.render.inert import for_html
from scanner.vocabulary import SEVERITY_ORDER

#: How the PDF picks the rows it prints when there are more than it holds.
ORDER = "most severe first, then by rule id, then by store id"


@dataclass
class GapGroup:
    """The failing results of one rule, printed once, with every requirement they are
    evidence for (``required``) and those the rule only supports."""

    rule: str
    title: str
    severity: str
    required: dict[str, list[str]]
    supports: dict[str, list[str]]
    results: list[Result]
    hidden: int = 0


def severity_key(result: Result) -> tuple[int, str, str]:
    """The order rows are printed in (and the PDF's selection rule)."""
    return (-SEVERITY_ORDER[result.severity], result.rule, result.resource.id)


def _union(maps: Iterable[dict[str, list[str]] | None]) -> dict[str, list[str]]:
    merged: dict[str, set[str]] = {}
    for mapping in maps:
        for framework, ids in (mapping or {}).items():
            merged.setdefault(framework, set()).update(ids)
    return {framework: sorted(ids) for framework, ids in sorted(merged.items())}


def gap_groups(findings: Findings, limit: int | None) -> tuple[list[GapGroup], int]:
    """Failing results grouped by rule, most severe rule first; with ``limit``, only the
    first ``limit`` results in :data:`ORDER` are printed (the rest counted per group)."""
    failing = sorted((r for r in findings.results if r.status == "fail"), key=severity_key)
    shown = {id(r) for r in (failing if limit is None else failing[:limit])}
    groups: dict[str, GapGroup] = {}
    for result in failing:
        group = groups.get(result.rule)
        if group is None:
            group = groups[result.rule] = GapGroup(
                result.rule, result.title, result.severity, {}, {}, []
            )
        if id(result) in shown:
            group.results.append(result)
        else:
            group.hidden += 1
    for rule, group in groups.items():
        cited = [r for r in failing if r.rule == rule]
        group.required = _union(r.frameworks for r in cited)
        group.supports = _union(r.supports for r in cited)
    return list(groups.values()), len(failing) - len(shown)


def bounded(rows: list[Any], limit: int | None) -> tuple[list[Any], int]:
    """The first ``limit`` rows and how many were left out."""
    return (rows, 0) if limit is None else (rows[:limit], max(0, len(rows) - limit))


def pending_rows(findings: Findings, limit: int | None) -> tuple[list[Result], int]:
    """Results that are not yet provable (first backup not due, retention not yet
    demonstrable), in :data:`ORDER`."""
    pending = sorted((r for r in findings.results if r.status == "pending"), key=severity_key)
    return bounded(pending, limit)


@dataclass
class PassingStore:
    """One store's passing results, each with the numbers of the evidence that decided it;
    the evidence is listed once per store (results of a store share most of it)."""

    resource: Any
    results: list[tuple[Result, str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def evidence_value(value: object) -> str:
    """An evidence field as text: lists joined, maps as compact JSON, None as "none"."""
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(evidence_value(v) for v in value) or "[] (none)"
    if isinstance(value, dict):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)


def request_ids(joined: str) -> str:
    """The request id(s) of an evidence item for print: the first, and how many more
    (findings.json holds every one)."""
    ids = joined.split(", ")
    more = f" (+{len(ids) - 1} more in findings.json)" if len(ids) > 1 else ""
    return f"request {ids[0]}{more}"


class EvidenceHtml:
    """A result's evidence as the report lists it: at most ``limit`` items, how many
    more findings.json holds, and when they were collected. Python rather than a
    template macro: a 10,000-store report lists it some 50,000 times, and a macro call
    cost more than the rest of the page. Each item's line is made once per report: the
    results of a store share its items (findings v3), so most lines repeat."""

    def __init__(self) -> None:
        #: an item's id → the item (kept, so that the id stays its own) and its line
        self._lines: dict[int, tuple[dict[str, Any], str]] = {}

    def __call__(self, items: list[dict[str, Any]] | None, limit: int, collected: str) -> Markup:
        shown = items or []
        parts = ['<ul class="evidence">', *map(self._line, shown[:limit])]
        if len(shown) > limit:
            parts.append(f"<li>… {len(shown) - limit} more in findings.json</li>")
        parts.append(f"<li>collected {_html(collected)}</li></ul>")
        return Markup("".join(parts))

    def _line(self, item: dict[str, Any]) -> str:
        made = self._lines.get(id(item))
        if made is None:
            made = self._lines[id(item)] = (item, _evidence_line(item))
        return made[1]


def _evidence_line(item: dict[str, Any]) -> str:
    # escaping and showing controls go character by character: once for the line
    return f"<li><code>{_html(item.get('operation'))}</code>{_html(_after_operation(item))}</li>"


def _html(value: object) -> str:
    """One value as the report template prints ``{{ value }}``: finalized, then escaped."""
    return str(escape(for_html(value)))


def evidence_text(item: dict[str, Any]) -> str:
    """One evidence item as a line: operation (region) · request id: field=value; …"""
    return f"{item.get('operation')}{_after_operation(item)}"


def _after_operation(item: dict[str, Any]) -> str:
    """What an evidence line says after its operation: `` (region) · request id: fields``."""
    tail = f" ({item['region']})" if item.get("region") else ""
    if item.get("request_id"):
        tail += f" · {request_ids(str(item['request_id']))}"
    return f"{tail}: {_fields_text(item)}"


def _fields_text(item: dict[str, Any]) -> str:
    """An evidence item's fields as ``name=value; …``."""
    return "; ".join(f"{k}={evidence_value(v)}" for k, v in item.get("fields", {}).items())


def passing_stores(findings: Findings, limit: int | None) -> tuple[list[PassingStore], int]:
    """Passing results by store (in store order), with numbered evidence; with ``limit``,
    only the first ``limit`` results are kept and the rest counted."""
    stores: dict[str, PassingStore] = {}
    numbers: dict[str, dict[bytes, int]] = {}
    encoded = EncodedItems()  # a store's results share its item objects (findings v3)
    passing = [r for r in findings.results if r.status == "pass"]
    for result in passing if limit is None else passing[:limit]:
        store = stores.setdefault(result.resource.id, PassingStore(result.resource))
        seen = numbers.setdefault(result.resource.id, {})
        refs = []
        for item in result.evidence or []:
            content = encoded(item)
            if content not in seen:
                store.evidence.append(evidence_text(item))
                seen[content] = len(store.evidence)
            refs.append(seen[content])
        store.results.append((result, ", ".join(map(str, refs))))
    return list(stores.values()), len(passing) - sum(len(s.results) for s in stores.values())


def not_assessed_rows(findings: Findings, limit: int | None) -> tuple[list[dict[str, Any]], int]:
    """Results that could not be decided, with the cause and — for a denial only — the
    permission that lets the next scan decide them."""
    rows = []
    unassessed = (r for r in findings.results if r.status == "not_assessed")
    for result in sorted(unassessed, key=severity_key):
        gaps = [e for e in result.evidence or [] if "gap" in e.get("fields", {})]
        fields = [g["fields"] for g in gaps]
        rows.append(
            {
                "result": result,
                "permissions": sorted(
                    {
                        str(f["permission"])
                        for f in fields
                        if f.get("permission") and f.get("cause", "denied") == "denied"
                    }
                ),
                "causes": sorted({str(f.get("cause")) for f in fields if f.get("cause")}),
                "operations": sorted({str(g.get("operation")) for g in gaps}),
            }
        )
    return bounded(rows, limit)


def defaults_rows(findings: Findings) -> dict[str, list[str]]:
    """``tier`` / ``classification`` → names of the stores that took the policy's value
    for a missing tag."""
    names = {r.resource.id: r.resource.name for r in findings.results}
    return {what: [names.get(i, i) for i in ids] for what, ids in findings.defaults.items()}


@dataclass(frozen=True)
class InventoryRow:
    """What the inventory appendix prints of a store the inventory holds: kept instead of
    the inventory itself (an estate's is hundreds of megabytes in memory)."""

    id: str
    name: str
    kind: str
    region: str
    summary: dict[str, Any]

    @classmethod
    def of(cls, store: DataStore) -> InventoryRow:
        """The row of ``store``: protections, newest point, copies and gaps."""
        return cls(store.id, store.name, store.kind, store.region, _summary(store))


@dataclass
class StoreRow:
    """One store of the inventory appendix."""

    resource: Any
    owner: str | None
    #: whether the inventory was given (then ``summary`` says what it holds)
    listed: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


def store_rows(findings: Findings, inventory: list[InventoryRow] | None) -> list[StoreRow]:
    """Every store: from the inventory when given (protections, points, copies), else the
    stores the findings name."""
    owners = {r.resource.id: r.resource.owner for r in findings.results}
    if inventory is None:
        seen: dict[str, StoreRow] = {}
        for result in findings.results:
            if result.resource.kind != "estate":
                seen.setdefault(
                    result.resource.id, StoreRow(result.resource, result.resource.owner)
                )
        return list(seen.values())
    return [StoreRow(row, owners.get(row.id), True, row.summary) for row in inventory]


def _summary(store: DataStore) -> dict[str, Any]:
    points = store.recovery_points
    return {
        "protections": [f"{p.name}{'' if p.enabled else ' (off)'}" for p in store.protections],
        "newest": points.newest.isoformat() if points.newest else None,
        "points": points.count,
        "copies": copies_seen(store),
        "gaps": len(store.gaps),
    }
