"""CLI command ``report``: findings (and optionally the inventory) → report.html / report.pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.cli_engine import RulesOption
from scanner.errors import InputError

FormatOption = Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf.")]


def parse_formats(text: str) -> tuple[str, ...]:
    """``"html,pdf"`` → ("html", "pdf"); anything else is bad input."""
    from scanner.render.report import FORMATS

    formats = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(
            f"--format: {', '.join(bad) or 'nothing'} — choose from {', '.join(FORMATS)}"
        )
    return formats


def report(
    findings: Annotated[Path, typer.Argument(help="findings.json from evaluate or scan.")],
    inventory: Annotated[
        Path | None,
        typer.Option(help="The inventory the findings came from: fills the inventory appendix."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="A baseline (or earlier findings.json) for the coverage trend."),
    ] = None,
    report_format: FormatOption = "html,pdf",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into.")] = Path(
        "."
    ),
    rules: RulesOption = None,
) -> None:
    """Write the auditor-facing gap report: self-contained HTML and a bounded PDF.

    Cover with scope and SHA-256 of rule pack, inventory and policy; executive summary
    with coverage charts; control matrix per framework; gaps by requirement with
    evidence and remediation; what could not be assessed and the permission to grant;
    exceptions register; inventory appendix; methodology.
    """
    from scanner.engine.rules import load_pack
    from scanner.findings import load_findings
    from scanner.gate import load_baseline
    from scanner.inventory import load_snapshot
    from scanner.render.report import ReportInputs, write_reports

    formats = parse_formats(report_format)
    inputs = ReportInputs(
        load_findings(findings),
        load_pack(rules),
        load_snapshot(inventory) if inventory else None,
        load_baseline(baseline) if baseline else None,
    )
    for path in write_reports(inputs, output, formats).values():
        typer.echo(f"Wrote {path}")
