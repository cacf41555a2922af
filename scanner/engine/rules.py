"""Rule packs: loading and validating rule files before anything is evaluated.

A rule file holds ``rules: [...]``; each rule has an id, title, severity, rationale,
``applies_to`` (kinds, capabilities, frameworks, a CEL ``when``), ``requires`` (store
attributes whose gaps make it undecidable), a CEL ``expression``, a message, remediation
per cloud, citations (framework → requirement ids) and ``cases`` (tiny stores of a named
kind with the expected outcome). Any problem — schema, CEL syntax, an unknown citation,
field path or store kind, a duplicate id — stops the load with the file and line.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.collectors.registry import store_kinds
from scanner.engine.catalog import Framework, load_catalogs
from scanner.engine.cel_runtime import CelCompileError, Expression
from scanner.engine.facts import Derived, ResolvedPolicy
from scanner.engine.paths import unknown_paths
from scanner.errors import InputFileError
from scanner.fileio import line_of, read_yaml, validation_error
from scanner.model import AccountFacts, DataStore
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
    Capability,
    Cloud,
    GapAttribute,
    Severity,
    Status,
)

ROOTS: dict[str, type[BaseModel]] = {
    "store": DataStore,
    "policy": ResolvedPolicy,
    "account": AccountFacts,
    "derived": Derived,
}
_READS_STORE = re.compile(r"\b(store|derived)\.")
_PLACEHOLDER = re.compile(r"\{([a-z_][\w.]*)(?:\|([^}]*))?\}")
_LITERAL = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
_KIND_SHAPE = re.compile(rf"^(?:{'|'.join(CLOUDS)})\.[a-z0-9]+\.[a-z0-9_]+$")
_COMPARED = re.compile(
    r"\.(?P<field>role|origin|kind|state|key_type|cause|attribute)\s*"
    r"(?:==|!=|\s+in\s+)\s*(?P<value>'[^']*'|\"[^\"]*\"|\[[^\]]*\])"
)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppliesTo(_Spec):
    """Which stores a rule is about; anything else is not_applicable."""

    kinds: list[str] = Field(default_factory=list, description="Store kinds; empty = all")
    capabilities: list[Capability] = Field(
        default_factory=list, description="The store's kind must have all of these"
    )
    frameworks: list[str] = Field(default_factory=list, description="In scope of all of these")
    when: str | None = Field(None, description="CEL condition; false = not_applicable")


class Case(_Spec):
    """A tiny store (merged over a base store of ``kind``) and the rule's expected outcome."""

    name: str
    kind: str = Field(description="The store kind whose base store the case starts from")
    store: dict[str, Any] = Field(default_factory=dict)
    peers: list[dict[str, Any]] = Field(default_factory=list)
    policy: dict[str, Any] = Field(default_factory=dict, description="Merged over the case policy")
    expect: Status


class Messages(_Spec):
    """What a result says when the rule passes and when it fails; ``{path}`` placeholders."""

    pass_: str = Field(alias="pass")
    fail: str


class RuleSpec(_Spec):
    """A rule as written in a rule file."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]+$")
    title: str
    severity: Severity
    rationale: str
    applies_to: AppliesTo = Field(default_factory=lambda: AppliesTo())
    requires: list[GapAttribute] = Field(default_factory=list)
    expression: str
    message: Messages
    remediation: dict[Cloud, str]
    citations: dict[str, list[str]]
    cases: list[Case] = Field(default_factory=list)


class RuleFile(_Spec):
    """A rule file: a list of rules."""

    rules: list[RuleSpec]


@dataclass(frozen=True)
class Rule:
    """A validated rule with its compiled expressions and message templates."""

    spec: RuleSpec
    expression: Expression
    when: Expression | None
    source: str
    pass_message: Template
    fail_message: Template

    @property
    def when_reads_store(self) -> bool:
        """Whether the applicability condition looks at the store's data (not only policy)."""
        return self.when is not None and _READS_STORE.search(self.when.source) is not None

    @property
    def id(self) -> str:
        """The rule id."""
        return self.spec.id


@dataclass(frozen=True)
class RulePack:
    """All rules and catalogs in use, and the SHA-256 that identifies them."""

    rules: tuple[Rule, ...]
    catalogs: dict[str, Framework]
    sha256: str
    directories: tuple[Path, ...]

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id."""
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_rules_dir() -> Path:
    """The rule directory shipped with backup-audit (``rules/``)."""
    return Path(str(files("scanner.rules")))


def load_pack(extra: list[Path] | None = None) -> RulePack:
    """The built-in rules plus any organisation rule directories, all validated."""
    directories = [builtin_rules_dir(), *(extra or [])]
    for directory in directories:
        if not directory.is_dir():
            raise InputFileError(directory, "rule directory does not exist")
    catalogs = load_catalogs(directories)
    rules: dict[str, Rule] = {}
    digest = hashlib.sha256()
    for index, directory in enumerate(directories):
        for path in sorted(directory.glob("*.yaml")):
            digest.update(f"{index}/{path.name}\0".encode() + path.read_bytes())
            text, loaded = _load_file(path, catalogs)
            for position, rule in enumerate(loaded):
                if rule.id in rules:
                    where = line_of(text, ["rules", position, "id"])
                    defined = rules[rule.id].source
                    raise InputFileError(
                        path, f"rule id {rule.id} is already defined in {defined}", where
                    )
                rules[rule.id] = rule
        for path in sorted((directory / "frameworks").glob("*.yaml")):
            digest.update(f"{index}/frameworks/{path.name}\0".encode() + path.read_bytes())
    return RulePack(
        tuple(rules[k] for k in sorted(rules)), catalogs, digest.hexdigest(), tuple(directories)
    )


def _load_file(path: Path, catalogs: dict[str, Framework]) -> tuple[str, list[Rule]]:
    text, data = read_yaml(path)
    try:
        specs = RuleFile.model_validate(data).rules
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None
    return text, [_validate(path, text, index, spec, catalogs) for index, spec in enumerate(specs)]


class _RuleProblem(Exception):
    """A problem in one field of a rule; turned into an InputFileError with its line."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


