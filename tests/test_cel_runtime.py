"""CEL expressions through cel-cpp: a boolean is a verdict; anything else is undecidable,
with the reason."""

from __future__ import annotations

import pytest

from scanner.engine.cel_runtime import Expression, Outcome, context

UNDECIDED = "cannot be decided"
VARIABLES = {"store": {"age": 30, "name": "t"}, "policy": {"rpo": 24}, "account": {}, "derived": {}}


@pytest.mark.parametrize(
    ("source", "outcome"),
    [
        ("store.age > policy.rpo", Outcome(True)),
        ("store.age < policy.rpo", Outcome(False)),
        ("store.age < policy.rpo && store.absent", Outcome(False)),  # false && error
        ("store.age > policy.rpo || store.absent", Outcome(True)),  # true || error
        ("store.absent > 1", Outcome(None, "missing attribute absent")),
        ("store.age", Outcome(None, "expression gave int, not a boolean")),
        ("store.name", Outcome(None, "expression gave string, not a boolean")),
        ("store.age / 0 == 1", Outcome(None, f"{UNDECIDED}: INVALID_ARGUMENT: divide by zero")),
    ],
)
def test_an_expression_is_a_verdict_only_when_it_gives_a_boolean(
    source: str, outcome: Outcome
) -> None:
    assert Expression(source).evaluate(context(VARIABLES)) == outcome
