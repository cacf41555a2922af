"""Where an evaluation reads its stores from, a chunk at a time: a snapshot loaded whole,
or an inventory file read a store at a time (:mod:`scanner.inventory_stream`) — so
that only the chunks being evaluated are in memory (decision 55).

An estate's stores are read twice: once for their digests (the light first pass), then
a chunk at a time to be judged. A streamed chunk's bytes are the same both times, or
the evaluation stops: the file changed while it was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from scanner.errors import InputFileError
from scanner.inventory import head_problem, load_snapshot
from scanner.inventory_stream import InventoryLayout, scan_layout, validate_store
from scanner.model import DataStore, Snapshot, StoreOutline
from scanner.restore_evidence import RestorePlan

#: why an evaluation stops when the inventory's bytes differ between its two passes
CHANGED: Final = "changed while it was being evaluated"


@dataclass
class StoreSource:
    """An estate's stores, read a chunk at a time, with the restore evidence planned for
    them added as each is read."""

    #: the snapshot without its stores (scope, accounts, API calls), or with them
    head: Snapshot
    path: Path
    #: the SHA-256 of the inventory file
    sha256: str
    #: the stores of a snapshot loaded whole; None when they are read from ``layout``
    loaded: list[DataStore] | None = None
    layout: InventoryLayout | None = None
    restores: RestorePlan | None = None
    #: each chunk's digest (by its span) when the first pass read it; once the first pass
    #: is done, a chunk read again must be one of these spans, with the same bytes
    seen: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many stores the estate holds."""
        return len(self.loaded) if self.loaded is not None else self._layout.count

    def outlines(self, start: int, stop: int) -> tuple[list[StoreOutline], str | None]:
        """The outlines of stores ``start`` to ``stop`` (exclusive) for the first pass, and
        the digest of their bytes (None for a loaded snapshot). :class:`StoreRefused` when
        one is not valid."""
        if self.loaded is not None:
            return list(self.loaded[start:stop]), None
        pieces, digest = self._layout.read(start, stop)
        return [validate_store(piece, StoreOutline) for piece in pieces], digest

    def read(self, start: int, stop: int) -> list[DataStore]:
        """Stores ``start`` to ``stop`` (exclusive), validated whole, with their restore
        evidence. :class:`StoreRefused` when one is not valid; :class:`InputFileError`
        when their bytes differ from those the first pass read."""
        if self.loaded is not None:
            stores = self.loaded[start:stop]
        else:
            pieces, digest = self._layout.read(start, stop)
            if self.seen and self.seen.get((start, stop)) != digest:
                raise InputFileError(self.path, CHANGED)
            stores = [validate_store(piece, DataStore) for piece in pieces]
        if self.restores is not None:
            for store in stores:
                self.restores.apply(store)
        return stores

    @property
    def _layout(self) -> InventoryLayout:
        assert self.layout is not None, "a source is loaded or laid out"
        return self.layout


def open_stores(path: Path) -> StoreSource:
    """The stores of the inventory at ``path``: read a store at a time when the file is
    in the writer's layout and its head is valid, else loaded whole (which names the
    first problem of an invalid file)."""
    layout = scan_layout(path)
    if layout is not None:
        try:
            head = Snapshot.model_validate_json(layout.head)
        except ValueError:
            head = None
        if head is not None and _head_ok(head):
            return StoreSource(head, path, layout.sha256, layout=layout)
    return loaded_stores(path)


def read_whole_instead(source: StoreSource) -> StoreSource:
    """The stores of ``source``'s file loaded whole, after a store read in chunks was
    refused: the whole file's reader raises :class:`InputFileError` naming the problem.
    A file that is valid whole is not the one scanned (it changed meanwhile)."""
    loaded = loaded_stores(source.path)
    if loaded.sha256 != source.sha256:
        raise InputFileError(source.path, CHANGED)
    return loaded


def loaded_stores(path: Path) -> StoreSource:
    """The stores of the inventory at ``path``, loaded whole (any problem raises
    :class:`InputFileError` naming its line)."""
    from scanner.findings import sha256_file

    snapshot = load_snapshot(path)
    return StoreSource(snapshot, path, sha256_file(path), loaded=snapshot.stores)


def _head_ok(head: Snapshot) -> bool:
    return not head.stores and head_problem(head, datetime.now(timezone.utc)) is None
