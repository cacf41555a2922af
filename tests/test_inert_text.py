"""Hostile text from the clouds (store names, tags) stays inert in every output: no
terminal escapes on the terminal, no formulas in the CSV, well-formed JUnit XML,
escaped Markdown."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree as ET

from scanner.render.inert import for_csv, for_markdown, for_rich, for_terminal, for_xml
from tests.conftest import cli
from tests.engine_helpers import evaluate, store

HOSTILE = '=HYPERLINK("http://x")\x1b]0;pwned\x07\x0b|`[red]x[/red]\u202e\x9b2J'


def test_each_format_shows_controls_and_defuses_its_own_syntax() -> None:
    assert "\x1b" not in for_terminal(HOSTILE) and "\\x1b" in for_terminal(HOSTILE)
    assert "\u202e" not in for_terminal(HOSTILE) and "\x9b" not in for_terminal(HOSTILE)
    assert for_csv(HOSTILE) == "'" + for_terminal(HOSTILE)
    assert for_csv("-1") == "'-1" and for_csv("eu-west-1") == "eu-west-1" and for_csv(3) == 3
    assert "\\[red]" in for_rich("[red]x[/red]")
    ET.fromstring(f"<a b='{for_xml(HOSTILE).replace(chr(39), '')}'/>")  # well-formed
    assert for_markdown("a|b`c") == "a\\|b\\`c"


def test_a_hostile_store_name_is_inert_in_csv_junit_markdown_and_terminal(tmp_path: Path) -> None:
    evaluate(tmp_path, [store(HOSTILE, protections=[]), store("plain")], csv=True)
    findings = tmp_path / "findings.json"
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    result = cli(
        "gate", str(findings), "--fail-on", "low", "--junit", str(junit), "--summary", str(summary)
    )
    assert result.exit_code == 1  # the bare store fails: its failures are listed
    assert "\x1b" not in result.output and "\\x1b" in result.output
    ET.parse(junit)  # well-formed XML despite the control characters
    assert "\x1b" not in junit.read_text() and "\x0b" not in junit.read_text()
    rows = list(csv.reader(io.StringIO((tmp_path / "results.csv").read_text())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any("\x1b" in c for c in cells)
    markdown = summary.read_text()
    assert "\x1b" not in markdown and "\\|" in markdown and "\\`" in markdown


def test_the_html_report_shows_control_characters_instead_of_carrying_them(
    tmp_path: Path,
) -> None:
    evaluate(tmp_path, [store(HOSTILE, protections=[])])
    out = tmp_path / "report"
    result = cli("report", str(tmp_path / "findings.json"), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert "\x1b" not in html and "\u202e" not in html and "\\x1b]0;pwned" in html


#: the template macro ``evidence_html`` replaced (issue 13): the reference it must match
EVIDENCE_MACRO = (
    '<ul class="evidence">{% for e in (items or [])[:limit] %}<li><code>{{ e.operation }}</code>'
    '{% if e.get("region") %} ({{ e.region }}){% endif %}{% if e.get("request_id") %} · '
    '{{ e.request_id|request_ids }}{% endif %}: {% for k, v in e.get("fields", {}).items() %}'
    '{{ k }}={{ v|value }}{{ "; " if not loop.last }}{% endfor %}</li>{% endfor %}'
    "{% if (items or [])|length > limit %}<li>… {{ (items|length) - limit }} more in "
    "findings.json</li>{% endif %}<li>collected {{ as_of }}</li></ul>"
)


def test_the_reports_evidence_list_is_escaped_as_its_template_macro_was() -> None:
    from jinja2 import Environment, StrictUndefined

    from scanner.render.inert import for_html
    from scanner.render.report_sections import EvidenceHtml, evidence_value, request_ids

    env = Environment(autoescape=True, undefined=StrictUndefined, finalize=for_html)
    env.filters |= {"value": evidence_value, "request_ids": request_ids}
    macro = env.from_string(EVIDENCE_MACRO)
    item = {
        "operation": "<script>alert(1)</script>",
        "region": HOSTILE,
        "request_id": "a&b, c",
        "fields": {"<k>": ['x"y', None, {"z": "<w>"}], "n": 3, "none": None, "e": []},
    }
    plain = {"operation": "ListBackups", "region": None, "request_id": None, "fields": {}}
    evidence_html = EvidenceHtml()  # one per report: items' lines made once
    for items in ([item], [item, plain] * 5, [], None, [plain, item]):
        expected = macro.render(items=items, limit=8, as_of="2026-11-26T00:00:00+00:00")
        assert str(evidence_html(items, 8, "2026-11-26T00:00:00+00:00")) == expected
    html = str(evidence_html([item], 8, "now"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "\x1b" not in html
    # an item naming no operation (findings hold any JSON object) is listed, not a crash
    unnamed = str(evidence_html([{"fields": {"n": 1}}], 8, "now"))
    assert "<li><code>None</code>: n=1</li>" in unnamed
