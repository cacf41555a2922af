"""Reading and writing inventory snapshots: deterministic bytes, validated on load.

Version-1 snapshots are converted to version 2 on read (:mod:`scanner.inventory_v1`), so
last quarter's inventory can be re-evaluated with this quarter's rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Final, Protocol

from pydantic import ValidationError

from scanner.errors import InputFileError
from scanner.fileio import (
    MAX_JSON_BYTES,
    json_path,
    line_of,
    parse_json,
    read_input_bytes,
    read_input_text,
    write_atomic,
)
from scanner.heap import bulk_objects
from scanner.inventory_v1 import V1_SCHEMA, upgrade
from scanner.model import CLOCK_SKEW, SCHEMA_ID, Snapshot

#: what an inventory is called in errors
WHAT: Final = "an inventory snapshot"


def dump_snapshot(snapshot: Snapshot) -> str:
    """The canonical JSON text of a snapshot: sorted keys, stable lists, one trailing newline."""
    data = snapshot.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write the snapshot atomically."""
    write_atomic(path, dump_snapshot(snapshot))


@bulk_objects()
def load_snapshot(path: Path, now: datetime | None = None) -> Snapshot:
    """Read and validate a snapshot; any problem raises InputFileError with file and line.
    A collection time later than ``now`` (default: the clock) is a damaged file."""
    now = now or datetime.now(timezone.utc)
    raw = read_input_bytes(path, WHAT, MAX_JSON_BYTES)
    try:
        # The fast path: parse and validate the bytes in one pass (pydantic's Rust JSON
        # parser), without holding the file as text as well.
        snapshot = Snapshot.model_validate_json(raw)
    except ValidationError:
        snapshot = None  # explained below, with the file's line numbers
    del raw
    if snapshot is None or _problem(snapshot, now) is not None:
        text = read_input_text(path, WHAT, MAX_JSON_BYTES)
        snapshot = snapshot or _parse(path, text)
        _raise_problem(path, text, snapshot, now)
    return snapshot


def _problem(snapshot: Snapshot, now: datetime) -> tuple[tuple[str | int, ...], str] | None:
    """The first inconsistency of a validated snapshot (where, what), or None."""
    return store_problems(snapshot) or head_problem(snapshot, now)


def head_problem(snapshot: Snapshot, now: datetime) -> tuple[tuple[str | int, ...], str] | None:
    """A collection time after ``now``: a damaged snapshot (where, what), or None."""
    if snapshot.collected_at > now + CLOCK_SKEW:
        return ("collected_at",), f"{snapshot.collected_at.isoformat()} is in the future"
    return None


def _raise_problem(path: Path, text: str, snapshot: Snapshot, now: datetime) -> None:
    """Raise the snapshot's first inconsistency, naming the line of ``text`` it is on."""
    problem = _problem(snapshot, now)
    if problem is not None:
        loc, what = problem
        raise InputFileError(path, f"{json_path(loc)}: {what}", line_of(text, list(loc)))


def _parse(path: Path, text: str) -> Snapshot:
    """A snapshot the fast path refused: parsed again to say where and why (or a
    version-1 snapshot, converted)."""
    data = parse_json(path, text)
    if not isinstance(data, dict) or data.get("schema") not in (SCHEMA_ID, V1_SCHEMA):
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise InputFileError(
            path, f"not an inventory snapshot: expected schema {SCHEMA_ID!r}, found {found!r}", 1
        )
    if data["schema"] == V1_SCHEMA:
        try:
            data = upgrade(data)
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise InputFileError(path, f"not a valid version-1 inventory ({exc})") from None
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        where = json_path(loc)
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise InputFileError(
            path, f"{where}: {first['msg']}{more}", line_of(text, list(loc))
        ) from None


class StoreIdentity(Protocol):
    """What :func:`store_problems` reads of a store (a store, or its digest)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def created_at(self) -> datetime | None: ...


def store_problems(
    snapshot: Snapshot, stores: Sequence[StoreIdentity] | None = None
) -> tuple[tuple[str | int, ...], str] | None:
    """The first inconsistency among the ``stores`` of ``snapshot`` (default: its own) —
    where, what: a store listed twice, out of the snapshot's scope, of an unknown kind or
    created after the collection."""
    from scanner.collectors.registry import store_kinds

    kinds = store_kinds()
    seen: set[str] = set()
    accounts = set(snapshot.scope.accounts)
    latest = snapshot.collected_at + CLOCK_SKEW
    for i, store in enumerate(snapshot.stores if stores is None else stores):
        if store.id in seen:
            return ("stores", i, "id"), f"store {store.id} is listed twice"
        seen.add(store.id)
        if store.kind not in kinds:
            return ("stores", i, "kind"), f"unknown store kind {store.kind!r}"
        if accounts and store.account not in accounts:
            return ("stores", i, "account"), f"account {store.account} is not in the scope"
        if store.created_at is not None and store.created_at > latest:
            return ("stores", i, "created_at"), "created after the collection"
    return None
