"""Evaluating an estate's stores a chunk at a time — in this process, or, for a large
estate, in worker processes — into the same findings bytes either way.

A chunk is a run of consecutive stores of the prepared snapshot. Its output is what the
writer needs and nothing more: each store's results already encoded as findings.json's
bytes, the CSV rows, and the chunk's share of coverage and of the tally (exceptions applied, stores
given a default). Chunks come back in the snapshot's order, so the findings a worker
pool writes are byte-identical to a single process's (decision 50). Workers are forked
after :meth:`Evaluator.prepare`, so they share the loaded snapshot instead of receiving it.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Generator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Final

from scanner.engine.coverage import CoverageCounter
from scanner.engine.evaluate import Evaluator, Tally
from scanner.findings_layout import encode_store
from scanner.render.csv import CsvResults

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


#: the prepared evaluator forked workers inherit (set only while a pool runs)
_INHERITED: Evaluator | None = None


def default_workers(stores: int) -> int:
    """Workers for an estate of ``stores``: one per usable core for a large estate."""
    if stores < PARALLEL_FROM:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def evaluate_chunks(
    evaluator: Evaluator,
    stores: int,
    csv_period: str | None,
    workers: int,
    chunk: int = CHUNK_STORES,
) -> Generator[ChunkOutput, None, None]:
    """The outputs of the prepared ``evaluator``'s ``stores`` in chunks of ``chunk``, in
    order, evaluated by ``workers`` processes (1: this one). CSV rows carry
    ``csv_period``; None writes none. A worker that dies (killed for memory) fails the
    evaluation (``BrokenProcessPool``) rather than leaving it waiting."""
    spans = [(start, min(start + chunk, stores), csv_period) for start in range(0, stores, chunk)]
    if workers <= 1 or len(spans) <= 1 or sys.platform != "linux":
        # fork is Linux's: macOS and Windows spawn, which would load the estate again
        for span in spans:
            yield evaluate_chunk(evaluator, *span)
        return
    global _INHERITED
    pool = None
    try:
        _INHERITED = evaluator
        pool = ProcessPoolExecutor(
            min(workers, len(spans)), get_context("fork"), initializer=_quiet_streams
        )
        yield from pool.map(_inherited_chunk, spans)
    finally:
        _INHERITED = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _quiet_streams() -> None:
    """A worker writes to the real standard streams, never through the parent's live
    progress display (forked mid-refresh, its console may be locked)."""
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def _inherited_chunk(span: tuple[int, int, str | None]) -> ChunkOutput:
    """A worker's task: one chunk of the evaluator it inherited."""
    assert _INHERITED is not None, "workers are forked while an evaluation runs"
    return evaluate_chunk(_INHERITED, *span)


def evaluate_chunk(
    evaluator: Evaluator, start: int, stop: int, csv_period: str | None
) -> ChunkOutput:
    """Stores ``start`` to ``stop`` (exclusive) of the prepared ``evaluator``."""
    counter = CoverageCounter()
    rows = io.StringIO() if csv_period is not None else None
    csv_out = CsvResults(rows, csv_period or "", header=False) if rows is not None else None
    encoded: list[bytes] = []
    for verdicts in evaluator.stores_between(start, stop):
        counter.add(verdicts)
        if csv_out is not None:
            for result in verdicts.results:
                csv_out.add(result)
        if verdicts.results:  # a pack of estate rules only judges no store
            encoded.append(encode_store(verdicts.results))
    csv_text = rows.getvalue() if rows is not None else None
    return ChunkOutput(encoded, csv_text, counter, evaluator.take_tally(), stop - start)
