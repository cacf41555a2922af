"""AWS Backup selection semantics, including unknown tags (three-valued)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.collectors.aws.selection import covers, glob_match

ARN = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"


def cond(key: str, value: str) -> dict[str, str]:
    return {"ConditionKey": f"aws:ResourceTag/{key}", "ConditionValue": value}


def test_resources_wildcards() -> None:
    assert covers({"Resources": ["*"]}, ARN, {}) is True
    assert covers({"Resources": ["arn:aws:dynamodb:*:*:table/*"]}, ARN, {}) is True
    assert covers({"Resources": ["arn:aws:s3:::*"]}, ARN, {}) is False
    assert covers({"Resources": ["arn:aws:dynamodb:eu-west-1:111122223333:table/order?"]}, ARN, {})


def test_list_of_tags_is_an_or() -> None:
    tags = [
        {"ConditionType": "STRINGEQUALS", "ConditionKey": "a", "ConditionValue": "1"},
        {"ConditionType": "STRINGEQUALS", "ConditionKey": "b", "ConditionValue": "2"},
    ]
    assert covers({"ListOfTags": tags}, ARN, {"b": "2"}) is True
    assert covers({"ListOfTags": tags}, ARN, {"a": "2"}) is False


def test_conditions_are_an_and_over_the_selected_set() -> None:
    selection = {
        "Resources": ["*"],
        "Conditions": {
            "StringEquals": [cond("env", "prod")],
            "StringNotLike": [cond("team", "data-*")],
            "StringLike": [],
            "StringNotEquals": [],
        },
    }
    assert covers(selection, ARN, {"env": "prod", "team": "web"}) is True
    assert covers(selection, ARN, {"env": "prod", "team": "data-lake"}) is False
    assert covers(selection, ARN, {"env": "dev"}) is False
    # Conditions alone select nothing: something must include the resource first.
    assert (
        covers({"Conditions": {"StringEquals": [cond("env", "prod")]}}, ARN, {"env": "prod"})
        is False
    )


def test_not_resources_wins() -> None:
    selection = {"Resources": ["*"], "NotResources": ["arn:aws:dynamodb:*:*:table/ord*"]}
    assert covers(selection, ARN, {}) is False
    assert covers(selection, ARN, None) is False  # decided without tags


def test_unknown_tags_give_unknown_only_when_tags_matter() -> None:
    assert (
        covers(
            {
                "ListOfTags": [
                    {"ConditionType": "STRINGEQUALS", "ConditionKey": "a", "ConditionValue": "1"}
                ]
            },
            ARN,
            None,
        )
        is None
    )
    assert (
        covers({"Resources": ["*"], "Conditions": {"StringEquals": [cond("a", "1")]}}, ARN, None)
        is None
    )
    assert covers({"Resources": ["*"]}, ARN, None) is True
    assert covers({"Resources": ["arn:aws:s3:::*"]}, ARN, None) is False


@given(
    st.dictionaries(st.sampled_from(["a", "b", "env"]), st.sampled_from(["1", "2", "prod"])),
    st.sampled_from(["*", "arn:aws:dynamodb:*:*:table/*", ARN]),
)
def test_not_resources_always_excludes(tags: dict[str, str], pattern: str) -> None:
    selection = {
        "Resources": ["*"],
        "ListOfTags": [
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "a", "ConditionValue": "1"}
        ],
        "NotResources": [pattern],
    }
    assert covers(selection, ARN, tags) is False


@given(st.text(alphabet="ab*?.[", max_size=6), st.text(alphabet="ab.[", max_size=6))
def test_glob_treats_only_star_and_question_mark_as_wildcards(pattern: str, value: str) -> None:
    if "*" not in pattern and "?" not in pattern:
        assert glob_match(pattern, value) == (pattern == value)
