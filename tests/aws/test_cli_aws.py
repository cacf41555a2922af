"""``collect``, ``scan`` and ``merge`` on the command line against the emulated AWS."""

from __future__ import annotations

from pathlib import Path

from scanner.emulator.aws.server import EmulatedAws
from scanner.inventory import load_snapshot
from tests.aws.helpers import seed
from tests.conftest import cli

POLICY = Path(__file__).parents[2] / "samples" / "policy.yaml"


def emulator_env(aws: EmulatedAws) -> dict[str, str | None]:
    return {
        "AWS_ENDPOINT_URL_BACKUP": aws.endpoints["backup"],
        "AWS_ENDPOINT_URL_STS": aws.endpoints["sts"],
    }


def test_collect_writes_the_snapshot_and_counts_calls_and_retries(
    aws: EmulatedAws, tmp_path: Path
) -> None:
    seed(
        aws,
        dynamodb=[{"name": "orders", "region": "eu-west-1", "pitr": True}],
        s3=[{"name": "cli-bucket", "region": "eu-west-1"}],
    )
    out = tmp_path / "inventory.json"
    args = ("collect", "aws", "--regions", "eu-west-1", "--endpoint-url", aws.moto_url)
    result = cli(*args, "-o", str(out), env=emulator_env(aws))
    assert result.exit_code == 0, result.output
    snapshot = load_snapshot(out)
    assert {s.name for s in snapshot.stores} == {"orders", "cli-bucket"}
    calls = sum(c.calls for c in snapshot.api_calls or [])
    assert f"{len(snapshot.stores)} stores; {calls} API calls, 0 retries" in result.stdout
    assert "aws.dynamodb.table" in result.stdout
    assert result.stderr == ""  # no progress display when stderr is not a terminal


def test_scan_collects_evaluates_reports_and_gates(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(
        aws,
        dynamodb=[
            {"name": "orders", "region": "eu-west-1", "pitr": True},
            {"name": "scratch", "region": "eu-west-1"},
        ],
    )
    scan = (
        "scan", "aws", "--policy", str(POLICY), "--regions", "eu-west-1",
        "--endpoint-url", aws.moto_url, "--format", "html",
    )  # fmt: skip
    first = cli(*scan, "-o", str(tmp_path / "first"), env=emulator_env(aws))
    assert first.exit_code == 0, first.output
    for name in ("inventory.json", "findings.json", "results.csv", "report.html"):
        assert (tmp_path / "first" / name).exists(), name
    baseline = tmp_path / "first" / "findings.json"
    same = cli(
        *scan, "-o", str(tmp_path / "same"), "--baseline", str(baseline), env=emulator_env(aws)
    )
    assert same.exit_code == 0 and "gate passed" in same.stdout
    assert (tmp_path / "same" / "junit.xml").exists()
    assert (tmp_path / "same" / "summary.md").exists()
    seed(aws, dynamodb=[{"name": "late-arrival", "region": "eu-west-1"}])
    worse = cli(
        *scan, "-o", str(tmp_path / "worse"), "--baseline", str(baseline), env=emulator_env(aws)
    )
    assert worse.exit_code == 1 and "gate FAILED" in worse.stdout
    assert "late-arrival" in (tmp_path / "worse" / "summary.md").read_text()


def test_accounts_collected_apart_merge_into_one_snapshot(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(
        aws,
        dynamodb=[{"name": "west", "region": "eu-west-1"}, {"name": "east", "region": "us-east-1"}],
    )
    base = ("collect", "aws", "--endpoint-url", aws.moto_url)
    for region in ("eu-west-1", "us-east-1"):
        part = cli(
            *base,
            "--regions",
            region,
            "-o",
            str(tmp_path / f"{region}.json"),
            env=emulator_env(aws),
        )
        assert part.exit_code == 0, part.output
    west, east = tmp_path / "eu-west-1.json", tmp_path / "us-east-1.json"
    merged = tmp_path / "merged.json"
    result = cli("merge", str(west), str(east), "-o", str(merged))
    assert result.exit_code == 0, result.output
    snapshot = load_snapshot(merged)
    assert {s.name for s in snapshot.stores} == {"west", "east"}
    assert snapshot.scope.regions == ["eu-west-1", "us-east-1"]
    (account,) = snapshot.accounts
    assert account.regions == ["eu-west-1", "us-east-1"] and len(snapshot.parts) == 2
    again = cli("merge", str(merged), str(west), "-o", str(tmp_path / "again.json"))
    assert again.exit_code == 2
    assert f"{merged} and {west} both cover aws 123456789012 (eu-west-1)" in again.stderr
    assert not (tmp_path / "again.json").exists()


def test_collect_an_organisation_from_the_command_line(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(
        aws,
        dynamodb=[{"name": "home", "region": "eu-west-1"}],
        organisation={
            "members": [{"name": "ops", "dynamodb": [{"name": "ops-table", "region": "eu-west-1"}]}]
        },
    )
    out = tmp_path / "org.json"
    aws.start_recording()
    result = cli(
        "collect", "aws", "--org", "--role-name", "BackupAuditReadOnly", "--external-id", "xyz-42",
        "--regions", "eu-west-1", "--endpoint-url", aws.moto_url, "-o", str(out),
        env=emulator_env(aws),
    )  # fmt: skip
    requests = aws.recorded()
    assert result.exit_code == 0, result.output
    snapshot = load_snapshot(out)
    assert {s.name for s in snapshot.stores} == {"home", "ops-table"}
    assert len(snapshot.scope.accounts) == 2
    assumed = [r["body"] for r in requests if "Action=AssumeRole" in (r["body"] or "")]
    assert len(assumed) == 1 and "ExternalId=xyz-42" in assumed[0]


def test_organisation_options_that_do_not_go_together_are_refused() -> None:
    base = ("collect", "aws", "--regions", "eu-west-1", "--endpoint-url", "http://127.0.0.1:9")
    alone = cli(*base, "--org")
    assert alone.exit_code == 2 and "--org needs --role-name" in alone.stderr
    stray = cli(*base, "--role-name", "Audit")
    assert (
        stray.exit_code == 2 and "--role-name is used only with --org or --accounts" in stray.stderr
    )
