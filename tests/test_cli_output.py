"""What the commands print: the gate explains itself, JSON for machines on stdout,
-q for only what matters, -v for everything."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli
from tests.engine_helpers import evaluate, store

STORES = [store(f"bare{i}", protections=[]) for i in range(12)] + [store("t")]


def _findings(tmp_path: Path) -> Path:
    evaluate(tmp_path, STORES)
    return tmp_path / "findings.json"


def test_a_gate_with_nothing_to_fail_on_says_what_it_checked(tmp_path: Path) -> None:
    result = cli("gate", str(_findings(tmp_path)))
    assert result.exit_code == 0
    assert "checked: the findings' SHA-256 and their coverage" in result.stdout
    assert "nothing to fail on: give --baseline, --min-coverage or --fail-on" in result.stdout


def test_fail_on_lists_the_failures_behind_it_and_verbose_lists_all(tmp_path: Path) -> None:
    findings = _findings(tmp_path)
    result = cli("gate", str(findings), "--fail-on", "critical")
    assert result.exit_code == 1
    listed = [line for line in result.stdout.splitlines() if line.startswith("  fail ")]
    count = int(result.stdout.split("FAIL: ")[1].split(" ")[0])
    assert len(listed) == 10 < count and f"… and {count - 10} more" in result.stdout
    every = cli("-v", "gate", str(findings), "--fail-on", "critical")
    assert len([ln for ln in every.stdout.splitlines() if ln.startswith("  fail ")]) == count


def test_json_on_stdout_for_gate_evaluate_and_summary(tmp_path: Path) -> None:
    findings = _findings(tmp_path)
    gate = json.loads(cli("gate", str(findings), "--fail-on", "high", "--format", "json").stdout)
    assert gate["passed"] is False and gate["severe"] and gate["checked"]
    inventory, policy = tmp_path / "inventory.json", tmp_path / "policy.yaml"
    out = tmp_path / "again.json"
    run = cli(
        "evaluate", str(inventory), "--policy", str(policy), "-o", str(out), "--format", "json"
    )
    document = json.loads(run.stdout)
    assert document["coverage"]["overall"]["in_scope"] == len(STORES)
    assert str(out) in document["written"]
    written = cli(
        "gate",
        str(findings),
        "--baseline",
        str(tmp_path / "b.json"),
        "--write-baseline",
        "--format",
        "json",
    )
    assert json.loads(written.stdout) == {"written": [str(tmp_path / "b.json")]}
    summary = json.loads(cli("summary", str(inventory), "--format", "json").stdout)
    assert sum(row["stores"] for row in summary["stores"]) == len(STORES)
    assert cli("summary", str(inventory), "--format", "yaml").exit_code == 2


def test_quiet_prints_only_failing_verdicts(tmp_path: Path) -> None:
    findings = _findings(tmp_path)
    assert cli("-q", "gate", str(findings)).stdout == ""
    failed = cli("-q", "gate", str(findings), "--fail-on", "low")
    assert failed.exit_code == 1 and "gate FAILED" in failed.stdout
    inventory, policy = tmp_path / "inventory.json", tmp_path / "policy.yaml"
    quiet = cli(
        "-q", "evaluate", str(inventory), "--policy", str(policy), "-o", str(tmp_path / "q.json")
    )
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert cli("-q", "-v", "gate", str(findings)).exit_code == 2
    assert cli("gate", str(findings), "-q").stdout == ""  # after the command, too


def test_init_writes_a_commented_starter_policy_that_evaluates(tmp_path: Path) -> None:
    policy = tmp_path / "starter" / "policy.yaml"
    assert cli("init", "-o", str(policy)).exit_code == 0
    assert policy.read_text().count("#") > 20
    evaluate(tmp_path, STORES)  # an inventory beside it
    run = cli(
        "evaluate",
        str(tmp_path / "inventory.json"),
        "--policy",
        str(policy),
        "-o",
        str(tmp_path / "starter.json"),
    )
    assert run.exit_code == 0, run.output
    again = cli("init", "-o", str(policy))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert cli("init", "-o", str(policy), "--force").exit_code == 0
