"""The CI gate against a baseline: equal, better, worse, new and removed stores,
not_assessed appearing; thresholds; JUnit and Markdown outputs; the CLI's exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from pydantic import ValidationError

from scanner.errors import InputFileError
from scanner.findings import Findings, Ratio
from scanner.findings_layout import INTEGRITY_MARK, compact_json
from scanner.findings_read import load_findings
from scanner.findings_stream import FindingsStream, NotStreamable
from scanner.gate import baseline_of, load_baseline, run_gate, write_baseline
from scanner.render.junit import write_junit
from scanner.render.markdown import summary_markdown
from tests.engine_helpers import GOOD_ACCOUNT, GOOD_TABLE, evaluate, store

DENIED = [
    {
        "attribute": "protections",
        "operation": "dynamodb:DescribeContinuousBackups",
        "error_code": "AccessDeniedException",
        "cause": "denied",
        "message": "denied",
    }
]


def two(tmp: Path, name: str, a: dict[str, object], b: dict[str, object] | None = None) -> Findings:
    stores = [store("alpha", **a)] + ([store("beta", **b)] if b is not None else [])
    return evaluate(tmp, stores, name=name)[0]


def test_equal_passes(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, {})
    now = two(tmp_path, "n.json", GOOD_TABLE, {})
    verdict = run_gate(now, baseline_of(before), None, None)
    assert verdict.passed and verdict.new_failures == [] and verdict.fixed == 0


def test_better_passes_and_counts_fixes(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, {})
    now = two(tmp_path, "n.json", GOOD_TABLE, GOOD_TABLE)
    verdict = run_gate(now, baseline_of(before), None, None)
    assert verdict.passed and verdict.fixed > 0


def test_worse_fails_with_new_failures_and_coverage_drop(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, GOOD_TABLE)
    now = two(tmp_path, "n.json", GOOD_TABLE, {})
    verdict = run_gate(now, baseline_of(before), None, None)
    assert not verdict.passed
    assert {r.rule for r in verdict.new_failures} >= {"BKP-EXISTS", "BKP-RPO-OBSERVED"}
    assert all(r.resource.name == "beta" for r in verdict.new_failures)
    assert any("coverage fell from 100.0% to 50.0%" in reason for reason in verdict.reasons)


def test_new_failing_store_fails_and_removed_store_is_reported(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, GOOD_TABLE)
    now = evaluate(tmp_path, [store("alpha", **GOOD_TABLE), store("gamma")], name="n.json")[0]
    verdict = run_gate(now, baseline_of(before), None, None)
    assert not verdict.passed
    assert verdict.new_stores == ["arn:aws:dynamodb:eu-west-1:111122223333:table/gamma"]
    assert verdict.removed_stores == ["arn:aws:dynamodb:eu-west-1:111122223333:table/beta"]
    assert {r.resource.name for r in verdict.new_failures} == {"gamma"}


def test_new_passing_store_passes(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE)
    now = two(tmp_path, "n.json", GOOD_TABLE, GOOD_TABLE)
    assert run_gate(now, baseline_of(before), None, None).passed


def test_not_assessed_appearing_fails(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE)
    now = two(
        tmp_path, "n.json", {"gaps": DENIED, "recovery_points": GOOD_TABLE["recovery_points"]}
    )
    verdict = run_gate(now, baseline_of(before), None, None)
    assert not verdict.passed and verdict.new_failures == []
    # The observed copy still proves a backup exists; how often it runs no longer can.
    assert {r.rule for r in verdict.lost_evidence} >= {"BKP-FREQUENCY"}
    assert "BKP-EXISTS" not in {r.rule for r in verdict.lost_evidence}
    assert any("can no longer be assessed" in reason for reason in verdict.reasons)


def test_thresholds_without_baseline(tmp_path: Path) -> None:
    now = two(tmp_path, "n.json", GOOD_TABLE, {})
    assert not run_gate(now, None, 0.9, None).passed
    assert run_gate(now, None, 0.5, None).passed
    severe = run_gate(now, None, None, "critical")
    assert not severe.passed and {r.rule for r in severe.severe} == {"BKP-EXISTS"}


def test_baseline_round_trip_and_findings_as_baseline(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, {})
    write_baseline(baseline_of(before), tmp_path / "baseline.json")
    assert load_baseline(tmp_path / "baseline.json") == baseline_of(before)
    assert load_baseline(tmp_path / "b.json") == baseline_of(before)


def test_junit_and_markdown(tmp_path: Path) -> None:
    now = two(tmp_path, "n.json", GOOD_TABLE, {"gaps": DENIED})
    verdict = run_gate(now, None, 0.9, None)
    write_junit(
        now, tmp_path / "junit.xml", {(r.resource.id, r.rule) for r in verdict.new_failures}
    )
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suite = root.find("testsuite[@name='BKP-FREQUENCY']")
    assert suite is not None and suite.get("tests") == "2" and suite.get("errors") == "1"
    assert suite.find("testcase/error[@type='not_assessed']") is not None
    markdown = summary_markdown(now, verdict)
    assert "**Gate FAILED.**" in markdown and "| overall | 50.0% (1/2) |" in markdown


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_gate_exit_codes_and_outputs(tmp_path: Path) -> None:
    two(tmp_path, "b.json", GOOD_TABLE, GOOD_TABLE)
    two(tmp_path, "n.json", GOOD_TABLE, {})
    baseline = tmp_path / "baseline.json"
    wrote = _cli("gate", str(tmp_path / "b.json"), "--baseline", str(baseline), "--write-baseline")
    assert wrote.returncode == 0 and baseline.exists()
    same = _cli("gate", str(tmp_path / "b.json"), "--baseline", str(baseline))
    assert same.returncode == 0 and "gate passed" in same.stdout
    worse = _cli(
        "gate",
        str(tmp_path / "n.json"),
        "--baseline",
        str(baseline),
        "--junit",
        str(tmp_path / "junit.xml"),
        "--summary",
        str(tmp_path / "summary.md"),
    )
    assert worse.returncode == 1 and "gate FAILED" in worse.stdout
    assert "FAIL: " in worse.stdout and "BKP-EXISTS" in worse.stdout
    assert ET.parse(tmp_path / "junit.xml").getroot().tag == "testsuites"
    assert "New failures" in (tmp_path / "summary.md").read_text()
    bad = _cli("gate", str(tmp_path / "n.json"), "--fail-on", "urgent")
    assert bad.returncode == 2 and "--fail-on" in bad.stderr


UNLISTED = [
    GOOD_ACCOUNT
    | {
        "gaps": [
            {
                "attribute": "inventory",
                "operation": "dynamodb:ListTables",
                "error_code": "AccessDeniedException",
                "cause": "denied",
                "message": "User is not authorized to perform: dynamodb:ListTables",
                "region": "eu-west-1",
            }
        ],
    }
]


def test_unlisted_population_is_incomplete_and_fails_the_gate(tmp_path: Path) -> None:
    before = two(tmp_path, "b.json", GOOD_TABLE, GOOD_TABLE)
    now = evaluate(tmp_path, [store("alpha", **GOOD_TABLE)], name="n.json", accounts=UNLISTED)[0]
    assert not now.populations.complete and not now.coverage.complete
    assert [u.operation for u in now.populations.unlisted] == ["dynamodb:ListTables"]
    # Coverage of what was listed is still 100%; what could not be listed is not "removed".
    verdict = run_gate(now, baseline_of(before), None, None)
    assert verdict.coverage["overall"] == 1.0 and not verdict.passed
    assert any("population is incomplete" in reason for reason in verdict.reasons)
    assert any("listing could not be read" in reason for reason in verdict.reasons)
    threshold = run_gate(now, None, 0.5, None)
    assert not threshold.passed and "incomplete population" in threshold.reasons[0]


def test_results_altered_after_writing_are_refused(tmp_path: Path) -> None:
    two(tmp_path, "n.json", GOOD_TABLE, {})
    path = tmp_path / "n.json"
    path.write_text(path.read_text().replace('"status":"fail"', '"status":"pass"', 1))
    with pytest.raises(InputFileError, match=r"integrity\.sha256"):
        load_findings(path)
    refused = _cli("gate", str(path), "--min-coverage", "0")
    assert refused.returncode == 2 and "n.json" in refused.stderr
    assert "Traceback" not in refused.stderr


def _resealed(path: Path, text: str) -> None:
    """``text`` written to ``path`` with the SHA-256 it records recomputed, in the
    writer's own layout, as a forger (or an editor re-serialising the file) would."""
    end = text.rfind(INTEGRITY_MARK)
    digest = hashlib.sha256(text[:end].encode()).hexdigest()
    seal = compact_json({"sha256": digest}).decode()
    path.write_text(text[:end] + INTEGRITY_MARK + seal + "\n}\n")


