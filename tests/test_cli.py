"""The command line, run as a user runs it: a subprocess, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import seed

from scanner.emulator.server import EmulatedAws
from scanner.findings import load_findings
from scanner.inventory import load_snapshot

COLLECT_EU = ("collect", "aws", "--regions", "eu-west-1", "--endpoint-url")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        env=base | (env or {}),
        timeout=300,
        check=False,
    )


def test_help_teaches_commands_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("demo", "collect", "summary", "schema", "permissions", "Exit codes"):
        assert word in result.stdout
    collect_help = run("collect", "aws", "--help").stdout
    assert "--regions" in collect_help and "--profile" in collect_help


def test_collect_against_a_moto_server(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(
        aws,
        dynamodb=[{"name": "orders", "region": "eu-west-1", "pitr": True}],
        s3=[{"name": "cli-bucket", "region": "eu-west-1"}],
    )
    out = tmp_path / "inventory.json"
    result = run(
        *COLLECT_EU,
        aws.moto_url,
        "-o",
        str(out),
        env={"AWS_ENDPOINT_URL_BACKUP": aws.endpoints["backup"]},
    )
    assert result.returncode == 0, result.stderr
    snapshot = load_snapshot(out)
    assert {s.name for s in snapshot.stores} == {"orders", "cli-bucket"}
    assert "aws.dynamodb.table" in result.stdout and "Wrote" in result.stdout
    assert result.stderr == ""  # no progress display when stderr is not a terminal


def test_bad_region_flag_is_exit_2_without_traceback() -> None:
    result = run("collect", "aws", "--regions", "eu west 1")
    assert result.returncode == 2
    assert "--regions: eu west 1 is not an AWS region name" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_profile_is_exit_2() -> None:
    result = run("collect", "aws", "--profile", "nope", "--regions", "eu-west-1")
    assert result.returncode == 2 and "--profile" in result.stderr


def test_no_credentials_is_exit_3(aws: EmulatedAws) -> None:
    result = run(
        *COLLECT_EU, aws.moto_url, env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    )
    assert result.returncode == 3
    assert "cannot identify the AWS account" in result.stderr and "Traceback" not in result.stderr


def test_malformed_snapshot_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.json"
    bad.write_text('{\n  "schema": "backup-audit/inventory/v1",\n  oops\n}')
    result = run("summary", str(bad))
    assert result.returncode == 2
    assert f"{bad}:3: not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_schema_and_permissions_print_json() -> None:
    schema = json.loads(run("schema", "inventory").stdout)
    assert "DataStore" in schema["$defs"] and schema["properties"]["schema"]["const"] == (
        "backup-audit/inventory/v1"
    )
    policy = json.loads(run("permissions", "aws").stdout)
    assert policy["Statement"][0]["Effect"] == "Allow"


def test_demo_writes_the_inventory_of_the_sample_estate(tmp_path: Path) -> None:
    result = run("demo", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    snapshot = load_snapshot(tmp_path / "inventory.json")
    assert len(snapshot.stores) == 13
    assert "Northwind Clinics" in result.stdout and "Backup coverage" in result.stdout
    patient = next(s for s in snapshot.stores if s.name == "patient-records")
    assert {p.kind for p in patient.protections} == {"pitr", "backup_plan"}
    findings = load_findings(tmp_path / "findings.json")
    assert len(findings.results) == 13 * len(findings.rule_pack["rules"])
    statuses = {(r.resource.name, r.rule): r.status for r in findings.results}
    assert statuses[("patient-records", "BKP-RPO-OBSERVED")] == "pass"
    assert statuses[("reporting-mysql", "BKP-EXISTS")] == "fail"
    assert statuses[("nw-clinical-images-dr", "RES-PRIMARY")] == "fail"  # EU data in us-east-1
    assert statuses[("session-cache", "BKP-EXISTS")] == "excepted"
    assert statuses[("nw-marketing-site", "BKP-EXISTS")] == "fail"  # its exception expired
    assert (tmp_path / "results.csv").read_text().count("\n") == len(findings.results) + 1
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert f"Wrote {tmp_path / 'report.pdf'}" in result.stdout


def test_demo_with_a_malformed_estate_is_exit_2(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        "organisation: X\nregions: [eu-west-1]\ndynamodb:\n  - name: t\n    regoin: eu-west-1\n"
    )
    result = run("demo", "--estate", str(estate), "-o", str(tmp_path))
    assert result.returncode == 2
    assert f"{estate}:4:" in result.stderr and "dynamodb[0]" in result.stderr


def test_evaluate_and_rules_commands(tmp_path: Path) -> None:
    assert run("demo", "-o", str(tmp_path)).returncode == 0
    out = tmp_path / "again.json"
    policy = Path(__file__).parents[1] / "samples" / "policy.yaml"
    result = run(
        "evaluate",
        str(tmp_path / "inventory.json"),
        "--policy",
        str(policy),
        "-o",
        str(out),
        "--csv",
        str(tmp_path / "again.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert "Backup coverage" in result.stdout and out.exists() and (tmp_path / "again.csv").exists()
    listed = run("rules", "list")
    assert listed.returncode == 0 and "BKP-RPO-OBSERVED" in listed.stdout
    shown = run("rules", "show", "RES-COPIES")
    assert (
        shown.returncode == 0
        and "Art. 44" in shown.stdout
        and "Transfers to third countries" in shown.stdout
    )
    validated = run("rules", "validate")
    assert validated.returncode == 0 and "cases agree" in validated.stdout
    assert run("rules", "show", "NOPE").returncode == 2
    assert json.loads(run("schema", "policy").stdout)["properties"]["tiers"]
    assert "Result" in json.loads(run("schema", "findings").stdout)["$defs"]


def test_evaluate_with_a_broken_policy_is_exit_2(tmp_path: Path) -> None:
    assert run("demo", "-o", str(tmp_path)).returncode == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nclassification: {tag: c, default: x}\n"
        "tiers:\n  std: {rpo: soon, rto: 1h, retention: 1d}\n"
    )
    result = run(
        "evaluate",
        str(tmp_path / "inventory.json"),
        "--policy",
        str(policy),
        "-o",
        str(tmp_path / "f.json"),
    )
    assert result.returncode == 2 and f"{policy}:4: tiers.std.rpo: not a duration" in result.stderr
    assert not (tmp_path / "f.json").exists() and "Traceback" not in result.stderr


def test_scan_collects_evaluates_reports_and_gates(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(
        aws,
        dynamodb=[
            {"name": "orders", "region": "eu-west-1", "pitr": True},
            {"name": "scratch", "region": "eu-west-1"},
        ],
    )
    policy = Path(__file__).parents[1] / "samples" / "policy.yaml"
    env = {"AWS_ENDPOINT_URL_BACKUP": aws.endpoints["backup"]}
    scan = (
        "scan",
        "aws",
        "--policy",
        str(policy),
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        aws.moto_url,
        "--format",
        "html",
    )
    first = run(*scan, "-o", str(tmp_path / "first"), env=env)
    assert first.returncode == 0, first.stderr
    for name in ("inventory.json", "findings.json", "results.csv", "report.html"):
        assert (tmp_path / "first" / name).exists(), name
    baseline = tmp_path / "first" / "findings.json"
    same = run(*scan, "-o", str(tmp_path / "same"), "--baseline", str(baseline), env=env)
    assert same.returncode == 0 and "gate passed" in same.stdout
    assert (tmp_path / "same" / "junit.xml").exists() and (
        tmp_path / "same" / "summary.md"
    ).exists()
    seed(aws, dynamodb=[{"name": "late-arrival", "region": "eu-west-1"}])
    worse = run(*scan, "-o", str(tmp_path / "worse"), "--baseline", str(baseline), env=env)
    assert worse.returncode == 1 and "gate FAILED" in worse.stdout
    assert "late-arrival" in (tmp_path / "worse" / "summary.md").read_text()


def test_scan_with_a_broken_policy_fails_before_collecting(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\n")
    result = run(
        "scan",
        "aws",
        "--policy",
        str(policy),
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "-o",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2 and "classification: Field required" in result.stderr
    assert not (tmp_path / "out").exists()
