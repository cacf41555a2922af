"""The one-screen summary printed after a collection: stores per kind and region, gaps."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from scanner.model import Snapshot


def _accounts(snapshot: Snapshot) -> str:
    accounts = snapshot.scope.accounts
    if len(accounts) <= 3:
        return f"account(s) {', '.join(accounts)}"
    return f"{len(accounts)} accounts"


def store_table(snapshot: Snapshot) -> Table:
    """Stores per kind and region, with how many carry gaps and have no recovery point."""
    table = Table(title=f"Inventory — {_accounts(snapshot)}", title_justify="left")
    for column in ("kind", "region", "stores", "with gaps", "no recovery point"):
        table.add_column(column, justify="left" if column in ("kind", "region") else "right")
    rows: Counter[tuple[str, str]] = Counter()
    gapped: Counter[tuple[str, str]] = Counter()
    unrecoverable: Counter[tuple[str, str]] = Counter()
    for store in snapshot.stores:
        key = (store.kind, store.region)
        rows[key] += 1
        gapped[key] += bool(store.gaps)
        unrecoverable[key] += store.recovery_points.newest is None
    for key in sorted(rows):
        table.add_row(*key, str(rows[key]), str(gapped[key]), str(unrecoverable[key]))
    return table


def gap_table(snapshot: Snapshot) -> Table | None:
    """Gaps grouped by operation, error and cause; the permission to grant where access
    was denied (other causes are not fixed by a grant)."""
    gaps = [g for s in snapshot.stores for g in s.gaps] + [
        g for a in snapshot.accounts for g in a.gaps
    ]
    if not gaps:
        return None
    table = Table(title="Gaps (unknown, never compliant)", title_justify="left")
    for column in ("operation", "error", "cause", "permission to grant", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    counts = Counter(
        (g.operation, g.error_code, g.cause, (g.permission or "-") if g.cause == "denied" else "-")
        for g in gaps
    )
    for (operation, code, cause, permission), count in sorted(counts.items()):
        table.add_row(operation, code, cause.replace("_", " "), permission, str(count))
    return table


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
        table.add_row(name, str(ratio["covered"]), str(ratio["in_scope"]), value)

    row("overall", coverage["overall"])
    for group in ("by_framework", "by_tier"):
        for name, ratio in coverage[group].items():
            row(f"{group.removeprefix('by_')} {name}", ratio)
    console.print(table)
    console.print("results: " + ", ".join(f"{k} {v}" for k, v in coverage["by_status"].items()))
    for exception in exceptions:
        if exception["state"] == "expired":
            console.print(
                f"[yellow]expired exception[/yellow] {exception['resource']} "
                f"({', '.join(exception['rules'])}) expired {exception['expires']}: "
                "no longer applied"
            )
