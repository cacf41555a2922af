"""``evaluate``: inventory + policy + rule pack → findings.json (and optionally CSV)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.engine.chunks import (
    CHUNK_STORES,
    default_workers,
    digest_chunk,
    evaluate_chunk,
    map_chunks,
    read_checked,
)
from scanner.engine.coverage import CoverageCounter
from scanner.engine.estate import StoreDigest
from scanner.engine.evaluate import Evaluator, Tally
from scanner.engine.period import parse_period
from scanner.engine.rules import RulePack
from scanner.engine.store_source import CHANGED, StoreSource, open_stores, read_whole_instead
from scanner.errors import InputFileError
from scanner.fileio import atomic_writer
from scanner.findings import SCHEMA_ID, sha256_file
from scanner.findings_layout import encode_store, write_findings
from scanner.heap import bulk_objects
from scanner.model import Snapshot
from scanner.policy import Policy, load_policy
from scanner.progress import NoProgress, Progress
from scanner.render.csv import CsvResults
from scanner.restore_evidence import RestoreEvidence, RestorePlan


@dataclass
class EvaluationSummary:
    """What an evaluation wrote and its coverage."""

    output: Path
    coverage: dict[str, Any]
    exceptions: list[dict[str, Any]]
    #: what the restore-evidence file gave (findings.json's ``restore_evidence``)
    restore_evidence: dict[str, Any] | None = None


@bulk_objects()
def evaluate_files(
    inventory: Path,
    policy_path: Path,
    pack: RulePack,
    output: Path,
    clock: Callable[[], datetime],
    csv_path: Path | None = None,
    progress: Progress | None = None,
    period: str | None = None,
    restore_evidence: RestoreEvidence | None = None,
    workers: int | None = None,
) -> EvaluationSummary:
    """Evaluate ``inventory`` under ``policy_path`` over an audit ``period``
    (``FIRST..LAST``; default: the look-back ending at collection), with the restores of
    a ``restore_evidence`` file added to their stores, and write findings — with
    ``workers`` processes (default: one per core for a large estate; the findings are
    the same bytes whatever the number)."""
    source = open_stores(inventory)
    head = source.head
    policy = load_policy(policy_path, [rule.id for rule in pack.rules])
    # Ages, expiries and windows are judged as of collection: re-evaluating last quarter's
    # inventory with this quarter's rules gives last quarter's facts.
    now = head.collected_at
    evaluator = Evaluator(pack, policy, now, parse_period(period, now))
    count = default_workers(source.count) if workers is None else workers
    source, digests = estate_digests(evaluator, source, count)
    head = source.head
    applied = None
    if restore_evidence is not None:
        source.restores = RestorePlan.of(restore_evidence, [(d.id, d.cloud) for d in digests], now)
        applied = source.restores.applied
    evaluator.prepare(head, digests)
    counter, tally = CoverageCounter(), Tally()
    header = _header(source, policy_path, policy, pack, clock)
    populations = unlisted_populations(head)
    header |= _evaluation_header(evaluator, applied, populations)
    summary: dict[str, Any] = {}

    def trailer() -> dict[str, Any]:
        summary["coverage"] = counter.result() | {"complete": populations["complete"]}
        summary["exceptions"] = exception_register(policy, now, tally.applied)
        summary["defaults"] = {k: sorted(v) for k, v in sorted(tally.defaulted.items())}
        return summary

    with ExitStack() as stack:
        stream = stack.enter_context(atomic_writer(csv_path)) if csv_path else None
        csv_out = CsvResults(stream, evaluator.period.label) if stream else None
        sinks = _Sinks(counter, tally, csv_out, progress or NoProgress())
        batches = stack.enter_context(closing(_results(evaluator, source, count, sinks)))
        write_findings(output, header, batches, trailer)
    return EvaluationSummary(output, summary["coverage"], summary["exceptions"], applied)


@dataclass
class _Sinks:
    """Where results go besides findings.json: coverage, the tally, the CSV, progress."""

    counter: CoverageCounter
    tally: Tally
    csv: CsvResults | None
    progress: Progress


def estate_digests(
    evaluator: Evaluator, source: StoreSource, workers: int, chunk: int = CHUNK_STORES
) -> tuple[StoreSource, list[StoreDigest]]:
    """The first, light pass: every store's digest, read by ``workers`` processes. A store
    that is not valid, or an inconsistent estate (a store listed twice, say), has the
    whole file read by the strict reader, which names the first problem and its line."""
    task = partial(digest_chunk, evaluator, source)
    digests = read_checked(source, task, lambda digest: digest, workers, chunk)
    if digests is not None:
        return source, digests
    loaded = read_whole_instead(source)  # raises InputFileError for the problem found
    return loaded, [evaluator.digest(store) for store in loaded.head.stores]


def _results(
    evaluator: Evaluator, source: StoreSource, workers: int, sinks: _Sinks
) -> Generator[list[bytes], None, None]:
    """findings.json's store groups in batches, encoded: the stores', a chunk at a time (by
    ``workers`` processes), then the estate's."""
    sinks.progress.found(source.count)
    label = evaluator.period.label
    task = partial(evaluate_chunk, evaluator, source, csv_period=label if sinks.csv else None)
    refused = False
    with closing(map_chunks(task, source.count, workers)) as run:
        for chunk in run:
            if refused := chunk.refused:
                break
            sinks.counter.merge(chunk.coverage)
            sinks.tally.add(chunk.tally)
            if sinks.csv and chunk.csv:
                sinks.csv.add_rows(chunk.csv)
            for _ in range(chunk.stores):
                sinks.progress.done("store")
            yield chunk.results
    if refused:  # the workers are stopped: the whole file's reader says why
        read_whole_instead(source)
        raise InputFileError(source.path, CHANGED)  # valid whole, yet a chunk was refused
    estate = evaluator.estate()
    sinks.tally.add(evaluator.take_tally())
    sinks.counter.add_estate(estate)
    if sinks.csv:
        for result in estate:
            sinks.csv.add(result)
    yield [encode_store([result]) for result in estate]


