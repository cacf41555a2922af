"""Running the cases written beside each rule: a tiny store and its expected outcome.

Each case's store is merged over a base store (a DynamoDB table in eu-west-1 with no
protections), evaluated with the real engine under ``rules/cases/policy.yaml`` at
:data:`CASE_NOW`, together with its ``peers`` (for rules that look across stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scanner import __version__
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import Case, Rule, RulePack, builtin_rules_dir
from scanner.fileio import read_yaml
from scanner.model import Scope, Snapshot
from scanner.policy import Policy

CASE_NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
BASE_STORE: dict[str, Any] = {
    "id": "arn:aws:dynamodb:eu-west-1:111122223333:table/case",
    "cloud": "aws",
    "account": "111122223333",
    "region": "eu-west-1",
    "kind": "aws.dynamodb.table",
    "name": "case",
    "tags": {},
    "deletion_protection": False,
    "encryption": {"enabled": True, "key_type": "provider_owned"},
}


@dataclass(frozen=True)
class CaseOutcome:
    """What a case expected and what the engine said."""

    rule: str
    case: str
    expected: str
    actual: str
    message: str

    @property
    def ok(self) -> bool:
        """Whether the engine agreed with the case."""
        return self.expected == self.actual


def case_policy() -> dict[str, Any]:
    """The policy cases are evaluated under, as data (cases may patch it)."""
    _, data = read_yaml(builtin_rules_dir() / "cases" / "policy.yaml")
    return dict(data)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` over ``base``: dicts merge, everything else replaces."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def run_case(pack: RulePack, rule: Rule, case: Case, policy_data: dict[str, Any]) -> CaseOutcome:
    """Evaluate one case with the real engine."""
    policy = Policy.model_validate(merge(policy_data, case.policy))
    stores = [merge(BASE_STORE, case.store)]
    for index, peer in enumerate(case.peers):
        stores.append(
            merge(
                BASE_STORE, {"id": f"{BASE_STORE['id']}-peer{index}", "name": f"peer{index}"} | peer
            )
        )
    snapshot = Snapshot.model_validate(
        {
            "schema": "backup-audit/inventory/v1",
            "tool_version": __version__,
            "collected_at": CASE_NOW,
            "scope": Scope(clouds=["aws"], accounts=["111122223333"], regions=["eu-west-1"]),
            "stores": stores,
        }
    )
    single = RulePack((rule,), pack.catalogs, pack.sha256, pack.directories)
    first = next(Evaluator(single, policy, CASE_NOW).run(snapshot))
    result = first.results[0]
    return CaseOutcome(rule.id, case.name, case.expect, result["status"], result["message"])


def run_cases(pack: RulePack) -> list[CaseOutcome]:
    """Every case of every rule in the pack."""
    policy = case_policy()
    return [run_case(pack, rule, case, policy) for rule in pack.rules for case in rule.spec.cases]
