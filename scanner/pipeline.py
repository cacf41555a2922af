"""The stages after collection, as ``scan`` and ``demo`` run them: evaluate → report → gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from scanner import __version__
from scanner.engine.rules import RulePack
from scanner.engine.run import EvaluationSummary, evaluate_files
from scanner.fileio import write_atomic
from scanner.findings_read import load_findings
from scanner.gate import GateVerdict, load_baseline, run_gate
from scanner.inventory import write_snapshot
from scanner.model import Snapshot
from scanner.outputs import OutputSet
from scanner.render.junit import write_junit
from scanner.render.markdown import write_summary
from scanner.render.report import ReportInputs, SourceFile, write_reports
from scanner.render.report_sections import InventoryRow
from scanner.restore_evidence import EVIDENCE_NAME, RestoreEvidence, unapplied


@dataclass
class PipelineOutcome:
    """Everything a scan wrote, and the gate's verdict when a baseline was given."""

    inventory: Path
    findings: Path
    csv: Path
    evaluation: EvaluationSummary
    reports: dict[str, Path] = field(default_factory=dict)
    verdict: GateVerdict | None = None
    written: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class PipelineOptions:
    """How far to go after collection."""

    policy: Path
    pack: RulePack
    formats: tuple[str, ...] = ("html", "pdf")
    baseline: Path | None = None
    period: str | None = None
    restore_evidence: RestoreEvidence | None = None


def after_collection(
    snapshot: Snapshot, out_dir: Path, options: PipelineOptions, clock: Callable[[], datetime]
) -> PipelineOutcome:
    """Write the inventory, evaluate it, render the reports and, with a baseline, gate;
    last, the folder's manifest.json (the name, size and SHA-256 of every output). The
    files appear in ``out_dir`` as one new set (:class:`OutputSet`): all or none."""
    with OutputSet() as outputs:
        outcome = _run_stages(snapshot, outputs.folder(out_dir), options, clock)
        outcome.written = outputs.commit(__version__, keep=False)
    outcome.inventory, outcome.findings = out_dir / "inventory.json", out_dir / "findings.json"
    outcome.csv = out_dir / "results.csv"
    outcome.reports = {fmt: out_dir / path.name for fmt, path in outcome.reports.items()}
    return outcome


def _run_stages(
    snapshot: Snapshot, out_dir: Path, options: PipelineOptions, clock: Callable[[], datetime]
) -> PipelineOutcome:
    inventory = out_dir / "inventory.json"
    write_snapshot(snapshot, inventory)
    findings_path, csv = out_dir / "findings.json", out_dir / "results.csv"
    evaluation = evaluate_files(
        inventory,
        options.policy,
        options.pack,
        findings_path,
        clock,
        csv,
        period=options.period,
        restore_evidence=options.restore_evidence,
    )
    findings = load_findings(findings_path)
    baseline = load_baseline(options.baseline) if options.baseline else None
    outcome = PipelineOutcome(inventory, findings_path, csv, evaluation)
    if options.formats:
        outcome.reports = write_reports(
            ReportInputs(
                findings,
                options.pack,
                SourceFile.of(findings_path),
                [InventoryRow.of(store) for store in snapshot.stores],
                SourceFile.of(inventory),
                baseline,
            ),
            out_dir,
            options.formats,
        )
    if options.restore_evidence is not None:  # the folder keeps every input a verdict read
        write_atomic(out_dir / EVIDENCE_NAME, options.restore_evidence.content)
    if baseline is not None:
        outcome.verdict = run_gate(findings, baseline, None, None)
        write_junit(
            findings,
            out_dir / "junit.xml",
            {(r.resource.id, r.rule) for r in outcome.verdict.new_failures},
        )
        write_summary(findings, out_dir / "summary.md", outcome.verdict)
    return outcome


def print_outcome(snapshot: Snapshot, outcome: PipelineOutcome) -> None:
    """The inventory summary, coverage, the files written and the gate's verdict."""
    from scanner.console import quiet, say, warn
    from scanner.render.inert import for_terminal
    from scanner.summary import print_coverage, print_summary

    console = Console()
    if not quiet():
        print_summary(snapshot, console)
        print_coverage(outcome.evaluation.coverage, outcome.evaluation.exceptions, console)
    for path in outcome.written:
        say(f"Wrote {path}")
    applied = outcome.evaluation.restore_evidence
    for note in unapplied(applied) if applied else []:
        warn(note)
    if outcome.verdict is not None:
        for reason in outcome.verdict.reasons:
            typer.echo(for_terminal(f"FAIL: {reason}"))
        if outcome.verdict.passed:
            say("gate passed")
        else:
            typer.echo("gate FAILED")
