"""The ``backup-audit`` command line: parse, call, print. No logic lives here.

Heavy imports (boto3, moto, pydantic models) happen inside the commands so that
``backup-audit --help`` stays fast.
"""

from __future__ import annotations

import re
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner import __version__, cli_engine, cli_report
from scanner.errors import BackupAuditError, InputError

if TYPE_CHECKING:
    from scanner.collectors.aws.collect import CollectionRun
    from scanner.pipeline import PipelineOutcome

EXIT_CODES = """Exit codes: 0 done (gaps and failures in the inventory are data, not errors) · \
1 the gate failed (coverage regressed) · 2 bad input (flags, malformed file) · \
3 collection could not start (credentials, account or region list) · \
4 the read-only guard refused an operation · 70 internal error (a bug)."""

app = typer.Typer(
    name="backup-audit",
    help="Read-only compliance scanner for the backups of managed data stores.\n\n"
    "Start with [bold]backup-audit demo[/bold] to see it work on an emulated estate, then "
    "[bold]backup-audit collect aws -o inventory.json[/bold] on your own account.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
collect_app = typer.Typer(
    help="Read a cloud's data stores and their backups into an inventory snapshot. "
    "Read-only: only declared List/Get/Describe operations are ever sent.",
    no_args_is_help=True,
)
schema_app = typer.Typer(
    help="Print the JSON Schema of a file backup-audit reads or writes.", no_args_is_help=True
)
permissions_app = typer.Typer(
    help="Print the least-privilege policy the collectors need.", no_args_is_help=True
)
scan_app = typer.Typer(
    help="Collect, evaluate and report in one go (and gate with --baseline).",
    no_args_is_help=True,
)
app.add_typer(collect_app, name="collect")
app.add_typer(scan_app, name="scan")
app.command()(cli_engine.evaluate)
app.command()(cli_report.report)
app.command()(cli_engine.gate)
app.add_typer(cli_engine.rules_app, name="rules")
app.add_typer(schema_app, name="schema")
app.add_typer(permissions_app, name="permissions")

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _split_regions(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    regions = tuple(sorted({r.strip() for v in values for r in v.split(",") if r.strip()}))
    bad = [r for r in regions if not _REGION.match(r)]
    if bad:
        raise InputError(f"--regions: {', '.join(bad)} is not an AWS region name (e.g. eu-west-1)")
    return regions


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"backup-audit {__version__}")
        raise typer.Exit()


RegionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--regions",
        help="Regions to scan, comma-separated or repeated. Default: the account's "
        "enabled regions (ec2:DescribeRegions).",
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(help="AWS profile from ~/.aws/config. Default: the standard credential chain."),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        help="Send every call to this endpoint (e.g. a local moto server). "
        "AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured too."
    ),
]
WorkersOption = Annotated[int, typer.Option(min=1, max=128, help="Concurrent API calls.")]


