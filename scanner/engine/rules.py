"""Rule packs: loading and validating rule files before anything is evaluated.

A rule file holds ``rules: [...]``; each rule has an id, title, severity, rationale,
``applies_to`` (kinds, capabilities, frameworks, a CEL ``when``), ``requires`` (store
attributes whose gaps make it undecidable), a CEL ``expression``, a message, remediation
per cloud, citations (framework → requirement ids) and ``cases`` (tiny stores of a named
kind with the expected outcome). Any problem — schema, CEL syntax, an unknown citation,
field path or store kind, a duplicate id — stops the load with the file and line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scanner.engine.catalog import Framework, load_catalogs
from scanner.engine.cel_runtime import CelCompileError, Expression
from scanner.engine.facts import Derived, ResolvedPolicy
from scanner.engine.paths import unknown_paths
from scanner.engine.rule_words import WordProblem, check_words
from scanner.engine.template import PLACEHOLDER, Template
from scanner.errors import InputError, InputFileError
from scanner.fileio import line_of, read_yaml, validation_error
from scanner.model import AccountFacts, DataStore
from scanner.vocabulary import (
    Capability,
    Cloud,
    GapAttribute,
    Severity,
    Status,
)

#: Estate-wide checks the engine runs itself: they look across stores, not at one.
EstateCheck = Literal["stagger", "retention_conflict"]
ROOTS: dict[str, type[BaseModel]] = {
    "store": DataStore,
    "policy": ResolvedPolicy,
    "account": AccountFacts,
    "derived": Derived,
}


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
    account: dict[str, Any] = Field(
        default_factory=dict, description="Account facts of the store's account (vaults …)"
    )
    expect: Status


class Messages(_Spec):
    """What a result says when the rule passes, fails, or is pending — and, ``unknown``,
    when the facts that were read leave the verdict open (a gap or an unknown policy
    value says so itself); ``{path}`` placeholders."""

    pass_: str = Field(alias="pass")
    fail: str
    pending: str | None = None
    unknown: str | None = None


class RuleSpec(_Spec):
    """A rule as written in a rule file."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]+$")
    title: str
    severity: Severity
    rationale: str
    applies_to: AppliesTo = Field(default_factory=lambda: AppliesTo())
    requires: list[GapAttribute] = Field(default_factory=list)
    expression: str | None = None
    check: EstateCheck | None = Field(
        None, description="An estate-wide check built into the engine, instead of an expression"
    )
    pending_when: str | None = Field(
        None,
        description="CEL: when the expression fails and this holds, the result is pending "
        "(nothing could be observed yet), neither a pass nor a fail",
    )
    evidence: list[Literal["vaults", "alert_rules", "audit_trail"]] = Field(
        default_factory=list, description="More evidence to attach besides the required"
    )
    message: Messages
    remediation: dict[Cloud, str]
    citations: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(min_length=1)
    cases: list[Case] = Field(default_factory=list)

    @property
    def logic(self) -> str:
        """What decides the rule, as the report and ``rules show`` print it."""
        if self.expression is not None:
            return self.expression.strip()
        return f"(built-in estate-wide check: {self.check})"

    @model_validator(mode="after")
    def _expression_or_check(self) -> RuleSpec:
        if (self.expression is None) == (self.check is None):
            raise ValueError("give exactly one of expression and check")
        return self


class RuleFile(_Spec):
    """A rule file: a list of rules."""

    rules: list[RuleSpec]


@dataclass(frozen=True)
class Rule:
    """A validated rule with its compiled expressions and message templates."""

    spec: RuleSpec
    expression: Expression | None
    when: Expression | None
    pending_when: Expression | None
    source: str
    messages: dict[str, Template]

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
        """The rule with this id (in any case: ``bkp-exists`` is BKP-EXISTS)."""
        wanted = rule_id.upper()
        return next((r for r in self.rules if r.id.upper() == wanted), None)


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
    org: dict[str, tuple[Path, str, int]] = {}
    digest = hashlib.sha256()
    for index, directory in enumerate(directories):
        for path in yaml_files(directory):
            text, loaded = _load_file(path, catalogs)
            digest.update(f"{index}/{path.name}\0".encode() + text.encode("utf-8"))
            for position, rule in enumerate(loaded):
                if index:
                    org[rule.id] = (path, text, position)
                if rule.id in rules:
                    where = line_of(text, ["rules", position, "id"])
                    defined = rules[rule.id].source
                    raise InputFileError(
                        path, f"rule id {rule.id} is already defined in {defined}", where
                    )
                rules[rule.id] = rule
        for path in yaml_files(directory / "frameworks"):
            digest.update(f"{index}/frameworks/{path.name}\0".encode() + path.read_bytes())
    _check_support(catalogs, rules)
    pack = RulePack(
        tuple(rules[k] for k in sorted(rules)), catalogs, digest.hexdigest(), tuple(directories)
    )
    _check_cases_decide(pack, org)
    return pack


