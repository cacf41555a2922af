"""Property tests of the three-valued logic and of determinism.

Forgetting a fact (a copy's region, a retention, a vault's lock, a key type …) or
adding a gap may only turn a verdict into not_assessed — never into a pass and never into
a different decided outcome. And the same inputs always give the same results.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.cases import CASE_NOW, base_store, case_policy, merge
from scanner.engine.evaluate import Evaluator
from scanner.engine.rules import load_pack
from scanner.model import Snapshot
from scanner.policy import Policy

PACK = load_pack()
POLICY = Policy.model_validate(case_policy())
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1"]
ROLES = ["backup", "continuous", "versioning", "replication", "soft_delete", "retention_lock"]

GAP_ATTRIBUTES = [
    "protections",
    "copies",
    "recovery_points",
    "encryption",
    "encryption_key",
    "deletion_protection",
    "location",
]
VAULTS = [
    {
        "id": "v-locked",
        "name": "l",
        "region": "eu-west-1",
        "account": "111122223333",
        "immutability": {"state": "locked"},
        "key_type": "customer_managed",
    },
    {
        "id": "v-open",
        "name": "o",
        "region": "eu-west-1",
        "account": "111122223333",
        "immutability": {"state": "unlocked"},
        "key_type": "provider_owned",
    },
]
GAP = {"operation": "x:Y", "error_code": "AccessDenied", "cause": "denied", "message": "m"}

protections = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(ROLES),
            "origin": st.sampled_from(["native", "backup_service"]),
            "source": st.just("mechanism"),
            "name": st.sampled_from("abc"),
            "enabled": st.booleans(),
            "frequency_hours": st.sampled_from([1.0, 24.0, 168.0]),
            "retention_days": st.sampled_from([1.0, 35.0, 400.0, 3000.0]),
            "immutable": st.booleans(),
            "window": st.fixed_dictionaries(
                {"start": st.sampled_from(["02:00", "12:00"]), "duration_minutes": st.just(30)}
            ),
        }
    ),
    max_size=3,
)
copies = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.just("backup_copy"),
            "target": st.sampled_from(["v1", "v2", "v3"]),
            "region": st.sampled_from(REGIONS),
            "account": st.sampled_from(["111122223333", "999988887777"]),
            "resolved": st.just(True),
            "state": st.sampled_from(["configured", "observed"]),
            "source": st.just("plan"),
        }
    ),
    max_size=3,
)
stores = st.fixed_dictionaries(
    {
        "created_at": st.sampled_from(["2025-01-01T00:00:00Z", "2026-01-01T11:00:00Z"]),
        "tags": st.fixed_dictionaries(
            {
                "backup-tier": st.sampled_from(["critical", "standard"]),
                "data-classification": st.sampled_from(["phi", "financial-pii", "internal"]),
                "data-residency": st.just("eu"),
            }
        ),
        "deletion_protection": st.booleans(),
        "encryption": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "key_type": st.sampled_from(["provider_owned", "customer_managed"]),
            }
        ),
        "protections": protections,
        "copies": copies,
        "recovery_points": st.fixed_dictionaries(
            {
                "newest": st.sampled_from(["2026-01-01T11:30:00Z", "2025-12-25T00:00:00Z"]),
                "oldest": st.sampled_from(["2025-01-01T00:00:00Z", "2025-12-20T00:00:00Z"]),
                "count": st.integers(1, 30),
                "max_gap_hours": st.sampled_from([0.5, 24.0, 72.0]),
                "sources": st.lists(
                    st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from(["native_backup", "manual", "backup_service"]),
                            "source": st.just("snapshots"),
                            "count": st.just(1),
                            "points": st.sampled_from(
                                [
                                    ["2025-12-25T00:00:00Z"],
                                    ["2025-12-31T00:00:00Z", "2026-01-01T11:30:00Z"],
                                ]
                            ),
                            "vaults": st.sampled_from([[], ["v-locked"], ["v-open"]]),
                            "encrypted": st.booleans(),
                            "key_type": st.sampled_from(["provider_owned", "customer_managed"]),
                        }
                    ),
                    min_size=1,
                    max_size=2,
                ),
            }
        ),
    }
)


def verdicts(store: dict[str, Any]) -> dict[str, str]:
    snapshot = Snapshot.model_validate(
        {
            "schema": "backup-audit/inventory/v2",
            "tool_version": "0",
            "collected_at": CASE_NOW,
            "scope": {"clouds": ["aws"], "accounts": ["111122223333"], "regions": REGIONS},
            "stores": [merge(base_store("aws.dynamodb.table"), store)],
            "accounts": [{"cloud": "aws", "account": "111122223333", "vaults": VAULTS}],
        }
    )
    evaluator = Evaluator(PACK, POLICY, CASE_NOW)
    (result,) = list(evaluator.run(snapshot))
    estate = {f"{r['rule']} {r['resource']['id']}": r["status"] for r in evaluator.estate_results}
    return {r["rule"]: r["status"] for r in result.results} | estate


def forget(store: dict[str, Any], what: int, index: int) -> dict[str, Any]:
    """The same store with one fact made unknown."""
    changed = merge(store, {})
    items = {0: "copies", 1: "protections", 2: "protections", 3: "protections"}
    if what in items and changed[items[what]]:
        element = dict(changed[items[what]][index % len(changed[items[what]])])
        if what == 0:
            element.update(region=None, resolved=False)
        elif what == 1:
            element["immutable"] = None
        elif what == 2:
            element.update(retention_days=None, retention_unbounded=False)
        else:
            element["frequency_hours"] = None
        changed[items[what]] = [*changed[items[what]]]
        changed[items[what]][index % len(changed[items[what]])] = element
    elif what == 4:
        changed["encryption"] = dict(changed["encryption"], key_type=None)
    elif what == 5:
        changed["recovery_points"] = merge(changed["recovery_points"], {})
        changed["recovery_points"]["sources"] = [
            dict(s, encrypted=None) for s in changed["recovery_points"]["sources"]
        ]
    elif what == 6:
        changed["regions"] = None
        changed["gaps"] = [GAP | {"attribute": "location"}]
    else:
        attribute = GAP_ATTRIBUTES[what % len(GAP_ATTRIBUTES)]
        changed["gaps"] = [GAP | {"attribute": attribute}]
    return changed


@settings(max_examples=400, deadline=None, derandomize=True)
@given(stores, st.integers(0, 13), st.integers(0, 5))
def test_forgetting_a_fact_never_decides_differently(
    store: dict[str, Any], what: int, index: int
) -> None:
    before, after = verdicts(store), verdicts(forget(store, what, index))
    for rule, status in before.items():
        assert after[rule] in (status, "not_assessed"), f"{rule}: {status} became {after[rule]}"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(stores, st.sampled_from(GAP_ATTRIBUTES), st.sampled_from([None, *ROLES]))
def test_adding_a_gap_never_turns_a_verdict_into_another_decided_one(
    store: dict[str, Any], attribute: str, role: str | None
) -> None:
    """A gap (on any attribute; on protections possibly of one role) may only make a
    verdict not_assessed: never a fail into a pass, never pass ↔ fail ↔ pending."""
    gap = GAP | {"attribute": attribute} | ({"role": role} if attribute == "protections" else {})
    before, after = verdicts(store), verdicts(merge(store, {"gaps": [gap]}))
    for rule, status in before.items():
        assert after[rule] in (status, "not_assessed"), f"{rule}: {status} became {after[rule]}"


@settings(max_examples=30, deadline=None)
@given(stores)
def test_same_inputs_same_results(store: dict[str, Any]) -> None:
    assert verdicts(store) == verdicts(store)
