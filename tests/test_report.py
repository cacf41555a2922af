"""The auditor-facing report: HTML in headless Chromium, PDF read back and rasterised.

Findings come from the real engine on a small estate whose names and tags carry markup
that must stay inert text, with a not-assessed store and an excepted result.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from pypdf import PdfReader

from scanner.errors import InputFileError
from scanner.findings import Findings
from scanner.findings_read import load_findings
from scanner.render.report import ReportInputs, SourceFile, render_html, write_reports
from scanner.render.report_model import PDF_GAP_ROWS, ReportContext, build_report
from tests.engine_helpers import CACHE_EXCEPTION, GOOD_TABLE, PACK, POLICY, evaluate, store

SCRIPT = "<script>document.body.setAttribute('data-pwned','script')</script>"
IMG = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
DENIED = [
    {
        "attribute": "protections",
        "operation": "dynamodb:DescribeContinuousBackups",
        "error_code": "AccessDeniedException",
        "cause": "denied",
        "message": "denied",
        "permission": "dynamodb:DescribeContinuousBackups",
    }
]
CHROMIUM = [
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Findings]:
    tmp = tmp_path_factory.mktemp("report")
    policy = POLICY | {"exceptions": [CACHE_EXCEPTION]}
    findings, _ = evaluate(
        tmp,
        [
            store("good", tags={"data-classification": "phi"}, **GOOD_TABLE),
            store(f"evil{SCRIPT}", tags={"data-classification": "phi", "owner": IMG}),
            store("denied", gaps=DENIED, recovery_points=GOOD_TABLE["recovery_points"]),
            store("cache"),
        ],
        policy,
    )
    inputs = ReportInputs.from_files(tmp / "findings.json", PACK, tmp / "inventory.json")
    write_reports(inputs, tmp, ("html", "pdf"))
    return tmp, findings


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHROMIUM, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_html_is_self_contained_and_escapes_markup(rendered: tuple[Path, Findings]) -> None:
    html = (rendered[0] / "report.html").read_text()
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;document.body.setAttribute" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no network fetch"


def test_html_in_chromium(rendered: tuple[Path, Findings], tmp_path: Path) -> None:
    page = (rendered[0] / "report.html").as_uri()
    dom = chromium(f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not re.search(r"<body[^>]*data-pwned", dom.stdout), "markup in data must not run"
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    overall = rendered[1].coverage.overall
    assert f'id="coverage-overall">{overall.ratio:.1%}<' in dom.stdout
    assert "Executive summary" in dom.stdout and "Control matrix" in dom.stdout
    shot = tmp_path / "shot.png"
    taken = chromium(
        f"--user-data-dir={tmp_path / 'profile2'}",
        f"--screenshot={shot}",
        "--window-size=1280,2400",
        page,
    )
    assert taken.returncode == 0 and shot.stat().st_size > 10_000


def test_not_assessed_is_shown_as_such(rendered: tuple[Path, Findings]) -> None:
    tmp, findings = rendered
    html = (tmp / "report.html").read_text()
    section = html[html.index('id="not-assessed"') : html.index('id="exceptions"')]
    assert "denied" in section and "dynamodb:DescribeContinuousBackups" in section
    assert section.count("not assessed</span>") == sum(
        r.status == "not_assessed" for r in findings.results
    )
    assert "status-pass" not in section


def _titles(outline: list[object]) -> list[str]:
    """Every bookmark title of a PDF outline (nested lists flattened)."""
    titles: list[str] = []
    for item in outline:
        titles += _titles(item) if isinstance(item, list) else [str(getattr(item, "title", ""))]
    return titles


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_sections_hashes_counts_and_pages(
    rendered: tuple[Path, Findings], tmp_path: Path
) -> None:
    tmp, findings = rendered
    pdf = tmp / "report.pdf"
    text = _pdf_text(pdf)
    for section in (
        "Executive summary",
        "Control matrix",
        "Gaps by rule",
        "Pending",
        "Unlisted populations",
        "Sign-off",
        "Not assessed",
        "Exceptions register",
        "Inventory appendix",
        "Methodology",
    ):
        assert section in text
    flat = re.sub(r"\s+", "", text)
    for digest in (
        findings.inventory["sha256"],
        findings.policy["sha256"],
        findings.rule_pack["sha256"],
    ):
        assert digest in flat
    pages = len(PdfReader(pdf).pages)
    assert f"Page 1 of {pages}" in text and "Test Org" in text
    assert (
        f"{findings.coverage.overall.covered} of {findings.coverage.overall.in_scope} stores"
        in text
    )
    assert "rebuildable" in flat and "jane@example.com" in flat
    assert "dynamodb:DescribeContinuousBackups" in flat
    outline = _titles(PdfReader(pdf).outline)
    assert {"Executive summary", "Control matrix", "Methodology"} <= set(outline)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == pages


def test_pdf_is_bounded_and_html_keeps_every_row(tmp_path: Path) -> None:
    stores = [store(f"t{i:04d}") for i in range(PDF_GAP_ROWS // 2 + 20)]
    findings, _ = evaluate(tmp_path, stores)
    failing = sum(r.status == "fail" for r in findings.results)
    pdf = build_report(findings, ReportContext(PACK), mode="pdf")
    html = build_report(findings, ReportContext(PACK), mode="html")
    assert pdf.hidden["gaps"] == failing - PDF_GAP_ROWS > 0 and html.hidden["gaps"] == 0
    shown_pdf = {id(r) for g in pdf.gap_groups for r in g.results}
    assert len(shown_pdf) == PDF_GAP_ROWS
    assert "less severe failing results are not printed" in render_html(pdf, PACK)


def test_report_command(rendered: tuple[Path, Findings], tmp_path: Path) -> None:
    findings = rendered[0] / "findings.json"
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "report",
            str(findings),
            "--format",
            "html",
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (
        ok.returncode == 0
        and (tmp_path / "report.html").exists()
        and not (tmp_path / "report.pdf").exists()
    )
    assert "give --inventory" in (tmp_path / "report.html").read_text()
    bad = subprocess.run(
        [sys.executable, "-m", "scanner", "report", str(findings), "--format", "docx"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2 and "--format" in bad.stderr
    assert load_findings(findings).results


LONG = "x" * 140
MARGIN_PT = 15 / 25.4 * 72  # the stylesheet's left and right page margin


def words_outside_the_text_column(pdf: Path) -> list[str]:
    """Every word pdftotext places outside the page's text column (left/right margins),
    or off the page vertically, as "page N: word"."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    outside = []
    for number, page in enumerate(root.iterfind(".//x:page", ns), start=1):
        width, height = float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iterfind("x:word", ns):
            x0, x1 = float(word.get("xMin", 0)), float(word.get("xMax", 0))
            y0, y1 = float(word.get("yMin", 0)), float(word.get("yMax", 0))
            if x0 < MARGIN_PT - 1 or x1 > width - MARGIN_PT + 1 or y0 < 0 or y1 > height:
                outside.append(f"page {number}: {word.text} ({x0:.0f}-{x1:.0f} of {width:.0f})")
    return outside


