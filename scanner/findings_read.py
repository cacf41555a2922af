"""Reading a findings file: a store group at a time when it is laid out exactly as
``write_findings`` writes it (:class:`~scanner.findings_stream.FindingsStream`), else
whole and strictly, which names a problem and its line — one way to prove a file
canonical, for every reader (decision 53).

Readers that keep little of each store (the gate) hand :func:`read_streamed` a pass over
the groups; readers that keep every result (the report, verify) call :func:`load_findings`,
which keeps the validated groups and never the whole file's text or parsed tree beside
them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from scanner.errors import InputFileError
from scanner.fileio import MAX_JSON_BYTES, read_input_text, read_json_document, validation_error
from scanner.findings import (
    READABLE_SCHEMAS,
    SCHEMA_ID,
    SCHEMA_V2,
    Findings,
    FindingsHead,
    FindingsV2,
    StoreResults,
)
from scanner.findings_layout import document_sha256, store_group
from scanner.findings_stream import FindingsStream, NotStreamable
from scanner.heap import bulk_objects

T = TypeVar("T")


@bulk_objects()
def load_findings(path: Path) -> Findings:
    """Read and validate a findings file (v3, or v2 regrouped by store); problems name
    the file and line."""
    stream = FindingsStream(path, keeps_all=True)
    try:
        stores = list(stream.stores())
    except NotStreamable:
        return read_whole(path)
    return findings_of(stream.head, stores)


def read_streamed(
    path: Path, read: Callable[[Findings | FindingsStream], T]
) -> tuple[T, FindingsHead]:
    """``read`` applied to the file as a stream — or, when the file is not streamable, to
    the file read whole, which raises the file's problem (or reads its other layout) —
    and the fields around its results. ``read`` must read every store group, and keep
    nothing it depends on from a pass it did not finish: it is started again."""
    stream = FindingsStream(path)
    try:
        return read(stream), stream.head
    except NotStreamable:
        findings = read_whole(path)
        return read(findings), findings


def findings_of(head: FindingsHead, stores: list[StoreResults]) -> Findings:
    """The findings of a validated head and its validated store groups (not validated
    again)."""
    fields = {name: getattr(head, name) for name in FindingsHead.model_fields}
    return Findings.model_construct(head.model_fields_set | {"stores"}, **fields, stores=stores)


@bulk_objects()
def read_whole(path: Path) -> Findings:
    """A findings file read whole by the strict reader (duplicate keys, constants such as
    NaN, the SHA-256 over its own text, every field validated): any layout, v3 or v2."""
    text, data = read_json_document(path, READABLE_SCHEMAS, "a findings file")
    recorded = (data.get("integrity") or {}).get("sha256")
    if recorded is None or recorded != document_sha256(text):
        raise InputFileError(
            path,
            "the file does not match the SHA-256 it records (integrity.sha256): it was "
            "altered or truncated after it was written",
        )
    try:
        if data.get("schema") == SCHEMA_V2:
            FindingsV2.model_validate(data)  # problems named at v2's own lines
            data = _v2_regrouped(path, data)
        return Findings.model_validate(data)
    except ValidationError as exc:
        text = read_input_text(path, "a findings file", MAX_JSON_BYTES)
        raise validation_error(path, text, exc) from None


def _v2_regrouped(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A valid v2 file's data as v3's: consecutive results about the same resource
    grouped (a v2 file's results are sorted by store)."""
    runs: list[list[dict[str, Any]]] = []
    for result in data["results"]:
        if runs and runs[-1][0]["resource"] == result["resource"]:
            runs[-1].append(result)
        else:
            runs.append([result])
    try:
        stores = [store_group(run) for run in runs]
    except orjson.JSONEncodeError:
        raise InputFileError(
            path, "an evidence item holds an integer over 64 bits or is nested over 254 levels"
        ) from None
    fields = {k: v for k, v in data.items() if k != "results"}
    return fields | {"schema": SCHEMA_ID, "stores": stores}
