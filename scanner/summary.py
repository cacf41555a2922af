"""The one-screen summary printed after a collection: stores per kind and region, gaps."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from scanner.model import Snapshot
from scanner.render.inert import for_rich


def _accounts(snapshot: Snapshot) -> str:
    accounts = snapshot.scope.accounts
    if len(accounts) <= 3:
        return f"account(s) {', '.join(accounts)}"
    return f"{len(accounts)} accounts"


def store_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Stores per kind and region, with how many carry gaps and have no recovery point."""
    rows: Counter[tuple[str, str]] = Counter()
    gapped: Counter[tuple[str, str]] = Counter()
    unrecoverable: Counter[tuple[str, str]] = Counter()
    for store in snapshot.stores:
        key = (store.kind, store.region)
        rows[key] += 1
        gapped[key] += bool(store.gaps)
        unrecoverable[key] += store.recovery_points.newest is None
    return [
        {
            "kind": kind,
            "region": region,
            "stores": rows[(kind, region)],
            "with_gaps": gapped[(kind, region)],
            "no_recovery_point": unrecoverable[(kind, region)],
        }
        for kind, region in sorted(rows)
    ]


def gap_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Gaps grouped by operation, error and cause; the permission to grant where access
    was denied (other causes are not fixed by a grant)."""
    gaps = [g for s in snapshot.stores for g in s.gaps] + [
        g for a in snapshot.accounts for g in a.gaps
    ]
    counts = Counter(
        (g.operation, g.error_code, g.cause, (g.permission or "-") if g.cause == "denied" else "-")
        for g in gaps
    )
    return [
        {"operation": o, "error": e, "cause": c, "permission": p, "count": n}
        for (o, e, c, p), n in sorted(counts.items())
    ]


def store_table(snapshot: Snapshot) -> Table:
    """:func:`store_rows` as a table."""
    title = f"Inventory — {for_rich(_accounts(snapshot))}"
    table = Table(title=title, title_justify="left")
    for column in ("kind", "region", "stores", "with gaps", "no recovery point"):
        table.add_column(column, justify="left" if column in ("kind", "region") else "right")
    for row in store_rows(snapshot):
        table.add_row(
            for_rich(row["kind"]),
            for_rich(row["region"]),
            str(row["stores"]),
            str(row["with_gaps"]),
            str(row["no_recovery_point"]),
        )
    return table


def gap_table(snapshot: Snapshot) -> Table | None:
    """:func:`gap_rows` as a table (None when nothing is missing)."""
    rows = gap_rows(snapshot)
    if not rows:
        return None
    table = Table(title="Gaps (unknown, never compliant)", title_justify="left")
    for column in ("operation", "error", "cause", "permission to grant", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for row in rows:
        cells = (row["operation"], row["error"], row["cause"].replace("_", " "), row["permission"])
        table.add_row(*(for_rich(c) for c in cells), str(row["count"]))
    return table


def summary_json(snapshot: Snapshot) -> str:
    """The summary as one JSON document: collection time, scope, stores and gaps."""
    document = {
        "collected_at": snapshot.collected_at.isoformat(),
        "scope": snapshot.scope.model_dump(),
        "stores": store_rows(snapshot),
        "gaps": gap_rows(snapshot),
    }
    return json.dumps(document, indent=2, sort_keys=True)


def print_summary(snapshot: Snapshot, console: Console) -> None:
    """Print the store and gap tables."""
    gaps = gap_table(snapshot)
    console.print(Group(store_table(snapshot), *([gaps] if gaps else [])))
    if not gaps:
        console.print("No gaps: every attribute was read.")


def print_coverage(
    coverage: dict[str, Any], exceptions: list[dict[str, Any]], console: Console
) -> None:
    """Coverage overall and per framework and tier, result counts, expired exceptions."""
    table = Table(
        title="Backup coverage (stores whose applicable rules all pass)", title_justify="left"
    )
    for column in ("scope", "covered", "in scope", "coverage"):
        table.add_column(column, justify="left" if column == "scope" else "right")

    def row(name: str, ratio: dict[str, Any]) -> None:
        value = "n/a" if ratio["ratio"] is None else f"{ratio['ratio']:.1%}"
        table.add_row(for_rich(name), str(ratio["covered"]), str(ratio["in_scope"]), value)

    row("overall", coverage["overall"])
    for group in ("by_framework", "by_tier"):
        for name, ratio in coverage[group].items():
            row(f"{group.removeprefix('by_')} {name}", ratio)
    console.print(table)
    console.print("results: " + ", ".join(f"{k} {v}" for k, v in coverage["by_status"].items()))
    for exception in exceptions:
        if exception["state"] == "expired":
            console.print(
                f"[yellow]expired exception[/yellow] {for_rich(exception['resource'])} "
                f"({for_rich(', '.join(exception['rules']))}) expired {exception['expires']}: "
                "no longer applied"
            )