def test_pdf_words_stay_inside_the_page_with_long_tokens(tmp_path: Path) -> None:
    arn_like = "arn:aws:backup:eu-west-1:111122223333:recovery-point:" + "0123456789abcdef" * 6
    stores = [
        store(f"long-{LONG}", tags={"data-classification": "phi", "owner": LONG}),
        store(
            "replicated",
            tags={"data-classification": "pii"},
            copies=[
                {
                    "kind": "backup_copy",
                    "target": arn_like,
                    "region": "us-east-1",
                    "resolved": True,
                    "state": "configured",
                    "source": "plan",
                }
            ],
        ),
        store("denied", gaps=DENIED, recovery_points=GOOD_TABLE["recovery_points"]),
    ]
    policy = POLICY | {
        "ownership": {"tag": "owner"},
        "exceptions": [CACHE_EXCEPTION | {"reason": LONG, "resource": f"arn:{LONG}"}],
    }
    findings, _ = evaluate(tmp_path, stores, policy)
    inputs = ReportInputs.from_files(tmp_path / "findings.json", PACK, tmp_path / "inventory.json")
    write_reports(inputs, tmp_path, ("pdf",))
    text = re.sub(r"\s+", "", _pdf_text(tmp_path / "report.pdf"))
    assert LONG in text and arn_like in text, "long tokens are printed whole, wrapped"
    assert words_outside_the_text_column(tmp_path / "report.pdf") == []
    assert any(r.resource.owner == LONG for r in findings.results)


def test_demo_pdf_fits_the_page_and_carries_its_evidence(demo: tuple[Path, object]) -> None:
    out = demo[0]
    pdf = out / "report.pdf"
    assert words_outside_the_text_column(pdf) == []
    reader = PdfReader(pdf)
    attached = {name: data[0] for name, data in reader.attachments.items()}
    assert attached["findings.json"] == (out / "findings.json").read_bytes()
    assert attached["inventory.json"] == (out / "inventory.json").read_bytes()
    described = _attachment_descriptions(reader)
    assert set(described) == {"findings.json", "inventory.json"}
    assert "findings/v" not in described["findings.json"], "no format but the file's own"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp, "PDF/A-3b"


def _attachment_descriptions(reader: PdfReader) -> dict[str, str]:
    """Each embedded file's name and the description the PDF gives it."""
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    return {str(names[i]): str(names[i + 1].get_object()["/Desc"]) for i in range(0, len(names), 2)}