def yaml_files(directory: Path) -> list[Path]:
    """The YAML files of a folder, ``.yaml`` and ``.yml`` alike, in name order."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _check_cases_decide(pack: RulePack, org: dict[str, tuple[Path, str, int]]) -> None:
    """An organisation's rule whose every case fails to decide (the expression gives a
    string, divides by zero …) or whose case is malformed is refused at load, with its
    line; the built-in rules are held to their cases by the test suite."""
    from scanner.engine.cases import case_policy, run_case

    policy = case_policy()
    for rule_id, (path, text, position) in sorted(org.items()):
        rule = pack.rule(rule_id)
        assert rule is not None
        outcomes = []
        for number, case in enumerate(rule.spec.cases):
            try:
                outcomes.append(run_case(pack, rule, case, policy))
            except ValidationError as exc:
                case_at: list[str | int] = ["rules", position, "cases", number]
                problem = f"{rule_id}: case {case.name!r}: {exc.errors()[0]['msg']}"
                raise InputFileError(path, problem, line_of(text, case_at)) from None
        undecided = [o for o in outcomes if o.actual == "not_assessed" and _broken(o.message)]
        if outcomes and len(undecided) == len(outcomes):
            where: list[str | int] = ["rules", position, "id"]
            problem = f"{rule_id}: every case: {undecided[0].message}"
            raise InputFileError(path, problem, line_of(text, where))


def _broken(message: str) -> bool:
    return "not a boolean" in message or message.startswith("cannot be decided")


def _check_support(catalogs: dict[str, Framework], rules: dict[str, Rule]) -> None:
    """A catalog's ``supported_by`` names rules that exist and cite that requirement."""
    for name, catalog in catalogs.items():
        for requirement in catalog.requirements:
            for rule_id in requirement.supported_by:
                rule = rules.get(rule_id)
                if rule is None or requirement.id not in rule.spec.citations.get(name, []):
                    raise InputError(
                        f"catalog {name}: requirement {requirement.id} is supported_by "
                        f"{rule_id}, which does not cite it"
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
        check_words(spec)
    except (_RuleProblem, WordProblem) as exc:
        where = line_of(text, ["rules", index, exc.field])
        raise InputFileError(path, f"rule {spec.id}: {exc.problem}", where) from None
    texts = {"pass": spec.message.pass_, "fail": spec.message.fail}
    texts["pending"] = spec.message.pending or spec.message.fail
    if spec.message.unknown:
        texts["not_assessed"] = spec.message.unknown
    return Rule(
        spec,
        compiled.get("expression"),
        compiled.get("applies_to"),
        compiled.get("pending_when"),
        path.name,
        {status: Template(text) for status, text in texts.items()},
    )


def _compile(spec: RuleSpec) -> dict[str, Expression]:
    """Compile the expressions and check every field path, also in the messages."""
    compiled: dict[str, Expression] = {}
    sources = (
        ("expression", spec.expression),
        ("applies_to", spec.applies_to.when),
        ("pending_when", spec.pending_when),
    )
    for field, source in sources:
        if source is None:
            continue
        try:
            compiled[field] = Expression(source)
        except CelCompileError as exc:
            raise _RuleProblem(field, f"CEL does not compile: {exc}") from None
        bad = unknown_paths(source, ROOTS)
        if bad:
            raise _RuleProblem(field, f"unknown field path {', '.join(bad)}{_path_hint(bad)}")
    messages = " ".join(
        [
            spec.message.pass_,
            spec.message.fail,
            spec.message.pending or "",
            spec.message.unknown or "",
        ]
    )
    bad = unknown_paths(" ".join(p for p, _ in PLACEHOLDER.findall(messages)), ROOTS)
    if bad:
        raise _RuleProblem("message", f"unknown field path {', '.join(bad)} in message")
    return compiled


def _path_hint(paths: list[str]) -> str:
    """Where to look up the paths a rule may read."""
    if any(path.split(".")[-1] == "evidence" for path in paths):
        return " (rules read facts; each result carries the evidence of the facts it read)"
    return " (see `backup-audit schema inventory`)"


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