def _collect(
    regions: list[str] | None, profile: str | None, endpoint_url: str | None, workers: int
) -> CollectionRun:
    """Collect the caller's AWS account with a progress display on stderr."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    from scanner.collectors.aws.api import ClientSettings
    from scanner.collectors.aws.collect import CollectOptions, collect_aws
    from scanner.console import RichProgress

    options = CollectOptions(regions=_split_regions(regions), workers=workers)
    try:
        session = boto3.Session(profile_name=profile)
    except ProfileNotFound as exc:
        raise InputError(f"--profile: {exc}") from None
    settings = ClientSettings(
        max_pool=workers, endpoints={"*": endpoint_url} if endpoint_url else None
    )
    with RichProgress("Collecting AWS") as progress:
        return collect_aws(session, _utc_now, options, settings, progress)


@collect_app.command("aws")
def collect_aws_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the snapshot.")
    ] = Path("inventory.json"),
    regions: RegionsOption = None,
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    workers: WorkersOption = 16,
) -> None:
    """Collect the caller's AWS account: DynamoDB, S3, RDS/Aurora and AWS Backup.

    Every store gets its protections, recovery points, copies and gaps. Anything that
    could not be read (AccessDenied, throttling, timeouts) is recorded as a gap naming
    the permission to grant — never as a default value.
    """
    from rich.console import Console

    from scanner.inventory import write_snapshot
    from scanner.summary import print_summary

    run = _collect(regions, profile, endpoint_url, workers)
    write_snapshot(run.snapshot, output)
    print_summary(run.snapshot, Console())
    typer.echo(
        f"Wrote {output} ({len(run.snapshot.stores)} stores, {sum(run.calls.values())} API calls)"
    )


@scan_app.command("aws")
def scan_aws_command(
    policy: Annotated[Path, typer.Option(help="The organisation's backup policy (YAML).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for every output.")] = Path(
        "backup-audit-scan"
    ),
    regions: RegionsOption = None,
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    workers: WorkersOption = 16,
    rules: cli_engine.RulesOption = None,
    report_format: cli_report.FormatOption = "html,pdf",
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Gate against this baseline: junit.xml, summary.md, exit 1 on regression."
        ),
    ] = None,
) -> None:
    """Collect → evaluate → report (→ gate): everything in one folder.

    Writes inventory.json, findings.json, results.csv, report.html and report.pdf; with
    --baseline also junit.xml and summary.md, and exits 1 when coverage regressed.
    """
    from scanner.engine.rules import load_pack
    from scanner.pipeline import PipelineOptions, after_collection

    formats = cli_report.parse_formats(report_format)
    pack = load_pack(rules)
    load_policy_early(policy)
    run = _collect(regions, profile, endpoint_url, workers)
    options = PipelineOptions(policy=policy, pack=pack, formats=formats, baseline=baseline)
    outcome = after_collection(run, output, options, _utc_now)
    _print_outcome(run, outcome)
    if outcome.verdict is not None and not outcome.verdict.passed:
        raise typer.Exit(1)


def load_policy_early(path: Path) -> None:
    """Fail on a malformed policy before spending minutes collecting."""
    from scanner.policy import load_policy

    load_policy(path)


def _print_outcome(run: CollectionRun, outcome: PipelineOutcome) -> None:
    from rich.console import Console

    from scanner.summary import print_coverage, print_summary

    console = Console()
    print_summary(run.snapshot, console)
    print_coverage(outcome.evaluation.coverage, outcome.evaluation.exceptions, console)
    for path in (outcome.inventory, outcome.findings, outcome.csv, *outcome.reports.values()):
        typer.echo(f"Wrote {path}")
    if outcome.verdict is not None:
        for reason in outcome.verdict.reasons:
            typer.echo(f"FAIL: {reason}")
        typer.echo("gate passed" if outcome.verdict.passed else "gate FAILED")


@app.command()
def summary(
    inventory: Annotated[Path, typer.Argument(help="An inventory.json from collect or demo.")],
) -> None:
    """Print the one-screen summary of an inventory snapshot (validates it first)."""
    from rich.console import Console

    from scanner.inventory import load_snapshot
    from scanner.summary import print_summary

    print_summary(load_snapshot(inventory), Console())


@schema_app.command("inventory")
def schema_inventory() -> None:
    """The JSON Schema of inventory.json (backup-audit/inventory/v1)."""
    import json

    from scanner.model import Snapshot

    typer.echo(json.dumps(Snapshot.model_json_schema(by_alias=True), indent=2, sort_keys=True))


@schema_app.command("policy")
def schema_policy() -> None:
    """The JSON Schema of the policy file (durations are written 30m, 1h, 35d, 7y)."""
    import json

    from scanner.policy import Policy

    typer.echo(json.dumps(Policy.model_json_schema(), indent=2, sort_keys=True))


@schema_app.command("findings")
def schema_findings() -> None:
    """The JSON Schema of findings.json (backup-audit/findings/v1)."""
    import json

    from scanner.findings import Findings

    typer.echo(json.dumps(Findings.model_json_schema(by_alias=True), indent=2, sort_keys=True))


@permissions_app.command("aws")
def permissions_aws() -> None:
    """The IAM policy allowing exactly the operations the AWS collectors may call."""
    from scanner.collectors.aws.permissions import iam_policy_json

    typer.echo(iam_policy_json(), nl=False)


@app.command()
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the demo's outputs.")
    ] = Path("backup-audit-demo"),
    estate: Annotated[
        Path | None,
        typer.Option(
            help="An estate description to emulate instead of the built-in samples/estate.yaml."
        ),
    ] = None,
) -> None:
    """Run the real collectors against an emulated AWS estate on 127.0.0.1.

    Starts moto's server and our AWS Backup fake, seeds them with a fictional
    organisation's estate, collects it, evaluates it against samples/policy.yaml and
    writes inventory.json, findings.json, results.csv, report.html and report.pdf.
    Nothing leaves this machine.
    """
    from scanner.console import RichProgress
    from scanner.demo import default_estate, run_demo
    from scanner.emulator.estate import load_estate

    chosen = load_estate(estate) if estate else default_estate()
    with RichProgress("Collecting the emulated estate") as progress:
        run, outcome = run_demo(output, chosen, _utc_now, progress)
    typer.echo(f"{chosen.organisation}: {len(run.snapshot.stores)} stores emulated and collected")
    _print_outcome(run, outcome)


def main() -> None:
    """Console-script entry point: maps our errors to their exit codes, no traceback."""
    try:
        app()
    except BackupAuditError as exc:
        typer.echo(f"backup-audit: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception:  # a bug: say so, with the traceback to report
        traceback.print_exc()
        typer.echo(
            "backup-audit: internal error (a bug) — please report it with the traceback above",
            err=True,
        )
        sys.exit(70)