def test_every_decided_verdict_names_the_operation_and_fields(demo: tuple[Path, object]) -> None:
    out = demo[0]
    findings = load_findings(out / "findings.json")
    decided = [r for r in findings.results if r.status in ("pass", "fail")]
    unsupported = [
        (r.rule, r.resource.name)
        for r in decided
        if not any(e.get("operation") and e.get("fields") for e in r.evidence or [])
    ]
    assert decided and unsupported == []
    html = (out / "report.html").read_text()
    gaps = html[html.index('id="gaps"') : html.index('id="passing"')]
    passing = html[html.index('id="passing"') : html.index('id="pending"')]
    assert gaps.count('<ul class="evidence">') == sum(r.status == "fail" for r in decided)
    rows = re.findall(r'<li class="passed-rule">(.*?)</li>', passing)
    assert len(rows) == sum(r.status == "pass" for r in decided)
    assert all(re.search(r"\[\d+(, \d+)*\]</span>$", row) for row in rows), "each cites evidence"
    # An absence is evidence: a table without any backup says which listing returned 0.
    (drafts,) = [
        r for r in decided if r.rule == "BKP-EXISTS" and r.resource.name == "invoice-drafts"
    ]
    listed = {e["operation"]: e["fields"] for e in drafts.evidence or []}
    assert (
        listed["backup:ListRecoveryPointsByBackupVault"][
            "completed recovery points of this resource"
        ]
        == 0
    )


def test_a_stores_passing_evidence_is_listed_once_whatever_its_objects(tmp_path: Path) -> None:
    from scanner.findings import StoreResults
    from scanner.render.report_sections import passing_stores

    findings, _ = evaluate(tmp_path, [store("good", **GOOD_TABLE)])
    (group,) = [g for g in findings.stores if g.resource.name == "good"]
    # the same store again, its equal items other objects (a v2 file's store, split)
    clone = StoreResults.model_validate(group.model_dump(mode="json"))
    (listed,) = passing_stores(findings.model_copy(update={"stores": [group]}), None)[0]
    (twice,) = passing_stores(findings.model_copy(update={"stores": [group, clone]}), None)[0]
    assert listed.evidence and twice.evidence == listed.evidence
    assert len(twice.results) == 2 * len(listed.results)
    assert [refs for _, refs in twice.results] == [refs for _, refs in listed.results] * 2


def test_a_report_that_cannot_be_put_in_place_leaves_no_other_behind(tmp_path: Path) -> None:
    evaluate(tmp_path, [store("good", **GOOD_TABLE), store("cache")], POLICY)
    inputs = ReportInputs.from_files(tmp_path / "findings.json", PACK, tmp_path / "inventory.json")
    out = tmp_path / "out"
    (out / "report.html" / "blocked").mkdir(parents=True)  # the HTML cannot be put in place
    with pytest.raises(OSError):
        write_reports(inputs, out, ("html", "pdf"))
    assert sorted(p.name for p in out.iterdir()) == ["report.html"], "no PDF, no temporary"
    (out / "report.html" / "blocked").rmdir()
    (out / "report.html").rmdir()
    written = write_reports(inputs, out, ("html", "pdf"))
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]
    assert written == {"pdf": out / "report.pdf", "html": out / "report.html"}
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html == render_html(
        build_report(inputs.findings, _context(inputs), mode="html"), PACK
    ), "written as rendered"


def _context(inputs: ReportInputs) -> ReportContext:
    hashes = {"findings": inputs.findings_file.sha256, "inventory": None}
    if inputs.inventory_file is not None:
        hashes["inventory"] = inputs.inventory_file.sha256
    return ReportContext(PACK, inputs.inventory, None, None, inputs.sign_off, hashes)


def test_an_input_changed_while_the_pdf_is_made_is_refused(tmp_path: Path) -> None:
    evaluate(tmp_path, [store("good", **GOOD_TABLE)], POLICY)
    inputs = ReportInputs.from_files(tmp_path / "findings.json", PACK, tmp_path / "inventory.json")
    with (tmp_path / "inventory.json").open("a") as changed:
        changed.write("\n")
    with pytest.raises(InputFileError, match=r"inventory\.json.*changed while the report"):
        write_reports(inputs, tmp_path, ("pdf",))
    assert not (tmp_path / "report.pdf").exists()


def test_an_input_that_cannot_be_read_is_named_with_the_reason() -> None:
    unreadable = Path("/proc/self/mem")  # a regular file whose every read fails (EIO)
    with pytest.raises(InputFileError, match=r"mem: cannot read an input: Input/output error$"):
        SourceFile.of(unreadable)
    with pytest.raises(InputFileError, match=r"cannot read a findings file: Input/output error$"):
        load_findings(unreadable)
