"""The auditor-facing report: one Jinja2 template rendered as self-contained HTML and,
through WeasyPrint, as PDF. Templates live in ``reports/`` (shipped as scanner.reports)
and are rendered with autoescape and StrictUndefined, so a store named
``<script>…`` stays text and a missing value is an error, not an empty cell.
"""

from __future__ import annotations

import gc
import hashlib
import io
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from scanner.engine.chunks import map_stores
from scanner.engine.rules import RulePack
from scanner.errors import InputFileError
from scanner.fileio import (
    atomic_binary_writer,
    atomic_writer,
    check_input_file,
    read_input_bytes,
)
from scanner.findings import Findings, sha256_file
from scanner.findings_read import load_findings
from scanner.gate import Baseline, load_baseline
from scanner.heap import bulk_objects
from scanner.render.inert import for_html
from scanner.render.report_model import STATUS_LABEL, Report, ReportContext, SignOff, build_report
from scanner.render.report_sections import EvidenceHtml, InventoryRow

FORMATS = ("html", "pdf")


def templates_dir() -> Path:
    """The shipped templates (``reports/``)."""
    return Path(str(files("scanner.reports")))


def render_html(report: Report, pack: RulePack) -> str:
    """The report as one self-contained HTML document (inline CSS, SVG and script)."""
    return "".join(html_pieces(report, pack))


def html_pieces(report: Report, pack: RulePack) -> Iterator[str]:
    """The HTML document piece by piece as the template renders it (a 10,000-store
    report is about 100 MB: written as it is made, never held whole)."""
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
    return template.generate(
        r=report, css=css, labels=STATUS_LABEL, catalogs=pack.catalogs, operations=report.operations
    )


def pdf_bytes(html: str, attachments: dict[str, SourceFile]) -> bytes:
    """The HTML rendered to an archival PDF (PDF/A-3b) with its print CSS, carrying
    ``attachments`` (name → file: the findings and inventory it was made from) as
    embedded files, read once the pages are laid out (an estate's are hundreds of
    megabytes). WeasyPrint is imported only here."""
    from weasyprint import DEFAULT_OPTIONS, HTML, Attachment

    options = DEFAULT_OPTIONS | {"pdf_variant": "pdf/a-3b"}
    document = HTML(string=html, base_url=str(templates_dir())).render(**options)
    files = [
        Attachment(
            file_obj=io.BytesIO(source.content()),
            name=name,
            description=ATTACHMENT_TEXT.get(name, name),
            relationship="Source" if name == "findings.json" else "Data",
        )
        for name, source in attachments.items()
    ]
    return document.write_pdf(**(options | {"attachments": files}))  # type: ignore[no-any-return]


ATTACHMENT_TEXT = {
    "findings.json": "The findings this report was rendered from (its schema field names it)",
    "inventory.json": "The inventory the findings were evaluated from",
}


@dataclass(frozen=True)
class SourceFile:
    """An input the report names by its SHA-256 and the PDF embeds: read again for the
    PDF (an estate's findings are hundreds of megabytes) and refused if it changed."""

    path: Path
    sha256: str

    @classmethod
    def of(cls, path: Path) -> SourceFile:
        """The file as it is now (checked as every input is)."""
        check_input_file(path, "an input")
        try:
            return cls(path, sha256_file(path))
        except OSError as exc:
            raise InputFileError(path, f"cannot read an input: {exc.strerror or exc}") from None

    def content(self) -> bytes:
        """The file's bytes, the same as when it was named."""
        data = read_input_bytes(self.path, "an input")
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise InputFileError(self.path, "changed while the report was being made")
        return data


@dataclass(frozen=True)
class ReportInputs:
    """What a report is made from: the findings (and their file, embedded in the PDF),
    optionally the inventory they were evaluated from (its appendix rows and its file)
    and a baseline."""

    findings: Findings
    pack: RulePack
    findings_file: SourceFile
    inventory: list[InventoryRow] | None = None
    inventory_file: SourceFile | None = None
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
        inventory_file, inventory = None, None
        if inventory_path is not None:
            # read first, so that the workers reading it are forked from a small process
            inventory_file = SourceFile.of(inventory_path)
            inventory = map_stores(inventory_path, InventoryRow.of)
        findings = load_findings(findings_path)
        if inventory_file is not None and inventory_file.sha256 != findings.inventory["sha256"]:
            digest = inventory_file.sha256
            raise InputFileError(
                inventory_file.path,
                f"not the inventory {findings_path.name} was evaluated from (SHA-256 "
                f"{digest[:12]}…, the findings record {findings.inventory['sha256'][:12]}…)",
            )
        return cls(
            findings,
            pack,
            SourceFile.of(findings_path),
            inventory,
            inventory_file,
            load_baseline(options.baseline) if options.baseline else None,
            options.sign_off,
        )


@dataclass(frozen=True)
class ReportOptions:
    """Optional report inputs: a baseline file and names for the sign-off block."""

    baseline: Path | None = None
    sign_off: SignOff = field(default_factory=SignOff)


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
    """Write ``report.html`` and/or ``report.pdf``, each to a temporary file (the HTML as
    it is rendered: it is never held whole), renamed into place only once every format
    is made: a rendering error leaves no new report. The two renames are not one step;
    the commands write into an output set, which replaces its files whole
    (:mod:`scanner.outputs`). Return the reports' paths."""
    context = ReportContext(
        inputs.pack,
        inputs.inventory,
        inputs.baseline,
        called_operations(inputs.findings),
        inputs.sign_off,
        {
            "findings": inputs.findings_file.sha256,
            "inventory": inputs.inventory_file.sha256 if inputs.inventory_file else None,
        },
    )
    paths = {fmt: out_dir / f"report.{fmt}" for fmt in FORMATS if fmt in formats}
    with ExitStack() as renamed_together:  # renamed once every format is made
        if "pdf" in paths:
            out = renamed_together.enter_context(atomic_binary_writer(paths["pdf"]))
            out.write(_pdf(inputs, context))
        if "html" in paths:
            report = build_report(inputs.findings, context, mode="html")
            html = renamed_together.enter_context(atomic_writer(paths["html"]))
            html.writelines(html_pieces(report, inputs.pack))
            del report
            gc.collect()  # the rendering's cycles, which the paused collector would freeze
    return paths


def _pdf(inputs: ReportInputs, context: ReportContext) -> bytes:
    """The PDF, with the findings and inventory files it was made from attached."""
    sources = {"findings.json": inputs.findings_file, "inventory.json": inputs.inventory_file}
    html = render_html(build_report(inputs.findings, context, mode="pdf"), inputs.pack)
    pdf = pdf_bytes(html, {name: file for name, file in sources.items() if file is not None})
    gc.collect()  # WeasyPrint's laid-out pages are cycles: the paused collector keeps them
    return pdf
