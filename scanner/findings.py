"""``findings.json`` (``backup-audit/findings/v2``): results, coverage, integrity hashes.

Written as a stream (one result at a time, atomically renamed at the end) so large
estates do not hold every result in memory; read back with full validation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    InstanceOf,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from scanner.errors import InputFileError
from scanner.fileio import (
    MAX_JSON_BYTES,
    atomic_binary_writer,
    read_input_bytes,
    read_input_text,
    read_json_document,
    validation_error,
)
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


#: An evidence item: a JSON object, kept as parsed — checked to be one, not copied (the
#: evidence is half of a findings file's bytes, and a JSON object's keys are strings).
EvidenceItem = Annotated[
    InstanceOf[dict],  # type: ignore[type-arg]
    WithJsonSchema({"additionalProperties": True, "type": "object"}),
]


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
    evidence: list[EvidenceItem] | None = None
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
    """SHA-256 of a file's bytes, read a block at a time (an inventory or findings file
    can be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: What precedes the integrity field; the hash covers every byte before it.
INTEGRITY_MARK: Final = ',\n  "integrity": '


def write_findings(
    path: Path,
    header: dict[str, Any],
    results: Iterable[list[bytes]],
    trailer: Callable[[], dict[str, Any]],
) -> None:
    """Stream ``header`` fields, every result from the ``results`` batches (each result
    already encoded by :func:`compact_json`), then the fields ``trailer()`` returns
    (coverage needs all results first), and last the SHA-256 of every byte before it
    (``integrity.sha256``), atomically. Bytes throughout: a result is encoded once."""
    with atomic_binary_writer(path) as out:
        digest = hashlib.sha256()
        for piece in _document(header, results, trailer):
            out.write(piece)
            digest.update(piece)
        out.write(_integrity(digest.hexdigest()))


def _document(
    header: dict[str, Any],
    results: Iterable[list[bytes]],
    trailer: Callable[[], dict[str, Any]],
) -> Iterator[bytes]:
    """The bytes of a findings file up to its integrity field, piece by piece: the one
    layout both the writer and the reader's fast path (:func:`_canonical_data`) use."""
    yield b"{\n"
    for key, value in header.items():
        yield b"  " + _key(key) + b": " + compact_json(value) + b",\n"
    yield b'  "results": ['
    separator = b"\n    "
    for batch in results:
        if batch:
            yield separator + b",\n    ".join(batch)
            separator = b",\n    "
    yield b"\n  ]"
    for key, value in trailer().items():
        yield b",\n  " + _key(key) + b": " + compact_json(value)


def _key(name: str) -> bytes:
    return json.dumps(name).encode()


def _integrity(digest: str) -> bytes:
    return INTEGRITY_MARK.encode() + compact_json({"sha256": digest}) + b"\n}\n"


def document_sha256(text: str) -> str | None:
    """The SHA-256 ``write_findings`` records, recomputed over a findings file's text
    (None when the text has no integrity field where the writer puts it)."""
    end = text.rfind(INTEGRITY_MARK)
    return None if end < 0 else hashlib.sha256(text[:end].encode()).hexdigest()


def compact_json(value: Any) -> bytes:
    """A value (a result, a header or trailer field) as findings.json writes it: compact
    UTF-8 JSON with sorted keys (orjson: ~10x the standard library)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@bulk_objects()
def load_findings(path: Path) -> Findings:
    """Read and validate a findings file; problems name the file and line."""
    data = _canonical_data(read_input_bytes(path, "a findings file", MAX_JSON_BYTES))
    if data is None:  # not as write_findings wrote it: the strict reader explains
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
        text = read_input_text(path, "a findings file", MAX_JSON_BYTES)
        raise validation_error(path, text, exc) from None


def _canonical_data(raw: bytes) -> dict[str, Any] | None:
    """The data of a findings file that is, byte for byte, what :func:`write_findings`
    writes for that data — with the SHA-256 it records of itself — else None.

    The fast path of reading (orjson: several times the standard library with its
    duplicate-key hook). Writing the parsed data again must give the same bytes, which a
    file with a duplicate key, a constant such as NaN, other spacing or a changed byte
    cannot: those take the strict reader, which names the problem and its line."""
    end = raw.rfind(INTEGRITY_MARK.encode())
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if end < 0 or not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        return None
    keys = list(data)
    if "results" not in keys or keys[-1] != "integrity" or not isinstance(data["results"], list):
        return None
    recorded = data["integrity"].get("sha256") if isinstance(data["integrity"], dict) else None
    if not isinstance(recorded, str) or raw[end:] != _integrity(recorded):
        return None
    split = keys.index("results")
    header = {key: data[key] for key in keys[:split]}
    trailer = {key: data[key] for key in keys[split + 1 : -1]}
    again = hashlib.sha256()
    try:
        for piece in _document(header, _encoded(data["results"]), lambda: trailer):
            again.update(piece)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: not ours
        return None
    on_disk = hashlib.sha256(memoryview(raw)[:end]).hexdigest()
    return data if again.hexdigest() == on_disk == recorded else None


def _encoded(results: list[Any], batch: int = 1000) -> Iterator[list[bytes]]:
    for start in range(0, len(results), batch):
        yield [compact_json(result) for result in results[start : start + batch]]
