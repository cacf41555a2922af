"""``findings.json`` (``backup-audit/findings/v3``): results, coverage, integrity hashes.

Results are grouped by store: a store's resource and its evidence items are written once,
and each result names the items it rests on by their index (decision 51). Written as a
stream (one store at a time, atomically renamed at the end) so large estates do not hold
every result in memory; read back with full validation. ``v2`` files (one result a line,
each with its resource and evidence) are still read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    InstanceOf,
    WithJsonSchema,
    model_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from scanner.vocabulary import Severity, Status

if TYPE_CHECKING:
    from typing_extensions import Self

SCHEMA_ID: Final = "backup-audit/findings/v3"
#: the earlier layout, one result a line with its resource and evidence: still read
SCHEMA_V2: Final = "backup-audit/findings/v2"
READABLE_SCHEMAS: Final = (SCHEMA_ID, SCHEMA_V2)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResourceRef(_Record):
    """Which store a result is about."""

    id: str
    cloud: str
    account: str
    region: str
    kind: str
    name: str
    owner: str | None = None


class ExceptionApplied(_Record):
    """The approved exception that turned a result into ``excepted``."""

    original_status: Literal["fail", "not_assessed"]
    reason: str
    approved_by: str
    expires: str


#: An evidence item: a JSON object, kept as parsed — checked to be one, not copied (the
#: evidence is half of a findings file's bytes, and a JSON object's keys are strings).
EvidenceItem = Annotated[
    InstanceOf[dict],  # type: ignore[type-arg]
    WithJsonSchema({"additionalProperties": True, "type": "object"}),
]


@dataclass(slots=True)
class Result:
    """One store × rule verdict with its store and evidence: a store group's result with
    the group's resource and the evidence items it names (shared, not copied). Built
    when a findings file is read, from data already validated — a view, not a record."""

    resource: ResourceRef
    rule: str
    title: str
    status: Status
    severity: Severity
    frameworks: dict[str, list[str]]
    message: str
    supports: dict[str, list[str]] | None = None
    missing: list[str] | None = None
    evidence: list[dict[str, Any]] | None = None
    copies: dict[str, list[str]] | None = None
    exception: ExceptionApplied | None = None

    def as_json(self) -> dict[str, Any]:
        """The result as evaluation made it: resource and evidence items inline, absent
        fields left out (what ``results.csv`` rows are written from)."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data["resource"] = self.resource.model_dump(exclude_none=True)
        if self.exception is not None:
            data["exception"] = self.exception.model_dump()
        return {name: value for name, value in data.items() if value is not None}


# A slotted dataclass, not a model: an estate's findings hold hundreds of thousands, and a
# model's instance dictionary and set of fields given took half their memory.
@pydantic_dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class StoreResult:
    """One rule's verdict on a store with its citations, as a store group holds it:
    ``evidence`` names the group's evidence items by their index."""

    rule: str
    title: str
    status: Status
    severity: Severity
    frameworks: dict[str, list[str]]
    supports: dict[str, list[str]] | None = None
    message: str
    missing: list[str] | None = None
    evidence: list[Annotated[int, Field(ge=0)]] | None = None
    copies: dict[str, list[str]] | None = None
    exception: ExceptionApplied | None = None


class StoreResults(_Record):
    """A store (or an estate-wide check) with its results: its resource and each distinct
    evidence item written once, in the order the results first name them."""

    resource: ResourceRef
    evidence: list[EvidenceItem]
    results: list[StoreResult] = Field(min_length=1)

    @model_validator(mode="after")
    def _indices_exist(self) -> StoreResults:
        held = len(self.evidence)
        for result in self.results:
            named = result.evidence
            if named and max(named) >= held:
                wrong = next(i for i in named if i >= held)
                raise ValueError(
                    f"result {result.rule} names evidence item {wrong}, but the store holds {held}"
                )
        return self

    def expanded(self) -> list[Result]:
        """The results, each with the resource and its evidence items (shared, not copied)."""
        return [self.expand(result) for result in self.results]

    def expand(self, result: StoreResult) -> Result:
        """One of the results with the resource and its evidence items."""
        named = result.evidence
        items = None if named is None else [self.evidence[index] for index in named]
        return Result(
            self.resource,
            result.rule,
            result.title,
            result.status,
            result.severity,
            result.frameworks,
            result.message,
            result.supports,
            result.missing,
            items,
            result.copies,
            result.exception,
        )


class Ratio(_Record):
    """Covered stores out of the stores in scope."""

    in_scope: int = Field(ge=0)
    covered: int = Field(ge=0)
    ratio: float | None = Field(ge=0.0, le=1.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> Ratio:
        if self.covered > self.in_scope:
            raise ValueError(f"covered ({self.covered}) exceeds in_scope ({self.in_scope})")
        return self


class Coverage(_Record):
    """Backup coverage: share of in-scope stores whose applicable rules all pass or are excepted."""

    overall: Ratio
    by_framework: dict[str, Ratio]
    by_cloud: dict[str, Ratio]
    by_account: dict[str, Ratio]
    by_tier: dict[str, Ratio]
    by_status: dict[str, int]
    pending_stores: int = 0
    complete: bool = True


class RegisteredException(_Record):
    """An exception of the policy and whether it is still in force."""

    resource: str
    rules: list[str]
    reason: str
    approved_by: str
    expires: str
    approved_on: str | None = None
    risk_owner: str | None = None
    compensating_control: str | None = None
    review_by: str | None = None
    review_overdue: bool = False
    state: Literal["active", "expired"]
    applied: int


class Unlisted(_Record):
    """A population that could not be listed: a service in a region, or an account."""

    cloud: str
    account: str
    region: str | None = None
    operation: str
    error_code: str
    cause: str
    permission: str | None = None
    message: str
    resource: str | None = None


class Populations(_Record):
    """Whether every population (account, service × region) was listed, and which not."""

    complete: bool
    unlisted: list[Unlisted]


class FindingsHead(_Record):
    """A findings file but its store groups: the fields around them."""

    schema_id: Literal["backup-audit/findings/v3"] = Field(SCHEMA_ID, alias="schema")
    tool_version: str
    evaluated_at: str
    as_of: str
    period: dict[str, str]
    #: the restore-evidence file applied (name, SHA-256, entries applied and not)
    restore_evidence: dict[str, Any] | None = None
    rule_pack: dict[str, Any]
    inventory: dict[str, Any]
    policy: dict[str, Any]
    scope: dict[str, Any]
    coverage: Coverage
    exceptions: list[RegisteredException]
    populations: Populations
    defaults: dict[str, list[str]]
    integrity: dict[str, str]


class Findings(FindingsHead):
    """The whole findings file."""

    #: one group a store, sorted by store id; then one an estate-wide result
    stores: list[StoreResults]

    @cached_property
    def results(self) -> list[Result]:
        """Every result, store by store, each with its resource and evidence."""
        return [result for group in self.stores for result in group.expanded()]

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (the copy builds its own results: ``update`` may change the stores)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("results", None)
        return copied


@pydantic_dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class ResultV2(StoreResult):
    """A v2 result: its resource and its evidence items inline."""

    resource: ResourceRef
    evidence: list[EvidenceItem] | None = None  # type: ignore[assignment]


class FindingsV2(FindingsHead):
    """A v2 file, validated as v2 before its results are grouped by store, so that its
    problems are named at its own lines."""

    schema_id: Literal["backup-audit/findings/v2"] = Field(SCHEMA_V2, alias="schema")  # type: ignore[assignment]
    results: list[ResultV2]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read a block at a time (an inventory or findings file
    can be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
