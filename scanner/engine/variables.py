"""What a rule's CEL expression reads for one store, with every unknown made explicit.

A gap never becomes a default. Scalar facts that could not be read are absent (the
collector left them ``None``), so reading them makes an expression undecidable. A list
that may be incomplete (protections, copies, recovery sources) gets one *unknown element*
per gap — a map without the fields the rule reads — so CEL decides exactly what the
known elements decide: ``exists`` is true if a known element satisfies it, ``all`` false
if a known element violates it, and undecidable otherwise. A protections gap that names
a role yields an unknown element of that role only, so rules that never count that role
are unaffected. ``complete`` names the attributes without any gap, for rules whose
verdict in one direction needs the whole picture (an old newest point is a failure only
if no source of points is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from scanner.model import AccountFacts, DataStore
from scanner.vocabulary import BACKUP_ROLES, GAP_ATTRIBUTES

#: What rules do not judge: the evidence of each fact (the API answers that showed it),
#: which results carry instead. Left out of ``store``, it is not converted for CEL on
#: every store — more than a third of a collected store's facts.
NOT_JUDGED: Final[Mapping[str, Any]] = {
    "evidence": True,
    "encryption": {"evidence": True},
    "recovery_points": {"evidence": True, "sources": {"__all__": {"evidence"}}},
    **{name: {"__all__": {"evidence"}} for name in ("protections", "copies", "restores")},
    "backup_jobs": {"__all__": {"evidence"}},
}


def store_variables(store: DataStore) -> tuple[dict[str, Any], dict[str, bool]]:
    """The store as CEL reads it (its facts, not their evidence), and ``complete``
    (attribute → True when gap-free)."""
    data = store.model_dump(mode="json", exclude_none=True, exclude=dict(NOT_JUDGED))
    gapped = {g.attribute for g in store.gaps}
    unknown_roles = {g.role for g in store.gaps if g.attribute == "protections"}
    for role in sorted(unknown_roles, key=lambda r: r or ""):
        data.setdefault("protections", []).append({"role": role} if role else {})
    if "copies" in gapped:
        data.setdefault("copies", []).append({})
    if "recovery_points" in gapped:
        points = data.setdefault("recovery_points", {})
        points.setdefault("sources", []).append({})
    complete = {name: True for name in GAP_ATTRIBUTES if name not in gapped}
    return data, complete


def backups(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The enabled protections whose role makes a restorable backup — the one place that
    decides it; an unknown protection (of a backup role, or of no known role) stays in as
    unknown."""
    return [
        p
        for p in data.get("protections", [])
        if p.get("enabled", True) and p.get("role", BACKUP_ROLES[0]) in BACKUP_ROLES
    ]


def account_variables(account: AccountFacts) -> dict[str, Any]:
    """The account as CEL reads it: its facts, not their evidence (as for ``store``)."""
    facts: dict[str, Any] = _without_evidence(account.model_dump(mode="json", exclude_none=True))
    return facts


def _without_evidence(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_evidence(v) for k, v in value.items() if k != "evidence"}
    if isinstance(value, list):
        return [_without_evidence(v) for v in value]
    return value
