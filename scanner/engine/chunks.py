"""Evaluating an estate's stores a chunk at a time — in this process, or, for a large
estate, in worker processes — into the same findings bytes either way.

A chunk is a run of consecutive stores of the estate, which a worker reads itself
(:class:`StoreSource`). The estate is mapped in chunks twice: first for each store's
digest (what estate-wide facts need), then, after :meth:`Evaluator.prepare`, for the
verdicts. A verdicts chunk's output is what the writer needs and nothing more: each
store's results already encoded as findings.json's bytes, the CSV rows, and the chunk's
share of coverage and of the tally (exceptions applied, stores given a default). Chunks
come back in the estate's order, so the findings a worker pool writes are byte-identical
to a single process's (decision 50). Workers are forked for each pass, so they inherit
the prepared evaluator and the source instead of receiving them (decision 55).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from scanner.engine.coverage import CoverageCounter
from scanner.engine.estate import StoreDigest
from scanner.engine.evaluate import Evaluator, Tally
from scanner.engine.store_source import StoreSource, open_stores, read_whole_instead
from scanner.findings_layout import encode_store
from scanner.inventory import StoreIdentity, store_problems
from scanner.inventory_stream import StoreRefused
from scanner.model import DataStore
from scanner.render.csv import CsvResults

T = TypeVar("T")

#: stores per chunk: large enough to keep the workers' messages few, small enough that a
#: chunk's encoded results (about 25 KB a store) stay a few megabytes
CHUNK_STORES: Final = 250
#: an estate smaller than this is evaluated in this process (starting workers costs more)
PARALLEL_FROM: Final = 2_000


@dataclass
class ChunkOutput:
    """What evaluating one chunk of stores gives the findings writer."""

    #: each store's results as findings.json's bytes (a store group), in order
    results: list[bytes]
    #: the results as CSV rows (None when no CSV is written)
    csv: str | None
    coverage: CoverageCounter
    tally: Tally
    stores: int
    #: a store of the chunk is not valid (the whole file's reader then says why)
    refused: bool = False


#: what forked workers run on each span (set only while a pool runs)
_INHERITED: Callable[[int, int], Any] | None = None


def default_workers(stores: int) -> int:
    """Workers for an estate of ``stores``: one per usable core for a large estate."""
    if stores < PARALLEL_FROM:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def map_chunks(
    task: Callable[[int, int], T], stores: int, workers: int, chunk: int = CHUNK_STORES
) -> Generator[T, None, None]:
    """``task(start, stop)`` of each chunk of ``chunk`` of ``stores`` stores, in order, run
    by ``workers`` forked processes (1: this one), which inherit ``task`` and all it
    holds. A worker that dies (killed for memory) fails the run (``BrokenProcessPool``)
    rather than leaving it waiting."""
    spans = [(start, min(start + chunk, stores)) for start in range(0, stores, chunk)]
    if workers <= 1 or len(spans) <= 1 or sys.platform != "linux":
        # fork is Linux's: macOS and Windows spawn, which would read the estate again
        for span in spans:
            yield task(*span)
        return
    global _INHERITED
    pool = None
    try:
        _INHERITED = task
        pool = ProcessPoolExecutor(
            min(workers, len(spans)), get_context("fork"), initializer=_quiet_streams
        )
        yield from pool.map(_inherited_task, *zip(*spans, strict=True))
    finally:
        _INHERITED = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _quiet_streams() -> None:
    """A worker writes to the real standard streams, never through the parent's live
    progress display (forked mid-refresh, its console may be locked)."""
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def _inherited_task(start: int, stop: int) -> Any:
    """A worker's task: the inherited task on one span."""
    assert _INHERITED is not None, "workers are forked while a run maps its chunks"
    return _INHERITED(start, stop)


@dataclass
class ReadChunk(Generic[T]):
    """A first read of one chunk: an item per store (each naming its store's identity)
    and the digest of the chunk's bytes. A chunk with a store that is not valid is None
    instead: the whole file's reader then says why."""

    span: tuple[int, int]
    items: list[T]
    read: str | None


