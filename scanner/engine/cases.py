"""Running the cases written beside each rule: a tiny store and its expected outcome.

Each case names a store kind; its ``store`` is merged over the base store of that kind
(built from the kind's registered example id, in its cloud's example account and
region, with no protections and a provider-owned key), and evaluated with the real
engine under ``rules/cases/policy.yaml`` at :data:`CASE_NOW`, together with its
``peers`` (for rules that look across stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scanner import __version__
from scanner.collectors.registry import plugin, store_kinds
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import Case, Rule, RulePack, builtin_rules_dir
from scanner.fileio import read_yaml
from scanner.model import SCHEMA_ID, Snapshot
from scanner.policy import Policy

CASE_NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def base_store(kind_id: str, name: str = "case") -> dict[str, Any]:
    """The base store of a kind: what a case's ``store`` is merged over."""
    kind = store_kinds()[kind_id]
    cloud = plugin(kind.cloud)
    account, region = cloud.example_account, cloud.example_region
    return {
        "id": kind.example_id.format(account=account, region=region, name=name),
        "cloud": kind.cloud,
        "account": account,
        "region": region,
        "regions": [region],
        "kind": kind.id,
        "name": name,
        "tags": {},
        "deletion_protection": False if "deletion_protection" in kind.capabilities else None,
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
    stores = [merge(base_store(case.kind), case.store)]
    for index, peer in enumerate(case.peers):
        stores.append(merge(base_store(case.kind, f"peer{index}"), peer))
    base = stores[0]
    snapshot = Snapshot.model_validate(
        {
            "schema": SCHEMA_ID,
            "tool_version": __version__,
            "collected_at": CASE_NOW,
            "scope": {
                "clouds": [base["cloud"]],
                "accounts": [base["account"]],
                "regions": [base["region"]],
            },
            "stores": stores,
            "accounts": [{"cloud": base["cloud"], "account": base["account"]} | case.account],
        }
    )
    single = RulePack((rule,), pack.catalogs, pack.sha256, pack.directories)
    evaluator = Evaluator(single, policy, CASE_NOW)
    verdicts = list(evaluator.run(snapshot))
    if rule.spec.check is None:
        result = verdicts[0].results[0]
        return CaseOutcome(rule.id, case.name, case.expect, result["status"], result["message"])
    # An estate-wide rule: it fails if any of its findings fails.
    statuses = [r["status"] for r in evaluator.estate_results]
    status = "fail" if "fail" in statuses else statuses[0]
    messages = "; ".join(r["message"] for r in evaluator.estate_results)
    return CaseOutcome(rule.id, case.name, case.expect, status, messages)


def run_cases(pack: RulePack) -> list[CaseOutcome]:
    """Every case of every rule in the pack."""
    policy = case_policy()
    return [run_case(pack, rule, case, policy) for rule in pack.rules for case in rule.spec.cases]