def _validate(
    path: Path, text: str, index: int, spec: RuleSpec, catalogs: dict[str, Framework]
) -> Rule:
    try:
        compiled = _compile(spec)
        _check_citations(spec, catalogs)
        _check_kinds(spec)
    except _RuleProblem as exc:
        where = line_of(text, ["rules", index, exc.field])
        raise InputFileError(path, f"rule {spec.id}: {exc.problem}", where) from None
    return Rule(
        spec,
        compiled["expression"],
        compiled.get("applies_to"),
        path.name,
        Template(spec.message.pass_),
        Template(spec.message.fail),
    )


def _compile(spec: RuleSpec) -> dict[str, Expression]:
    """Compile the expressions and check every field path, also in the messages."""
    compiled: dict[str, Expression] = {}
    for field, source in (("expression", spec.expression), ("applies_to", spec.applies_to.when)):
        if source is None:
            continue
        try:
            compiled[field] = Expression(source)
        except CelCompileError as exc:
            raise _RuleProblem(field, f"CEL does not compile: {exc}") from None
        bad = unknown_paths(source, ROOTS)
        if bad:
            raise _RuleProblem(
                field, f"unknown field path {', '.join(bad)} (see `backup-audit schema inventory`)"
            )
    messages = spec.message.pass_ + " " + spec.message.fail
    bad = unknown_paths(" ".join(p for p, _ in _PLACEHOLDER.findall(messages)), ROOTS)
    if bad:
        raise _RuleProblem("message", f"unknown field path {', '.join(bad)} in message")
    return compiled


def _check_citations(spec: RuleSpec, catalogs: dict[str, Framework]) -> None:
    """Every cited framework and requirement exists in the catalogs."""
    for framework, ids in spec.citations.items():
        catalog = catalogs.get(framework)
        if catalog is None:
            raise _RuleProblem("citations", f"cites unknown framework {framework!r}")
        missing = [i for i in ids if catalog.requirement(i) is None]
        if missing:
            raise _RuleProblem(
                "citations",
                f"cites {framework} requirement(s) not in the catalog: {', '.join(missing)}",
            )
    for framework in spec.applies_to.frameworks:
        if framework not in catalogs:
            raise _RuleProblem("applies_to", f"applies to unknown framework {framework!r}")


def _check_kinds(spec: RuleSpec) -> None:
    """Every store kind the rule names — in ``applies_to``, its cases, or as a literal in
    its expressions — is a registered kind, and every word compared with a vocabulary
    field (``p.role == 'backup'``, ``c.kind in [...]``) is a word of that field: a typo is
    an error, never a silent non-match."""
    known = store_kinds()
    for kind in spec.applies_to.kinds:
        if kind not in known:
            raise _RuleProblem("applies_to", f"unknown store kind {kind!r}{_suggest(kind, known)}")
    for field, source in (("expression", spec.expression), ("applies_to", spec.applies_to.when)):
        for literal in (_literal(m) for m in _LITERAL.finditer(source or "")):
            if _KIND_SHAPE.match(literal) and literal not in known:
                raise _RuleProblem(
                    field, f"unknown store kind {literal!r}{_suggest(literal, known)}"
                )
        _check_compared_words(field, source or "")
    for case in spec.cases:
        if case.kind not in known:
            raise _RuleProblem("cases", f"case {case.name!r}: unknown store kind {case.kind!r}")


def _literal(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _check_compared_words(field: str, source: str) -> None:
    words = _vocabulary_words()
    for match in _COMPARED.finditer(source):
        name = match.group("field")
        for literal in (_literal(m) for m in _LITERAL.finditer(match.group("value"))):
            if literal not in words[name]:
                raise _RuleProblem(
                    field, f"{name} is never {literal!r}{_suggest(literal, words[name])}"
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


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Template:
    """A message with ``{store.name}`` placeholders, parsed once; an absent value reads
    "unknown", or the text after ``|`` (``{derived.newest_age_hours|none}``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[tuple[str, tuple[str, ...], str]] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            fallback = match.group(2) if match.group(2) is not None else "unknown"
            self._parts.append(
                (text[position : match.start()], tuple(match.group(1).split(".")), fallback)
            )
            position = match.end()
        self._tail = text[position:]

    def render(self, variables: dict[str, Any]) -> str:
        """The message for these values."""
        out = []
        for literal, path, fallback in self._parts:
            current: Any = variables
            for part in path:
                current = current.get(part, _ABSENT) if isinstance(current, dict) else _ABSENT
            out.append(literal)
            if current is _ABSENT:
                out.append(fallback)
            else:
                out.append(f"{current:.4g}" if isinstance(current, float) else str(current))
        out.append(self._tail)
        return "".join(out)


_ABSENT = object()
