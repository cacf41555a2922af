"""The command line as a user runs it (in-process through Typer's CliRunner): exit codes,
stdout and stderr; one real subprocess proves the console script itself."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import Result

from scanner.findings_read import load_findings
from scanner.inventory import load_snapshot
from scanner.summary import gap_table
from tests.conftest import cli
from tests.engine_helpers import STORE_RULES

POLICY = Path(__file__).parents[1] / "samples" / "policy.yaml"


def test_help_teaches_commands_and_exit_codes() -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for word in ("demo", "collect", "merge", "summary", "schema", "permissions", "Exit codes"):
        assert word in result.stdout
    collect_help = cli("collect", "--help").stdout
    for flag in ("--regions", "--profile", "--org", "--role-name", "--accounts", "--external-id"):
        assert flag in collect_help


COMMANDS = [
    "collect",
    "scan",
    "merge",
    "evaluate",
    "report",
    "verify",
    "gate",
    "permissions",
    "summary",
    "demo",
    "rules list",
    "rules show",
    "rules validate",
    "schema policy",
    "",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_values_in_words_not_python_types(command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert not re.search(r"<[a-z ]+>|list\[|\bstr\b|\bbool\b", result.stdout), result.stdout


def test_the_console_script_runs_and_maps_errors_to_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanner", "collect", "mars"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("backup-audit: error: unknown cloud 'mars'")
    assert "Traceback" not in result.stderr


def test_regions_in_another_clouds_syntax_are_bad_input() -> None:
    result = cli("collect", "aws", "--regions", "europe-west1")
    assert result.exit_code == 2
    assert "--regions: europe-west1 is not a region name of Amazon Web Services" in result.stderr
    assert cli("collect", "aws", "--regions", "gcp:europe-west1").exit_code == 2
    assert cli("collect", "aws", "--regions", "eu west 1").exit_code == 2


def test_bad_flags_are_exit_2_without_traceback() -> None:
    for args, message in (
        (("--profile", "nope"), "--profile"),
        (("--accounts", "12"), "--accounts: 12 is not a 12-digit AWS account ID"),
        (("--endpoint-url", "localhost:4566"), "--endpoint-url: 'localhost:4566' is not"),
    ):
        result = cli("collect", "aws", "--regions", "eu-west-1", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output


def test_no_google_credentials_is_exit_3_before_any_call() -> None:
    result = cli("collect", "gcp", "--projects", "northwind-prod")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("backup-audit: error: no Google Cloud credentials")
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.stderr and "Traceback" not in result.output


def test_no_credentials_is_exit_3() -> None:
    result = cli(
        "collect",
        "aws",
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        "http://127.0.0.1:9",
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.exit_code == 3
    assert "cannot identify the AWS account" in result.stderr


def test_malformed_snapshot_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.json"
    bad.write_text('{\n  "schema": "backup-audit/inventory/v2",\n  oops\n}')
    result = cli("summary", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3: not valid JSON" in result.stderr


def test_schema_and_permissions_print_json() -> None:
    schema = json.loads(cli("schema", "inventory").stdout)
    assert "DataStore" in schema["$defs"]
    assert schema["properties"]["schema"]["const"] == "backup-audit/inventory/v2"
    policy = json.loads(cli("permissions", "aws").stdout)
    assert policy["Statement"][0]["Effect"] == "Allow"
    unknown = cli("permissions", "oracle")
    assert unknown.exit_code == 2 and "unknown cloud 'oracle'" in unknown.stderr


def test_demo_collects_evaluates_and_reports_the_sample_estate(demo: tuple[Path, Result]) -> None:
    out, result = demo
    snapshot = load_snapshot(out / "inventory.json")
    clouds = [s.cloud for s in snapshot.stores]
    assert (clouds.count("aws"), clouds.count("gcp"), clouds.count("azure")) == (13, 10, 7)
    assert "Northwind Clinics" in result.stdout and "Backup coverage" in result.stdout
    patient = next(s for s in snapshot.stores if s.name == "patient-records")
    assert {(p.role, p.origin) for p in patient.protections} == {
        ("continuous", "native"),
        ("backup", "backup_service"),
    }
    assert snapshot.api_calls and all(c.calls > 0 for c in snapshot.api_calls)
    findings = load_findings(out / "findings.json")
    per_store = [r for r in findings.results if r.resource.kind != "estate"]
    assert len(per_store) == 30 * len(STORE_RULES)
    statuses = {(r.resource.name, r.rule): r.status for r in findings.results}
    assert statuses[("patient-records", "BKP-RPO-OBSERVED")] == "pass"
    assert statuses[("reporting-mysql", "BKP-EXISTS")] == "fail"
    assert statuses[("nw-clinical-images-dr", "RES-PRIMARY")] == "fail"  # EU data in us-east-1
    assert statuses[("session-cache", "BKP-EXISTS")] == "excepted"
    assert statuses[("nw-marketing-site", "BKP-EXISTS")] == "fail"  # its exception expired
    # Google Cloud beside AWS: observed backups pass, EU data in the US multi-region fails
    assert statuses[("appointments", "BKP-RPO-OBSERVED")] == "pass"
    assert statuses[("billing-pg", "BKP-EXISTS")] == "pass"
    assert statuses[("legacy-mysql", "BKP-EXISTS")] == "fail"
    assert statuses[("nw-research-exports", "RES-PRIMARY")] == "fail"
    assert statuses[("nw-imaging-dual", "RES-PRIMARY")] == "pass"
    # Google Cloud's operations evidence: a restore, a failed backup run, an alert policy
    by_name = {s.name: s for s in snapshot.stores}
    assert [r.outcome for r in by_name["appointments"].restores or []] == ["succeeded"]
    assert [r.outcome for r in by_name["appointments-restored"].restores or []] == ["failed"]
    assert [j.outcome for j in by_name["legacy-mysql"].backup_jobs or []] == ["failed"]
    gcp = next(a for a in snapshot.accounts if a.cloud == "gcp")
    assert [r.backup_failures for r in gcp.alert_rules or []] == [True]
    assert statuses[("nw-marketing-site", "DEL-PROTECTION")] == "not_applicable"  # a bucket
    assert (out / "results.csv").read_text().count("\n") == len(findings.results) + 1
    html = (out / "report.html").read_text()
    assert "s3:GetBucketVersioning" in html and "API operations called" in html
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert f"Wrote {out / 'report.pdf'}" in result.stdout


def test_the_demos_missing_bucket_is_not_reported_as_a_permission(
    demo: tuple[Path, Result],
) -> None:
    out, result = demo
    snapshot = load_snapshot(out / "inventory.json")
    exports = next(s for s in snapshot.stores if s.name == "nw-billing-exports")
    (gap,) = [g for g in exports.gaps if g.operation == "s3:GetBucketLocation"]
    assert (gap.error_code, gap.cause) == ("NoSuchBucket", "not_found")
    assert "NoSuchBucket" in result.stdout
    table = gap_table(snapshot)
    assert table is not None
    wide = Console(file=io.StringIO(), width=200)
    wide.print(table)
    (row,) = [line for line in wide.file.getvalue().splitlines() if "NoSuchBucket" in line]  # type: ignore[attr-defined]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[:4] == ["s3:GetBucketLocation", "NoSuchBucket", "not found", "-"]


def test_demo_with_a_malformed_estate_is_exit_2(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        "organisation: X\naws:\n  regions: [eu-west-1]\n  dynamodb:\n    - name: t\n"
        "      regoin: eu-west-1\n"
    )
    result = cli("demo", "--estate", str(estate), "-o", str(tmp_path))
    assert result.exit_code == 2
    assert f"{estate}:5:" in result.stderr and "aws.dynamodb[0]" in result.stderr
    estate.write_text("organisation: X\noracle: {}\n")
    other = cli("demo", "--estate", str(estate), "-o", str(tmp_path))
    assert other.exit_code == 2 and f"{estate}:2: oracle: not a cloud" in other.stderr
    estate.write_text(
        "organisation: X\nrestore_evidence:\n  - {store: s, ago: 2d, result: ok, who: w}\n"
    )
    recorded = cli("demo", "--estate", str(estate), "-o", str(tmp_path))
    assert recorded.exit_code == 2 and f"{estate}:3: restore_evidence[0].result" in recorded.stderr


def test_evaluate_and_rules_commands(demo: tuple[Path, Result], tmp_path: Path) -> None:
    out, _ = demo
    findings, csv = tmp_path / "again.json", tmp_path / "again.csv"
    result = cli(
        "evaluate", str(out / "inventory.json"), "--policy", str(POLICY), "-o", str(findings),
        "--csv", str(csv),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Backup coverage" in result.stdout and findings.exists() and csv.exists()
    listed = cli("rules", "list")
    assert listed.exit_code == 0 and "BKP-RPO-OBSERVED" in listed.stdout
    shown = cli("rules", "show", "RES-COPIES")
    assert shown.exit_code == 0 and "Art. 44" in shown.stdout
    assert "Transfers to third countries" in shown.stdout
    validated = cli("rules", "validate")
    assert validated.exit_code == 0 and "cases agree" in validated.stdout
    assert cli("rules", "show", "NOPE").exit_code == 2
    assert json.loads(cli("schema", "policy").stdout)["properties"]["tiers"]
    assert "StoreResult" in json.loads(cli("schema", "findings").stdout)["$defs"]


def test_evaluate_with_a_broken_policy_is_exit_2(demo: tuple[Path, Result], tmp_path: Path) -> None:
    out, _ = demo
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nclassification: {tag: c, default: x}\n"
        "tiers:\n  std: {rpo: soon, rto: 1h, retention: 1d}\n"
    )
    target = tmp_path / "f.json"
    result = cli(
        "evaluate", str(out / "inventory.json"), "--policy", str(policy), "-o", str(target)
    )
    assert result.exit_code == 2 and f"{policy}:4: tiers.std.rpo: not a duration" in result.stderr
    assert not target.exists()


def test_scan_with_a_broken_policy_fails_before_collecting(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\n")
    out = tmp_path / "out"
    result = cli(
        "scan", "aws", "--policy", str(policy), "--regions", "eu-west-1",
        "--endpoint-url", "http://127.0.0.1:9", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 2 and "classification: Field required" in result.stderr
    assert not out.exists()


def test_region_lists_that_say_nothing_or_name_unknown_clouds_are_refused() -> None:
    empty = cli("collect", "aws", "--regions", ",")
    assert empty.exit_code == 2 and "--regions: no region given" in empty.stderr
    unknown = cli("collect", "aws", "--regions", "oracle:eu-frankfurt-1")
    assert unknown.exit_code == 2 and "unknown cloud 'oracle'" in unknown.stderr