def _header(
    source: StoreSource,
    policy_path: Path,
    policy: Policy,
    pack: RulePack,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """What findings.json says about its inputs: versions, times, hashes, scope."""
    snapshot = source.head
    return {
        "schema": SCHEMA_ID,
        "tool_version": __version__,
        "evaluated_at": clock().isoformat(),
        "as_of": snapshot.collected_at.isoformat(),
        "rule_pack": {"sha256": pack.sha256, "rules": [r.id for r in pack.rules]},
        "inventory": {
            "sha256": source.sha256,
            "collected_at": snapshot.collected_at.isoformat(),
            "tool_version": snapshot.tool_version,
            "api_calls": None
            if snapshot.api_calls is None
            else [c.model_dump(mode="json") for c in snapshot.api_calls],
            "principals": [p.model_dump(mode="json") for p in snapshot.principals],
        },
        "policy": {"sha256": sha256_file(policy_path), "organisation": policy.organisation},
        "scope": snapshot.scope.model_dump(mode="json"),
    }


def _evaluation_header(
    evaluator: Evaluator, applied: dict[str, Any] | None, populations: dict[str, Any]
) -> dict[str, Any]:
    """What findings.json says of this evaluation: the period, the restore evidence
    applied and the populations that could not be listed (in that order)."""
    header: dict[str, Any] = {"period": evaluator.period.as_dict()}
    if applied is not None:
        header["restore_evidence"] = applied
    return header | {"populations": populations}


def unlisted_populations(snapshot: Snapshot) -> dict[str, Any]:
    """Every listing that failed (a service in a region, an account not entered): the
    population is incomplete, and coverage says so."""
    unlisted = [
        {
            "cloud": facts.cloud,
            "account": facts.account,
            "region": gap.region,
            "operation": gap.operation,
            "error_code": gap.error_code,
            "cause": gap.cause,
            "permission": gap.permission,
            "message": gap.message,
            "resource": gap.resource,
        }
        for facts in snapshot.accounts
        for gap in facts.gaps
        if gap.attribute == "inventory"
    ]
    return {"complete": not unlisted, "unlisted": unlisted}


def exception_register(
    policy: Policy, now: datetime, applied: Mapping[int, int]
) -> list[dict[str, Any]]:
    """Every exception of the policy: active or expired, and how many results it excepted."""
    return [
        {
            "resource": e.resource,
            "rules": e.rules,
            "reason": e.reason,
            "approved_by": e.approved_by,
            "expires": e.expires.isoformat(),
            "approved_on": e.approved_on.isoformat() if e.approved_on else None,
            "risk_owner": e.risk_owner,
            "compensating_control": e.compensating_control,
            "review_by": e.review_by.isoformat() if e.review_by else None,
            "review_overdue": bool(e.review_by and e.review_by < now.date()),
            "state": "expired" if e.expires < now.date() else "active",
            "applied": applied.get(index, 0),
        }
        for index, e in enumerate(policy.exceptions)
    ]
