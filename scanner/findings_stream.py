"""Reading a findings file a store group at a time: memory bounded by one store's line
and what the reader keeps (the gate keeps little; ``load_findings`` the validated groups).

Only a file laid out exactly as ``write_findings`` writes it (v3) is streamed: a field a
line, a store group a line, compact JSON with sorted keys, each line giving the same
bytes when its data is encoded again — which proves no duplicate key or constant such
as NaN — and every byte before the integrity field hashing to the SHA-256 it records.
Any other file, or any problem on the way, raises :class:`NotStreamable` before the
stream ends: the reader then reads the file whole (:func:`scanner.findings_read.read_whole`),
which names the problem and its line exactly as it always does, or reads the same data
from another layout. A stream is judged only once it has ended: its head
(:attr:`FindingsStream.head`) exists only then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import orjson
from pydantic import ValidationError

from scanner.errors import InputFileError
from scanner.fileio import open_input_file
from scanner.findings import SCHEMA_ID, FindingsHead, StoreResults
from scanner.findings_layout import INTEGRITY_MARK, compact_json, field_line, integrity_value

_OPEN: Final = b'  "stores": [\n'
_CLOSE: Final = b"  ],\n"
_INTEGRITY: Final = INTEGRITY_MARK.encode()[2:]  # the integrity line's start


class NotStreamable(Exception):
    """The file is not as ``write_findings`` writes it, or one of its parts is not
    valid: read it whole, which explains."""


class FindingsStream:
    """A findings file's store groups, validated one at a time as they are read; then
    its head, validated, once the SHA-256 of everything read matched the one recorded."""

    def __init__(self, path: Path, *, keeps_all: bool = False) -> None:
        """``keeps_all``: the reader keeps every group, so values that repeat from store
        to store are held once (:class:`SharedValues`); a reader that keeps little of
        each does not pay for looking them up."""
        self.path = path
        self._head: FindingsHead | None = None
        self._shared = SharedValues() if keeps_all else None

    @property
    def head(self) -> FindingsHead:
        """The fields around the store groups (only once :meth:`stores` has ended)."""
        if self._head is None:
            raise RuntimeError("a findings stream's head is known once its stores are read")
        return self._head

    def stores(self) -> Iterator[StoreResults]:
        """Each store group, validated; raises :class:`NotStreamable` on the first line
        not laid out as the writer lays it out or not valid, and at the end when the
        file does not match its SHA-256. A missing file, a folder, a device or a file
        too large is refused as the whole reader refuses it, before a byte is read."""
        with open_input_file(self.path, "a findings file") as stream:
            try:
                yield from self._read(stream)
            except OSError as exc:
                raise InputFileError(
                    self.path, f"cannot read a findings file: {exc.strerror or exc}"
                ) from None

    def _read(self, stream: IO[bytes]) -> Iterator[StoreResults]:
        digest = hashlib.sha256()
        fields: dict[str, Any] = {}
        if _hashed(stream, digest) != b"{\n":
            raise NotStreamable
        line = _hashed(stream, digest)
        while line != _OPEN:
            _field(line, fields)
            line = _hashed(stream, digest)
        if fields.get("schema") != SCHEMA_ID:
            raise NotStreamable
        line, more = _hashed(stream, digest), None  # more: the last store line's comma
        while line != _CLOSE:
            if more is False:  # only the last store line ends without a comma
                raise NotStreamable
            group, more = _group(line)
            yield self._shared.shared(group) if self._shared else group
            line = _hashed(stream, digest)
        if more:
            raise NotStreamable
        self._head = self._end(stream, digest, fields)

    def _end(self, stream: IO[bytes], digest: Any, fields: dict[str, Any]) -> FindingsHead:
        """The trailer fields, the integrity field and the end of the file, checked. The
        hash ends before the comma that ends the last field before the integrity one."""
        line, ended = stream.readline(), b""
        while line and not line.startswith(_INTEGRITY):
            _field(line, fields)
            digest.update(ended + line[:-2])
            line, ended = stream.readline(), b",\n"
        recorded = _recorded(line)
        if not ended or recorded is None or stream.read(3) != b"}\n":
            raise NotStreamable
        if digest.hexdigest() != recorded:
            raise NotStreamable  # the whole reader says how: altered or truncated
        try:
            return FindingsHead.model_validate(fields | {"integrity": {"sha256": recorded}})
        except ValidationError:
            raise NotStreamable from None


class SharedValues:
    """One object for each value that repeats from store to store — a rule's title and
    citations, a message — so that a reader keeping every group holds each once (at
    10,000 stores they were half the groups' memory). The values are read, never changed."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._citations: dict[bytes, dict[str, list[str]]] = {}

    def shared(self, group: StoreResults) -> StoreResults:
        """``group`` with its results' repeating values replaced by the first equal one."""
        texts = self._texts
        for result in group.results:
            result.rule = texts.setdefault(result.rule, result.rule)
            result.title = texts.setdefault(result.title, result.title)
            result.message = texts.setdefault(result.message, result.message)
            result.frameworks = self._cited(result.frameworks)
            if result.supports is not None:
                result.supports = self._cited(result.supports)
        return group

    def _cited(self, citations: dict[str, list[str]]) -> dict[str, list[str]]:
        return self._citations.setdefault(orjson.dumps(citations), citations)


def _hashed(stream: IO[bytes], digest: Any) -> bytes:
    line = stream.readline()
    if not line:
        raise NotStreamable
    digest.update(line)
    return line


def _field(line: bytes, fields: dict[str, Any]) -> None:
    """A header or trailer line (``  "name": value,``), kept when it is canonical."""
    if not (line.startswith(b'  "') and line.endswith(b",\n")):
        raise NotStreamable
    try:
        parsed = orjson.loads(b"{" + line[2:-2] + b"}")
        if len(parsed) != 1:
            raise NotStreamable
        ((name, value),) = parsed.items()
        if name in fields or name in ("stores", "integrity"):
            raise NotStreamable
        if field_line(name, value) + b",\n" != line:
            raise NotStreamable
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        raise NotStreamable from None
    fields[name] = value


def _group(line: bytes) -> tuple[StoreResults, bool]:
    """One store line (``    {...},``), canonical and valid, and whether it ends with
    the comma that says another store line follows."""
    if not (line.startswith(b"    {") and line.endswith(b"\n")):
        raise NotStreamable
    more = line.endswith(b",\n")
    body = line[4:-2] if more else line[4:-1]
    try:
        parsed = orjson.loads(body)
        if compact_json(parsed) != body:
            raise NotStreamable
        return StoreResults.model_validate(parsed), more
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, ValidationError):
        raise NotStreamable from None


def _recorded(line: bytes) -> str | None:
    """The SHA-256 an integrity line records, when the line is exactly the writer's."""
    try:
        recorded = orjson.loads(line[len(_INTEGRITY) :]).get("sha256")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(recorded, str) or _INTEGRITY + integrity_value(recorded) + b"\n" != line:
        return None
    return recorded
