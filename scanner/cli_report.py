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
        typer.Option(
            help="The inventory the findings were evaluated from (its SHA-256 must match): "
            "fills the inventory appendix and is embedded in the PDF."
        ),
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
    prepared_by: Annotated[
        str | None, typer.Option(help="Name for the sign-off block's 'Prepared by' line.")
    ] = None,
    reviewed_by: Annotated[
        str | None, typer.Option(help="Name for the sign-off block's 'Reviewed by' line.")
    ] = None,
) -> None:
    """Write the auditor-facing gap report: self-contained HTML and a bounded PDF.

    Cover with scope, audit period, the collecting identity, "N of M requirements
    tested" per framework and the SHA-256 of rule pack, inventory, policy and findings;
    executive summary with coverage by framework, cloud, tier and severity; control
    matrix per requirement (no legal conclusions: "no failures in N tested rules", "not
    tested by this tool — needs manual evidence"); gaps by rule, each finding once with
    its evidence and remediation; pending; not assessed with the permission to grant;
    unlisted populations; stores on policy defaults; exceptions register; inventory
    appendix (configured and observed copies apart); methodology; sign-off block.

    The PDF is archival (PDF/A-3b) and carries findings.json (and, with --inventory,
    inventory.json) as attached files; it prints a bounded subset of rows and states
    which. Last, the --output folder's manifest.json is rewritten (see verify).
    """
    from scanner import __version__
    from scanner.console import say
    from scanner.engine.rules import load_pack
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet
    from scanner.render.report import ReportInputs, ReportOptions, write_reports
    from scanner.render.report_model import SignOff

    formats = parse_formats(report_format)
    produces = [f"report.{fmt}" for fmt in formats]
    check_outputs({}, (findings, inventory, baseline), {"--output": output}, produces)
    options = ReportOptions(baseline, SignOff(prepared_by, reviewed_by))
    inputs = ReportInputs.from_files(findings, load_pack(rules), inventory, options)
    with OutputSet() as outputs:
        write_reports(inputs, outputs.folder(output), formats)
        written = outputs.commit(__version__)
    for path in written:
        say(f"Wrote {path}")


def verify(
    folder: Annotated[
        Path, typer.Argument(help="A folder backup-audit wrote into (scan, demo, report, …).")
    ],
) -> None:
    """Prove a folder of outputs is complete, unaltered and consistent.

    Every command that writes an output into a folder (scan, demo, evaluate, report, gate,
    collect, merge) ends by writing manifest.json there: the name, size and SHA-256 of
    each of inventory.json, findings.json, results.csv, report.html, report.pdf,
    junit.xml and summary.md present. verify checks that:

    - every listed file is present with its size and SHA-256 (one changed byte is caught);
    - no output was added after the manifest was written;
    - findings.json is valid and matches the SHA-256 it records of itself;
    - findings.json was evaluated on the inventory.json beside it;
    - report.html (its meta tags) and report.pdf (its attached files) were made from this
      findings.json and inventory.json;
    - results.csv has one row per result of findings.json.

    Prints each check that held (ok), each comparison that could not be made (note) and
    each problem (FAIL), then a verdict. See docs/verify.md.

    Exit codes: 0 every file verified · 1 verification failed (each problem is printed) ·
    2 bad input (no such folder, no manifest.json or a malformed one).
    """
    from scanner.console import say
    from scanner.manifest import verify_folder
    from scanner.render.inert import for_terminal

    outcome = verify_folder(folder)
    for line in outcome.checked:
        say(for_terminal(f"ok    {line}"))
    for line in outcome.notes:
        say(for_terminal(f"note  {line}"))
    for line in outcome.problems:
        typer.echo(for_terminal(f"FAIL  {line}"))
    if outcome.problems:
        typer.echo(f"verification FAILED: {len(outcome.problems)} problem(s) in {folder}")
        raise typer.Exit(1)
    typer.echo(f"verified: {folder} is complete and unaltered ({len(outcome.checked)} checks)")
