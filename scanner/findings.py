"""``findings.json`` (``backup-audit/findings/v2``): results, coverage, integrity hashes.

Written as a stream (one result at a time, atomically renamed at the end) so large
estates do not hold every result in memory; read back with full validation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scanner.errors import InputFileError
from scanner.fileio import atomic_writer, read_json_document, validation_error
from scanner.heap import bulk_objects
from scanner.vocabulary import Severity, Status

SCHEMA_ID: Final = "backup-audit/findings/v2"


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


class Result(_Record):
    """One store × rule verdict with its citations and evidence."""

    resource: ResourceRef
    rule: str
    title: str
    status: Status
    severity: Severity
    frameworks: dict[str, list[str]]
    supports: dict[str, list[str]] | None = None
    message: str
    missing: list[str] | None = None
    evidence: list[dict[str, Any]] | None = None
    copies: dict[str, list[str]] | None = None
    exception: ExceptionApplied | None = None


def coverage_view(result: Result) -> dict[str, Any]:
    """The fields coverage is computed from (status, frameworks, store id and kind), as
    the plain dict :func:`scanner.engine.coverage.recompute` reads — without dumping the
    whole result."""
    return {
        "status": result.status,
        "frameworks": result.frameworks,
        "resource": {"id": result.resource.id, "kind": result.resource.kind},
    }


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


class Findings(_Record):
    """The whole findings file."""

    schema_id: Literal["backup-audit/findings/v2"] = Field(SCHEMA_ID, alias="schema")
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
    results: list[Result]
    coverage: Coverage
    exceptions: list[RegisteredException]
    populations: Populations
    defaults: dict[str, list[str]]
    integrity: dict[str, str]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: What precedes the integrity field; the hash covers every byte before it.
INTEGRITY_MARK: Final = ',\n  "integrity": '


class _HashingWriter:
    """Writes text to a stream and hashes the UTF-8 bytes written."""

    def __init__(self, out: Any) -> None:
        self._out, self.digest = out, hashlib.sha256()

    def write(self, text: str) -> None:
        self._out.write(text)
        self.digest.update(text.encode())


def write_findings(
    path: Path, header: dict[str, Any], results: Iterable[list[str]], trailer: Any
) -> None:
    """Stream ``header`` fields, every result from the ``results`` batches (each result
    already encoded by :func:`encode_result`), then the fields ``trailer()`` returns
    (coverage needs all results first), and last the SHA-256 of every byte before it
    (``integrity.sha256``), atomically."""
    with atomic_writer(path) as stream:
        out = _HashingWriter(stream)
        out.write("{\n")
        for key, value in header.items():
            out.write(f"  {json.dumps(key)}: {encode_result(value)},\n")
        out.write('  "results": [')
        separator = "\n    "
        for batch in results:
            if batch:
                out.write(separator + ",\n    ".join(batch))
                separator = ",\n    "
        out.write("\n  ]")
        for key, value in trailer().items():
            out.write(f",\n  {json.dumps(key)}: {encode_result(value)}")
        stream.write(INTEGRITY_MARK + encode_result({"sha256": out.digest.hexdigest()}) + "\n}\n")


def document_sha256(text: str) -> str | None:
    """The SHA-256 ``write_findings`` records, recomputed over a findings file's text
    (None when the text has no integrity field where the writer puts it)."""
    end = text.rfind(INTEGRITY_MARK)
    return None if end < 0 else hashlib.sha256(text[:end].encode()).hexdigest()


def encode_result(value: Any) -> str:
    """One value as findings.json writes it: compact JSON with sorted keys (orjson:
    ~10x the standard library)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@bulk_objects()
def load_findings(path: Path) -> Findings:
    """Read and validate a findings file; problems name the file and line."""
    text, data = read_json_document(path, SCHEMA_ID, "a findings file")
    recorded = (data.get("integrity") or {}).get("sha256")
    if recorded is None or recorded != document_sha256(text):
        raise InputFileError(
            path,
            "the file does not match the SHA-256 it records (integrity.sha256): it was "
            "altered or truncated after it was written",
        )
    try:
        return Findings.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None
