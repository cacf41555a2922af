"""The auditor-facing report: one Jinja2 template rendered as self-contained HTML and,
through WeasyPrint, as PDF. Templates live in ``reports/`` (shipped as scanner.reports)
and are rendered with autoescape and StrictUndefined, so a store named
``<script>…`` stays text and a missing value is an error, not an empty cell.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from scanner.engine.rules import RulePack
from scanner.errors import InputFileError
from scanner.fileio import read_input_bytes, write_atomic
from scanner.findings import Findings
from scanner.findings_read import load_findings
from scanner.gate import Baseline, load_baseline
from scanner.heap import bulk_objects
from scanner.inventory import load_snapshot
from scanner.model import Snapshot
from scanner.render.inert import for_html
from scanner.render.report_model import STATUS_LABEL, Report, ReportContext, SignOff, build_report
from scanner.render.report_sections import EvidenceHtml

FORMATS = ("html", "pdf")


def templates_dir() -> Path:
    """The shipped templates (``reports/``)."""
    return Path(str(files("scanner.reports")))


def render_html(report: Report, pack: RulePack) -> str:
    """The report as one self-contained HTML document (inline CSS, SVG and script)."""
    directory = templates_dir()
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=for_html,
    )
    env.globals["evidence_list"] = EvidenceHtml()
    template = env.get_template("report.html.j2")
    # Our own stylesheet, not data: marked safe so quotes in it are not escaped.
    css = Markup((directory / "report.css").read_text(encoding="utf-8"))
    return template.render(
        r=report, css=css, labels=STATUS_LABEL, catalogs=pack.catalogs, operations=report.operations
    )


def pdf_bytes(html: str, attachments: dict[str, bytes]) -> bytes:
    """The HTML rendered to an archival PDF (PDF/A-3b) with its print CSS, carrying
    ``attachments`` (name → bytes: the findings and inventory it was made from) as
    embedded files. WeasyPrint is imported only here."""
    from weasyprint import HTML, Attachment

    files = [
        Attachment(
            file_obj=io.BytesIO(data),
            name=name,
            description=ATTACHMENT_TEXT.get(name, name),
            relationship="Source" if name == "findings.json" else "Data",
        )
        for name, data in attachments.items()
    ]
    document = HTML(string=html, base_url=str(templates_dir()))
    return document.write_pdf(  # type: ignore[no-any-return]
        pdf_variant="pdf/a-3b", attachments=files
    )


ATTACHMENT_TEXT = {
    "findings.json": "The findings this report was rendered from (its schema field names it)",
    "inventory.json": "The inventory the findings were evaluated from",
}


@dataclass(frozen=True)
class ReportInputs:
    """What a report is made from: the findings (and their bytes, embedded in the PDF),
    optionally the inventory they were evaluated from and a baseline."""

    findings: Findings
    pack: RulePack
    findings_bytes: bytes
    snapshot: Snapshot | None = None
    inventory_bytes: bytes | None = None
    baseline: Baseline | None = None
    sign_off: SignOff = field(default_factory=SignOff)

    @classmethod
    def from_files(
        cls,
        findings_path: Path,
        pack: RulePack,
        inventory_path: Path | None = None,
        options: ReportOptions | None = None,
    ) -> ReportInputs:
        """Read the findings (and inventory); an inventory other than the one the
        findings were evaluated from is refused before anything is rendered."""
        options = options or ReportOptions()
        findings = load_findings(findings_path)
        inventory_bytes = None
        snapshot = options.snapshot
        if inventory_path is not None:
            inventory_bytes = _read(inventory_path)
            digest = hashlib.sha256(inventory_bytes).hexdigest()
            if digest != findings.inventory["sha256"]:
                raise InputFileError(
                    inventory_path,
                    f"not the inventory {findings_path.name} was evaluated from (SHA-256 "
                    f"{digest[:12]}…, the findings record {findings.inventory['sha256'][:12]}…)",
                )
            snapshot = snapshot or load_snapshot(inventory_path)
        return cls(
            findings,
            pack,
            _read(findings_path),
            snapshot,
            inventory_bytes,
            load_baseline(options.baseline) if options.baseline else None,
            options.sign_off,
        )


@dataclass(frozen=True)
class ReportOptions:
    """Optional report inputs: a baseline file, names for the sign-off block, and an
    inventory already in memory (scan and demo have it; the report command reads it)."""

    baseline: Path | None = None
    sign_off: SignOff = field(default_factory=SignOff)
    snapshot: Snapshot | None = None


def _read(path: Path) -> bytes:
    return read_input_bytes(path, "an input")


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


@bulk_objects()
def write_reports(inputs: ReportInputs, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Render every format first, then write ``report.html`` and/or ``report.pdf``
    atomically (a rendering error leaves no new report); return their paths."""
    hashes = {
        "findings": hashlib.sha256(inputs.findings_bytes).hexdigest(),
        "inventory": hashlib.sha256(inputs.inventory_bytes).hexdigest()
        if inputs.inventory_bytes is not None
        else None,
    }
    context = ReportContext(
        inputs.pack,
        inputs.snapshot,
        inputs.baseline,
        called_operations(inputs.findings),
        inputs.sign_off,
        hashes,
    )
    attachments = {"findings.json": inputs.findings_bytes}
    if inputs.inventory_bytes is not None:
        attachments["inventory.json"] = inputs.inventory_bytes
    rendered: dict[str, str | bytes] = {}
    for fmt in formats:
        html = render_html(build_report(inputs.findings, context, mode=fmt), inputs.pack)
        rendered[fmt] = html if fmt == "html" else pdf_bytes(html, attachments)
    written: dict[str, Path] = {}
    for fmt, data in rendered.items():
        written[fmt] = out_dir / f"report.{fmt}"
        write_atomic(written[fmt], data)
    return written
