"""Joining snapshots collected separately (per account, per cloud) into one.

Each input must keep to its own scope, and no two inputs may cover the same account in
the same region (or hold the same store): such overlaps are refused with the two files
named, never resolved by picking one. An account read in disjoint regions by two inputs
is joined into one set of account facts. The result is deterministic; its
``collected_at`` is the latest input's (ages are then never younger than observed) and
``parts`` records every input's time, version and scope.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from scanner import __version__
from scanner.errors import InputError
from scanner.model import AccountFacts, ApiCalls, Scope, Snapshot, SnapshotPart
from scanner.vocabulary import Cloud

Labelled = tuple[str, Snapshot]


def merge_snapshots(inputs: Sequence[Labelled]) -> Snapshot:
    """One snapshot holding every input's stores and accounts (labels name the inputs)."""
    for label, snapshot in inputs:
        _check_inside_scope(label, snapshot)
    for (a_label, a), (b_label, b) in itertools.combinations(inputs, 2):
        _check_disjoint(a_label, a, b_label, b)
    snapshots = [s for _, s in inputs]
    accounts = _join_accounts([f for s in snapshots for f in s.accounts])
    return Snapshot(
        tool_version=__version__,
        collected_at=max(s.collected_at for s in snapshots),
        scope=Scope(
            clouds=sorted({c for s in snapshots for c in s.scope.clouds}),
            accounts=sorted({a for s in snapshots for a in s.scope.accounts}),
            regions=sorted({r for s in snapshots for r in s.scope.regions}),
        ),
        stores=sorted((st for s in snapshots for st in s.stores), key=lambda st: st.id),
        accounts=accounts,
        api_calls=_add_calls(snapshots),
        principals=sorted(
            {p.model_dump_json(): p for s in snapshots for p in s.principals}.values(),
            key=lambda p: (p.cloud, p.account, p.principal),
        ),
        parts=sorted(
            (p for s in snapshots for p in _parts(s)),
            key=lambda p: (p.collected_at, p.scope.model_dump_json()),
        ),
    )


def _check_inside_scope(label: str, snapshot: Snapshot) -> None:
    """Every store and account belongs to the snapshot's own scope."""
    accounts, clouds = set(snapshot.scope.accounts), set(snapshot.scope.clouds)
    owners = [(s.id, s.cloud, s.account) for s in snapshot.stores] + [
        (f"account facts of {a.account}", a.cloud, a.account) for a in snapshot.accounts
    ]
    for what, cloud, account in owners:
        if account not in accounts or cloud not in clouds:
            raise InputError(
                f"{label}: {what} ({cloud} {account}) lies outside the snapshot's "
                f"scope (clouds {sorted(clouds)}, accounts {sorted(accounts)})"
            )


def _check_disjoint(a_label: str, a: Snapshot, b_label: str, b: Snapshot) -> None:
    a_regions = {(f.cloud, f.account): set(f.regions) for f in a.accounts}
    for facts in b.accounts:
        regions = a_regions.get((facts.cloud, facts.account))
        if regions is None:
            continue
        shared = regions & set(facts.regions)
        if shared:
            raise InputError(
                f"{a_label} and {b_label} both cover {facts.cloud} {facts.account} "
                f"({', '.join(sorted(shared))}): merge snapshots of disjoint scopes"
            )
        if not regions or not facts.regions:
            raise InputError(
                f"{a_label} and {b_label} both hold {facts.cloud} {facts.account}, and one of "
                "them could not read it: collect that account again instead of merging"
            )
    duplicated = sorted({s.id for s in a.stores} & {s.id for s in b.stores})
    if duplicated:
        raise InputError(f"{a_label} and {b_label} both hold store {duplicated[0]}")


def _join_accounts(facts: list[AccountFacts]) -> list[AccountFacts]:
    """Account facts per (cloud, account); one account read in disjoint regions is joined."""
    joined: dict[tuple[str, str], AccountFacts] = {}
    for item in facts:
        key = (item.cloud, item.account)
        if key not in joined:
            joined[key] = item.model_copy(deep=True)
            continue
        into = joined[key]
        into.name = into.name or item.name
        into.regions = sorted({*into.regions, *item.regions})
        into.backup_plans = sorted([*into.backup_plans, *item.backup_plans], key=lambda p: p.id)
        into.vaults = sorted([*into.vaults, *item.vaults], key=lambda v: v.id)
        into.audit_trail = into.audit_trail or item.audit_trail
        into.alert_rules = into.alert_rules or item.alert_rules
        into.gaps = sorted([*into.gaps, *item.gaps], key=lambda g: g.model_dump_json())
    return [joined[k] for k in sorted(joined)]


def _add_calls(snapshots: list[Snapshot]) -> list[ApiCalls] | None:
    """Calls per operation summed; unknown when any input does not record them."""
    if any(s.api_calls is None for s in snapshots):
        return None
    totals: dict[tuple[Cloud, str, str], list[int]] = {}
    for call in (c for s in snapshots for c in s.api_calls or []):
        cell = totals.setdefault((call.cloud, call.service, call.operation), [0, 0])
        cell[0] += call.calls
        cell[1] += call.retries
    return [
        ApiCalls(cloud=c, service=s, operation=o, calls=n, retries=r)
        for (c, s, o), (n, r) in sorted(totals.items())
    ]


def _parts(snapshot: Snapshot) -> list[SnapshotPart]:
    if snapshot.parts:
        return list(snapshot.parts)
    return [
        SnapshotPart(
            collected_at=snapshot.collected_at,
            tool_version=snapshot.tool_version,
            scope=snapshot.scope,
        )
    ]
