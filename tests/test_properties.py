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
            "state": st.just("configured"),
            "source": st.just("plan"),
        }
    ),
    max_size=3,
)
stores = st.fixed_dictionaries(
    {
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
                            "kind": st.sampled_from(["native_backup", "manual"]),
                            "source": st.just("snapshots"),
                            "count": st.just(1),
                            "encrypted": st.booleans(),
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
        }
    )
    (result,) = list(Evaluator(PACK, POLICY, CASE_NOW).run(snapshot))
    return {r["rule"]: r["status"] for r in result.results}


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


@settings(max_examples=50, deadline=None)
@given(
    stores,
    st.sampled_from(GAP_ATTRIBUTES),
)
def test_a_gap_on_a_required_attribute_is_never_a_pass(
    store: dict[str, Any], attribute: str
) -> None:
    gapped = merge(
        store,
        {"gaps": [GAP | {"attribute": attribute}]},
    )
    result = verdicts(gapped)
    for rule in PACK.rules:
        if attribute in rule.spec.requires and rule.when_reads_store:
            # Its condition reads the store: with the data incomplete, even "does not apply"
            # cannot be decided.
            assert result[rule.id] == "not_assessed", rule.id
        elif attribute in rule.spec.requires:
            assert result[rule.id] in ("not_assessed", "not_applicable"), rule.id


@settings(max_examples=30, deadline=None)
@given(stores)
def test_same_inputs_same_results(store: dict[str, Any]) -> None:
    assert verdicts(store) == verdicts(store)
