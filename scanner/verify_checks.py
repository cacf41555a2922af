"""The cross-checks of ``verify``: the hashes the outputs of a folder record of each other.

findings.json must load (its own results SHA-256 included) and name the SHA-256 of the
inventory.json beside it; report.html carries the SHA-256 of the findings (and inventory)
it was made from in ``<meta>`` tags, report.pdf carries those files as attachments; and
results.csv holds exactly the rows the findings give. :mod:`scanner.manifest` checks the
manifest itself.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

from scanner.errors import InputFileError
from scanner.findings import Findings
from scanner.findings_read import load_findings
from scanner.render.csv import CsvResults

FINDINGS_META: Final = "backup-audit-findings-sha256"
INVENTORY_META: Final = "backup-audit-inventory-sha256"


@dataclass
class VerifyOutcome:
    """What ``verify`` found: the checks that held, the problems (none = verified) and
    notes on what could not be compared (a file the report names is not in the folder)."""

    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, ok: bool, passed: str, problem: str) -> None:
        """Record one check: ``passed`` when it held, else ``problem``."""
        (self.checked if ok else self.problems).append(passed if ok else problem)


def check_consistency(folder: Path, digests: dict[str, str], outcome: VerifyOutcome) -> None:
    """Every cross-check whose files are present; ``digests``: name → SHA-256 of the
    known outputs in ``folder``."""
    findings = _findings(folder, digests, outcome)
    if findings is not None and "inventory.json" in digests:
        recorded = str(findings.inventory.get("sha256"))
        outcome.check(
            recorded == digests["inventory.json"],
            "findings.json: evaluated the inventory.json beside it (SHA-256 matches)",
            f"findings.json: evaluated an inventory with SHA-256 {recorded}, but inventory.json"
            f" has {digests['inventory.json']} — not the inventory these findings came from",
        )
    if findings is not None and "restore-evidence.yaml" in digests:
        applied = findings.restore_evidence or {}
        outcome.check(
            applied.get("sha256") == digests["restore-evidence.yaml"],
            "findings.json: applied the restore-evidence.yaml beside it (SHA-256 matches)",
            f"findings.json: applied restore evidence with SHA-256 {applied.get('sha256')}, but"
            f" restore-evidence.yaml has {digests['restore-evidence.yaml']}",
        )
    elif findings is not None and findings.restore_evidence is not None:
        outcome.notes.append(
            f"findings.json applied restore evidence ({findings.restore_evidence.get('file')}) "
            "that is not in this folder: it cannot be compared"
        )
    if "report.html" in digests:
        _check_html(folder / "report.html", digests, outcome)
    if "report.pdf" in digests:
        _check_pdf(folder / "report.pdf", digests, outcome)
    if findings is not None and "results.csv" in digests:
        _check_csv(folder / "results.csv", findings, outcome)


def _findings(folder: Path, digests: dict[str, str], outcome: VerifyOutcome) -> Findings | None:
    """findings.json loaded and validated, or None (absent, or a problem recorded)."""
    if "findings.json" not in digests:
        return None
    try:
        findings = load_findings(folder / "findings.json")
    except InputFileError as exc:
        where = "findings.json" + (f":{exc.line}" if exc.line is not None else "")
        outcome.problems.append(f"{where}: {exc.problem}")
        return None
    outcome.checked.append("findings.json: valid, and it matches its integrity SHA-256")
    return findings


def _compare(
    outcome: VerifyOutcome,
    source: str,
    claim: str,
    recorded: str,
    name: str,
    digests: dict[str, str],
) -> None:
    """``claim`` of ``source`` records ``recorded`` as the SHA-256 of ``name``: compare it
    with the file in the folder (a note when the file is not there)."""
    if name not in digests:
        outcome.notes.append(f"{source}: {claim} not compared ({name} is not in the folder)")
        return
    outcome.check(
        recorded == digests[name],
        f"{source}: {claim} matches the SHA-256 of {name}",
        f"{source}: {claim} has SHA-256 {recorded}, {name} in the folder has {digests[name]}"
        f" — the report was made from another {name}",
    )


class _MetaTags(HTMLParser):
    """Collects ``<meta name=… content=…>`` values by name."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and found.get("name") is not None:
            self.values.setdefault(str(found["name"]), []).append(found.get("content") or "")


def _check_html(path: Path, digests: dict[str, str], outcome: VerifyOutcome) -> None:
    """report.html names the SHA-256 of the findings (and inventory) it was made from."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        outcome.problems.append(f"report.html: cannot read: {exc}")
        return
    parser = _MetaTags()
    parser.feed(text)
    parser.close()
    for meta, name in ((FINDINGS_META, "findings.json"), (INVENTORY_META, "inventory.json")):
        values = parser.values.get(meta, [])
        if not values and name == "findings.json":
            outcome.problems.append(
                f'report.html: no <meta name="{meta}">: cannot show which findings it reports'
            )
        for value in values:
            _compare(outcome, "report.html", f'<meta name="{meta}">', value, name, digests)


def _check_pdf(path: Path, digests: dict[str, str], outcome: VerifyOutcome) -> None:
    """report.pdf carries the findings (and inventory) it was made from as attachments."""
    from pypdf import PdfReader

    try:
        attachments = {name: list(data) for name, data in PdfReader(path).attachments.items()}
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        outcome.problems.append(f"report.pdf: not a readable PDF: {exc}")
        return
    if "findings.json" not in attachments:
        outcome.problems.append(
            "report.pdf: no findings.json attached: cannot show which findings it reports"
        )
    for name in ("findings.json", "inventory.json"):
        for data in attachments.get(name, []):
            recorded = hashlib.sha256(data).hexdigest()
            _compare(outcome, "report.pdf", f"the attached {name}", recorded, name, digests)


def _check_csv(path: Path, findings: Findings, outcome: VerifyOutcome) -> None:
    """results.csv holds exactly the rows ``evaluate`` writes for these findings: it is
    written again from findings.json and compared byte for byte."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        outcome.problems.append(f"results.csv: cannot read: {exc}")
        return
    expected = io.StringIO(newline="")
    rows = CsvResults(expected, findings.period.get("label", ""))
    for result in findings.results:
        rows.add(result.as_json())
    written = expected.getvalue()
    outcome.check(
        text == written,
        f"results.csv: the rows evaluate writes for findings.json ({len(findings.results)})",
        f"results.csv: differs from the rows findings.json gives "
        f"({_first_difference(text, written)}) — altered, or not written by the same evaluation",
    )


def _first_difference(text: str, expected: str) -> str:
    """Where two CSV texts first differ, as a line number (or the row counts)."""
    got, want = text.splitlines(), expected.splitlines()
    for number, (line, wanted) in enumerate(zip(got, want, strict=False), start=1):
        if line != wanted:
            return f"first at line {number}"
    return f"{len(got) - 1} rows, findings.json has {len(want) - 1} results"
