"""Load-time checks of the words a rule uses: every store kind it names is registered, and
every literal it compares with a vocabulary field is a word of that field — a typo is an
error naming the rule, never a silent non-match."""

from __future__ import annotations

import re
from typing import Any

from scanner.collectors.registry import store_kinds
from scanner.errors import did_you_mean
from scanner.vocabulary import (
    CLOUDS,
    COPY_KINDS,
    COPY_STATES,
    GAP_ATTRIBUTES,
    GAP_CAUSES,
    IMMUTABILITY_STATES,
    KEY_TYPES,
    ORIGINS,
    PROTECTION_ROLES,
    RECOVERY_KINDS,
)

_LITERAL = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
_KIND_SHAPE = re.compile(rf"^(?:{'|'.join(CLOUDS)})\.[a-z0-9]+\.[a-z0-9_]+$")
_COMPARED = re.compile(
    r"\.(?P<field>role|origin|kind|state|key_type|cause|attribute)\s*"
    r"(?:==|!=|\s+in\s+)\s*(?P<value>'[^']*'|\"[^\"]*\"|\[[^\]]*\])"
)


class WordProblem(ValueError):
    """A word the rule uses that the vocabulary does not have; ``field`` is where."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


def check_words(spec: Any) -> None:
    """Every store kind the rule names — in ``applies_to``, its cases, or as a literal in
    its expressions — is a registered kind, and every word compared with a vocabulary
    field (``p.role == 'backup'``, ``c.kind in [...]``) is a word of that field: a typo is
    an error, never a silent non-match."""
    known = store_kinds()
    for kind in spec.applies_to.kinds:
        if kind not in known:
            raise WordProblem(
                "applies_to", f"unknown store kind {kind!r}{did_you_mean(kind, known)}"
            )
    sources = (
        ("expression", spec.expression),
        ("applies_to", spec.applies_to.when),
        ("pending_when", spec.pending_when),
    )
    for field, source in sources:
        for literal in (_literal(m) for m in _LITERAL.finditer(source or "")):
            if _KIND_SHAPE.match(literal) and literal not in known:
                raise WordProblem(
                    field, f"unknown store kind {literal!r}{did_you_mean(literal, known)}"
                )
        _check_compared_words(field, source or "")
    for case in spec.cases:
        if case.kind not in known:
            raise WordProblem("cases", f"case {case.name!r}: unknown store kind {case.kind!r}")


def _literal(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _check_compared_words(field: str, source: str) -> None:
    words = _vocabulary_words()
    for match in _COMPARED.finditer(source):
        name = match.group("field")
        for literal in (_literal(m) for m in _LITERAL.finditer(match.group("value"))):
            if literal not in words[name]:
                raise WordProblem(
                    field, f"{name} is never {literal!r}{did_you_mean(literal, words[name])}"
                )


def _vocabulary_words() -> dict[str, set[str]]:
    """The words each vocabulary field can hold (``kind`` of a store, source or copy)."""
    return {
        "role": set(PROTECTION_ROLES),
        "origin": set(ORIGINS),
        "kind": {*store_kinds(), *RECOVERY_KINDS, *COPY_KINDS},
        "state": {*COPY_STATES, *IMMUTABILITY_STATES},
        "key_type": set(KEY_TYPES),
        "cause": set(GAP_CAUSES),
        "attribute": set(GAP_ATTRIBUTES),
    }
