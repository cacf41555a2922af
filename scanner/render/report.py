"""The auditor-facing report: one Jinja2 template rendered as self-contained HTML and,
through WeasyPrint, as PDF. Templates live in ``reports/`` (shipped as scanner.reports)
and are rendered with autoescape and StrictUndefined, so a store named
``<script>…`` stays text and a missing value is an error, not an empty cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from scanner.engine.rules import RulePack
from scanner.fileio import write_atomic
from scanner.findings import Findings
from scanner.gate import Baseline
from scanner.model import Snapshot
from scanner.render.report_model import STATUS_LABEL, Report, build_report

FORMATS = ("html", "pdf")


def templates_dir() -> Path:
    """The shipped templates (``reports/``)."""
    return Path(str(files("scanner.reports")))


def render_html(report: Report, pack: RulePack) -> str:
    """The report as one self-contained HTML document (inline CSS, SVG and script)."""
    directory = templates_dir()
    env = Environment(
        loader=FileSystemLoader(directory), autoescape=True, undefined=StrictUndefined
    )
    template = env.get_template("report.html.j2")
    # Our own stylesheet, not data: marked safe so quotes in it are not escaped.
    css = Markup((directory / "report.css").read_text(encoding="utf-8"))
    return template.render(
        r=report, css=css, labels=STATUS_LABEL, catalogs=pack.catalogs, operations=report.operations
    )


def pdf_bytes(html: str) -> bytes:
    """The HTML rendered to PDF with its print CSS (WeasyPrint, imported only here)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(templates_dir())).write_pdf()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ReportInputs:
    """What a report is made from."""

    findings: Findings
    pack: RulePack
    snapshot: Snapshot | None = None
    baseline: Baseline | None = None


def called_operations(findings: Findings) -> list[dict[str, object]] | None:
    """The API operations the collection actually called (from the inventory the findings
    were evaluated on), for the methodology section; None when it did not record them."""
    calls = findings.inventory.get("api_calls")
    if calls is None:
        return None
    return sorted(
        (dict(c) for c in calls),
        key=lambda c: (str(c["cloud"]), str(c["service"]), str(c["operation"])),
    )


def write_reports(inputs: ReportInputs, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write ``report.html`` and/or ``report.pdf`` atomically; return their paths."""
    operations = called_operations(inputs.findings)
    written: dict[str, Path] = {}
    for fmt in formats:
        report = build_report(
            inputs.findings, inputs.pack, inputs.snapshot, inputs.baseline, operations, mode=fmt
        )
        html = render_html(report, inputs.pack)
        path = out_dir / f"report.{fmt}"
        write_atomic(path, html if fmt == "html" else pdf_bytes(html))
        written[fmt] = path
    return written