def read_checked(
    source: StoreSource,
    task: Callable[[int, int], ReadChunk[T] | None],
    identity: Callable[[T], StoreIdentity],
    workers: int,
    chunk: int = CHUNK_STORES,
) -> list[T] | None:
    """The items of every chunk of ``source``, in order, made by ``task`` in ``workers``
    processes, with each chunk's bytes noted as read (:attr:`StoreSource.seen`). None when
    a chunk is refused or the estate is inconsistent (a store listed twice, say): the
    caller has the whole file's reader name the problem (:func:`read_whole_instead`)."""
    items: list[T] = []
    with closing(map_chunks(task, source.count, workers, chunk)) as run:
        for part in run:
            if part is None:
                break
            items.extend(part.items)
            if part.read is not None:
                source.seen[part.span] = part.read
        else:
            if store_problems(source.head, [identity(item) for item in items]) is None:
                return items
    return None


def digest_chunk(
    evaluator: Evaluator, source: StoreSource, start: int, stop: int
) -> ReadChunk[StoreDigest] | None:
    """The digests of stores ``start`` to ``stop`` (exclusive) of ``source``."""
    try:
        stores, read = source.outlines(start, stop)
    except StoreRefused:
        return None
    return ReadChunk((start, stop), [evaluator.digest(store) for store in stores], read)


def evaluate_chunk(
    evaluator: Evaluator, source: StoreSource, start: int, stop: int, csv_period: str | None
) -> ChunkOutput:
    """Stores ``start`` to ``stop`` (exclusive) of ``source``, by the prepared ``evaluator``."""
    counter = CoverageCounter()
    rows = io.StringIO() if csv_period is not None else None
    csv_out = CsvResults(rows, csv_period or "", header=False) if rows is not None else None
    encoded: list[bytes] = []
    try:
        stores = source.read(start, stop)
    except StoreRefused:
        return ChunkOutput([], None, counter, evaluator.take_tally(), 0, refused=True)
    for verdicts in evaluator.judge(stores):
        counter.add(verdicts)
        if csv_out is not None:
            for result in verdicts.results:
                csv_out.add(result)
        if verdicts.results:  # a pack of estate rules only judges no store
            encoded.append(encode_store(verdicts.results))
    csv_text = rows.getvalue() if rows is not None else None
    return ChunkOutput(encoded, csv_text, counter, evaluator.take_tally(), stop - start)


@dataclass(frozen=True, slots=True)
class _Mapped(Generic[T]):
    """What :func:`store_problems` reads of a store, and what ``each`` made of it."""

    id: str
    kind: str
    account: str
    created_at: datetime | None
    value: T


def map_stores(path: Path, each: Callable[[DataStore], T], workers: int | None = None) -> list[T]:
    """``each`` of every store of the inventory at ``path``, in order: read a chunk at a
    time (by ``workers`` processes; default: one per core for a large estate) when the
    file is in the writer's layout, else loaded whole. Every store is validated whole and
    the estate checked as :func:`load_snapshot` checks it; any problem raises its error."""
    source = open_stores(path)
    if source.layout is not None:
        count = default_workers(source.count) if workers is None else workers
        task = partial(_mapped, source, each)
        mapped = read_checked(source, task, _itself, count)
        if mapped is not None:
            return [item.value for item in mapped]
        source = read_whole_instead(source)  # raises InputFileError for the problem found
    return [each(store) for store in source.head.stores]


def _itself(item: _Mapped[T]) -> StoreIdentity:
    return item


def _mapped(
    source: StoreSource, each: Callable[[DataStore], T], start: int, stop: int
) -> ReadChunk[_Mapped[T]] | None:
    """``each`` of one chunk's stores with their identities."""
    try:
        stores = source.read(start, stop)
    except StoreRefused:
        return None
    items = [_Mapped(s.id, s.kind, s.account, s.created_at, each(s)) for s in stores]
    return ReadChunk((start, stop), items, None)
