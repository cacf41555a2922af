"""The stages after collection, as ``scan`` and ``demo`` run them: evaluate → report → gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scanner.collectors.aws.collect import CollectionRun
from scanner.engine.rules import RulePack
from scanner.engine.run import EvaluationSummary, evaluate_files
from scanner.findings import load_findings
from scanner.gate import GateVerdict, load_baseline, run_gate
from scanner.inventory import write_snapshot
from scanner.render.junit import write_junit
from scanner.render.markdown import write_summary
from scanner.render.report import ReportInputs, write_reports


@dataclass
class PipelineOutcome:
    """Everything a scan wrote, and the gate's verdict when a baseline was given."""

    inventory: Path
    findings: Path
    csv: Path
    evaluation: EvaluationSummary
    reports: dict[str, Path] = field(default_factory=dict)
    verdict: GateVerdict | None = None


@dataclass(frozen=True)
class PipelineOptions:
    """How far to go after collection."""

    policy: Path
    pack: RulePack
    formats: tuple[str, ...] = ("html", "pdf")
    baseline: Path | None = None


def after_collection(
    run: CollectionRun, out_dir: Path, options: PipelineOptions, clock: Callable[[], datetime]
) -> PipelineOutcome:
    """Write the inventory, evaluate it, render the reports and, with a baseline, gate."""
    inventory = out_dir / "inventory.json"
    write_snapshot(run.snapshot, inventory)
    findings_path, csv = out_dir / "findings.json", out_dir / "results.csv"
    evaluation = evaluate_files(inventory, options.policy, options.pack, findings_path, clock, csv)
    findings = load_findings(findings_path)
    baseline = load_baseline(options.baseline) if options.baseline else None
    outcome = PipelineOutcome(inventory, findings_path, csv, evaluation)
    if options.formats:
        outcome.reports = write_reports(
            ReportInputs(findings, options.pack, run.snapshot, baseline), out_dir, options.formats
        )
    if baseline is not None:
        outcome.verdict = run_gate(findings, baseline, None, None)
        write_junit(
            findings,
            out_dir / "junit.xml",
            {(r.resource.id, r.rule) for r in outcome.verdict.new_failures},
        )
        write_summary(findings, out_dir / "summary.md", outcome.verdict)
    return outcome