def _streams(path: Path) -> bool:
    """Whether ``path`` is read a store at a time (laid out as the writer lays it out)."""
    try:
        for _ in FindingsStream(path).stores():
            pass
    except NotStreamable:
        return False
    return True


def test_findings_read_the_same_whatever_their_layout(tmp_path: Path) -> None:
    written = two(tmp_path, "n.json", GOOD_TABLE, {})
    path = tmp_path / "n.json"
    assert _streams(path)  # as written: streamed
    _resealed(path, path.read_text())
    assert _streams(path)  # resealing is the writer's
    pretty = json.dumps(json.loads(path.read_text()), indent=2, ensure_ascii=True)
    _resealed(path, pretty)
    assert not _streams(path)  # another layout: the strict reader
    read = load_findings(path)
    assert read.integrity != written.integrity  # resealed over the other layout
    assert read.model_copy(update={"integrity": written.integrity}) == written


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (('"status":"fail"', '"status":"pass","status":"fail"'), "duplicate key 'status'"),
        (('"resource":{', '"resource":{"account":"x",'), "duplicate key 'account'"),
        (('"ratio":0.5', '"ratio":NaN'), "NaN"),
        (('"status":"fail"', '"status":"fail","deep":' + "[" * 300 + "]" * 300), "deep"),
    ],
)
def test_resealed_findings_with_a_duplicate_key_a_constant_or_deep_nesting_are_refused(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    two(tmp_path, "n.json", GOOD_TABLE, {})
    path = tmp_path / "n.json"
    text = path.read_text()
    assert edit[0] in text
    _resealed(path, text.replace(*edit, 1))
    assert not _streams(path)
    with pytest.raises(InputFileError, match=problem):
        load_findings(path)


def test_gate_recomputes_coverage_instead_of_reading_it(tmp_path: Path) -> None:
    now = two(tmp_path, "n.json", GOOD_TABLE, {})
    # Edited in the file, the coverage is refused with the rest (the hash covers it all) …
    path = tmp_path / "n.json"
    data = json.loads(path.read_text())
    data["coverage"]["overall"] = {"in_scope": 2, "covered": 2, "ratio": 1.0}
    path.write_text(json.dumps(data))
    with pytest.raises(InputFileError, match=r"integrity\.sha256"):
        load_findings(path)
    # … and a stored figure that disagrees with the results is never what the gate uses.
    forged = now.model_copy(
        update={
            "coverage": now.coverage.model_copy(
                update={"overall": Ratio(in_scope=2, covered=2, ratio=1.0)}
            )
        }
    )
    verdict = run_gate(forged, None, 0.9, None)
    assert verdict.coverage["overall"] == 0.5 and not verdict.passed
    assert any("does not match their results" in reason for reason in verdict.reasons)
    for impossible in (7.5, float("nan")):
        with pytest.raises(ValidationError, match="ratio"):
            Ratio.model_validate({"in_scope": 2, "covered": 1, "ratio": impossible})


def test_populations_cannot_be_edited_into_completeness(tmp_path: Path) -> None:
    evaluate(tmp_path, [store("alpha", **GOOD_TABLE)], name="n.json", accounts=UNLISTED)
    path = tmp_path / "n.json"
    text = path.read_text()
    assert '"complete":false' in text
    path.write_text(text.replace('"complete":false', '"complete":true'))
    refused = _cli("gate", str(path), "--min-coverage", "0.05")
    assert refused.returncode == 2 and "integrity.sha256" in refused.stderr


def test_new_and_removed_stores_are_named_in_the_output_and_summary(tmp_path: Path) -> None:
    two(tmp_path, "b.json", GOOD_TABLE, GOOD_TABLE)
    evaluate(tmp_path, [store("alpha", **GOOD_TABLE), store("gamma", **GOOD_TABLE)], name="n.json")
    baseline = tmp_path / "baseline.json"
    assert (
        _cli(
            "gate", str(tmp_path / "b.json"), "--baseline", str(baseline), "--write-baseline"
        ).returncode
        == 0
    )
    summary = tmp_path / "summary.md"
    ran = _cli(
        "gate", str(tmp_path / "n.json"), "--baseline", str(baseline), "--summary", str(summary)
    )
    assert ran.returncode == 0, ran.stdout
    assert (
        "removed since the baseline: 1 store(s): arn:aws:dynamodb:eu-west-1:111122223333:table/beta"
        in ran.stdout
    )
    assert (
        "new since the baseline: 1 store(s): arn:aws:dynamodb:eu-west-1:111122223333:table/gamma"
        in ran.stdout
    )
    text = summary.read_text()
    assert "## Stores removed since the baseline" in text and "table/beta\n" in text
    assert "## New stores since the baseline" in text and "table/gamma\n" in text


def test_the_summary_says_when_the_population_is_incomplete(tmp_path: Path) -> None:
    now = evaluate(tmp_path, [store("alpha", **GOOD_TABLE)], name="n.json", accounts=UNLISTED)[0]
    markdown = summary_markdown(now, run_gate(now, None, None, None))
    assert "**Population incomplete:** 1 listing(s) failed" in markdown
    assert "dynamodb:ListTables AccessDeniedException" in markdown
