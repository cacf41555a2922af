"""Deciding whether an AWS Backup selection covers a resource, the way AWS does.

A selection covers a resource in the plan's region when
``(Resources matches OR ListOfTags matches) AND every Condition holds AND NOT
NotResources matches``. Wildcards ``*`` and ``?`` are allowed in ARNs and ``StringLike``
values. When the answer depends on tags that could not be read, the result is ``None``
(unknown) — never a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

TAG_KEY_PREFIX = "aws:ResourceTag/"


@lru_cache(maxsize=4096)
def _pattern(glob: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts), re.DOTALL)


def glob_match(glob: str, value: str) -> bool:
    """IAM-style wildcard match (case-sensitive)."""
    return _pattern(glob).fullmatch(value) is not None


def _any_arn(patterns: list[str], arn: str) -> bool:
    return any(glob_match(p, arn) for p in patterns)


def _condition(kind: str, tags: dict[str, str], key: str, value: str) -> bool:
    actual = tags.get(key.removeprefix(TAG_KEY_PREFIX))
    if kind == "StringEquals":
        return actual == value
    if kind == "StringNotEquals":
        return actual != value
    if kind == "StringLike":
        return actual is not None and glob_match(value, actual)
    if kind == "StringNotLike":
        return actual is None or not glob_match(value, actual)
    raise ValueError(f"unknown selection condition {kind}")


def covers(selection: dict[str, Any], arn: str, tags: dict[str, str] | None) -> bool | None:
    """Whether ``selection`` (a GetBackupSelection ``BackupSelection``) covers ``arn``.

    ``tags`` is None when the resource's tags are unknown; then any answer that depends
    on tags is None.
    """
    if _any_arn(selection.get("NotResources") or [], arn):
        return False
    by_arn = _any_arn(selection.get("Resources") or [], arn)
    tag_terms = selection.get("ListOfTags") or []
    conditions = [
        (kind, c["ConditionKey"], c["ConditionValue"])
        for kind, items in (selection.get("Conditions") or {}).items()
        for c in items or []
    ]
    if not by_arn and not tag_terms:
        return False
    if tags is None and ((tag_terms and not by_arn) or conditions):
        return None
    known: dict[str, str] = tags or {}
    by_tag = any(
        _condition("StringEquals", known, t["ConditionKey"], t["ConditionValue"]) for t in tag_terms
    )
    if not (by_arn or by_tag):
        return False
    return all(_condition(kind, known, key, value) for kind, key, value in conditions)
