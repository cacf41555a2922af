"""The organisation's backup policy file (YAML) and its resolution for one store.

The file names tiers (RPO, RTO, retention, copies, immutability, keys …), how a store's
tier and classification are read from its tags, which frameworks apply to which
classifications, residency zones, peak windows and approved exceptions. Durations are
written ``30m``, ``1h``, ``35d``, ``7y``. ``backup-audit schema policy`` prints the JSON
Schema; a malformed file raises InputFileError naming file, line and problem.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import date, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from scanner.durations import parse_duration
from scanner.errors import InputFileError, did_you_mean
from scanner.fileio import json_path, line_of, read_yaml, validation_error
from scanner.vocabulary import REGION_SYNTAX

_REGEX_LOOKING = re.compile(r"\.\*|\.\+|[\\^$()|+{}]")
Loc = tuple[str | int, ...]
FrameworkId = Literal["hipaa", "sox", "gdpr", "residency"]


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


#: A duration written ``30m``, ``1h``, ``35d``, ``7y`` (a year is 365 days).
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(lambda d: f"{d.total_seconds() / 3600:g}h", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+(\.\d+)?[smhdwy]$",
            "examples": ["30m", "1h", "35d", "7y"],
        }
    ),
]


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


#: A duration that must be longer than zero (an RPO, a retention, a test interval).
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tier(_Strict):
    """What a tier of stores must have."""

    rpo: PositiveDuration = Field(description="Largest acceptable data loss, e.g. 1h")
    rto: PositiveDuration = Field(description="Longest acceptable restore time, e.g. 4h")
    retention: PositiveDuration = Field(description="Minimum time backups are kept, e.g. 35d")
    cross_region_copy: bool = False
    cross_account_copy: bool = False
    immutable: bool = False
    customer_managed_key: bool = False
    deletion_protection: bool = True
    restore_test_every: PositiveDuration | None = None


class TagChoice(_Strict):
    """Read a value from a tag (label on GCP), with a default when the tag is absent —
    or, with ``untagged: strictest``, the most demanding value the policy knows (the tier
    with the smallest RPO; the classification in scope of the most frameworks)."""

    tag: str
    default: str
    untagged: Literal["default", "strictest"] = "default"


class FrameworkScope(_Strict):
    """When a framework applies, and its retention parameters."""

    when: dict[Literal["classification"], list[str]]
    retention: PositiveDuration | None = Field(None, description="Minimum retention (SOX: 7y)")
    max_retention: PositiveDuration | None = Field(None, description="Maximum retention (GDPR)")


class Residency(_Strict):
    """Residency zones as region patterns per cloud (``aws:eu-*``), chosen by a tag."""

    tag: str
    zones: dict[str, list[str]]

    @field_validator("zones")
    @classmethod
    def _patterns(cls, zones: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, patterns in zones.items():
            for pattern in patterns:
                cloud = pattern.split(":", 1)[0]
                if cloud not in ("aws", "gcp", "azure") or ":" not in pattern:
                    raise ValueError(f"zone {name}: {pattern!r} is not cloud:region-pattern")
                if _REGEX_LOOKING.search(pattern):
                    raise ValueError(
                        f"zone {name}: {pattern!r} looks like a regular expression; zones are "
                        "shell-style patterns: * any text, ? one character (aws:eu-*)"
                    )
        return zones


class Windows(_Strict):
    """Peak hours (local time) backups must avoid, and the stagger limit."""

    peak: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"
    max_share_per_hour: float = Field(1.0, gt=0, le=1)

    @field_validator("peak")
    @classmethod
    def _not_empty(cls, peak: str) -> str:
        start, end = peak.split("-")
        if start == end:
            raise ValueError(f"{peak} is an empty window (start and end are the same)")
        return peak

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
            ) from None
        return name


class PolicyException(_Strict):
    """An approved exception: these rules do not apply to this resource until expiry.
    The management fields (when it was approved, who owns the risk, what compensates,
    when it is reviewed) are optional; the report says "not recorded" for each missing."""

    resource: str
    rules: list[str] = Field(min_length=1)
    reason: str
    approved_by: str
    expires: date
    approved_on: date | None = None
    risk_owner: str | None = None
    compensating_control: str | None = None
    review_by: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> PolicyException:
        if self.approved_on and self.approved_on > self.expires:
            raise ValueError(f"approved_on {self.approved_on} is after expires {self.expires}")
        return self


class Ownership(_Strict):
    """Which tag (label on GCP) names the team or person who owns a store."""

    tag: str


class Policy(_Strict):
    """The organisation's backup policy."""

    version: Literal[1]
    organisation: str | None = None
    classification: TagChoice
    tiering: TagChoice = Field(
        default_factory=lambda: TagChoice(tag="backup-tier", default="standard")
    )
    tiers: dict[str, Tier]
    frameworks: dict[FrameworkId, FrameworkScope] = Field(default_factory=dict)
    residency: Residency | None = None
    windows: Windows | None = None
    ownership: Ownership | None = None
    exceptions: list[PolicyException] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _a_number(cls, version: Any) -> Any:
        if isinstance(version, bool):  # YAML's true would pass as 1
            raise ValueError("Input should be 1 (a number, not true/false)")
        return version

    @model_validator(mode="after")
    def _default_tier_exists(self) -> Policy:
        if self.tiering.default not in self.tiers:
            raise ValueError(f"tiering.default {self.tiering.default!r} is not one of the tiers")
        return self


def load_policy(path: Path, rule_ids: Collection[str] = ()) -> Policy:
    """Read and validate a policy file; with ``rule_ids`` (the rule pack's), exceptions
    must name existing rules (in any case: they are stored as the rule's own id)."""
    text, data = read_yaml(path)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None
    for where, problem in [*_unknown_rules(policy, rule_ids), *_zones_matching_nothing(policy)]:
        raise InputFileError(path, f"{json_path(where)}: {problem}", line_of(text, where))
    return policy


def _unknown_rules(policy: Policy, rule_ids: Collection[str]) -> Iterator[tuple[Loc, str]]:
    by_upper = {r.upper(): r for r in rule_ids}
    for i, exception in enumerate(policy.exceptions if rule_ids else ()):
        for j, rule in enumerate(exception.rules):
            if rule != "*" and rule.upper() not in by_upper:
                hint = did_you_mean(rule, rule_ids)
                yield ("exceptions", i, "rules", j), f"no rule {rule!r}{hint}"
            exception.rules[j] = by_upper.get(rule.upper(), rule)


def _zones_matching_nothing(policy: Policy) -> Iterator[tuple[Loc, str]]:
    from scanner.collectors.registry import PLUGINS, plugin

    for name, patterns in (policy.residency.zones if policy.residency else {}).items():
        for i, pattern in enumerate(patterns):
            cloud, _, regions = pattern.partition(":")
            # A region named outright is checked by its syntax (a region newer than the
            # SDK's list is still a region); a pattern must match a region the SDK knows.
            known = plugin(cloud).known_regions() if cloud in PLUGINS else None
            if not set("*?[") & set(regions):
                if not re.match(REGION_SYNTAX.get(cloud, ".*"), regions):
                    yield (
                        ("residency", "zones", name, i),
                        f"{pattern!r}: {regions!r} is not a {cloud} region name",
                    )
            elif known and not any(fnmatchcase(r, regions) for r in known):
                example = ", ".join(known[:3])
                yield (
                    ("residency", "zones", name, i),
                    f"{pattern!r} matches no {cloud} region (they are named like {example})",
                )
