"""CLI commands that read clouds: ``collect``, ``scan``, ``merge`` and ``permissions``.

``collect`` and ``scan`` take the clouds to read (``aws``, later ``gcp`` and ``azure``)
and every registered cloud's own options (``--profile``, ``--role-name`` …): their
signatures are built from the registry, so a new cloud's options appear here without an
edit. Region syntax is checked by each cloud's plugin.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner import __version__, cli_engine, cli_report
from scanner.collectors.registry import CollectorOption, CollectRequest, known_clouds, plugins
from scanner.console import say
from scanner.errors import InputError

CloudsArgument = Annotated[
    list[str],
    typer.Argument(
        help=f"The clouds to read: {', '.join(known_clouds())}.",
        metavar="CLOUD…",
        show_default=False,
    ),
]
RegionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--regions",
        help="Regions to read, comma-separated or repeated; cloud:region where a name could "
        "belong to several clouds. Default: every region the account has enabled.",
    ),
]
WorkersOption = Annotated[int, typer.Option(min=1, max=128, help="Concurrent API calls.")]


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(timezone.utc)


def _cloud_parameters(taken: set[str]) -> list[inspect.Parameter]:
    """One keyword parameter per option any registered cloud declares (``taken``: the
    command's own parameter names, which no cloud may reuse)."""
    seen: dict[str, str] = dict.fromkeys(taken, "backup-audit")
    params = []
    for cloud in plugins():
        for option in cloud.options:
            if option.key in seen:
                raise RuntimeError(
                    f"{option.flag} is declared by {seen[option.key]} and {cloud.name}"
                )
            seen[option.key] = cloud.name
            params.append(_parameter(option, cloud.title))
    return params


def _parameter(option: CollectorOption, title: str) -> inspect.Parameter:
    help_text = f"[{title}] {option.help}"
    annotation: Any
    if option.kind == "flag":
        annotation, default = Annotated[bool, typer.Option(option.flag, help=help_text)], False
    elif option.kind == "list":
        annotation = Annotated[
            list[str] | None, typer.Option(option.flag, help=help_text, metavar=option.metavar)
        ]
        default = None
    else:
        annotation = Annotated[
            str | None, typer.Option(option.flag, help=help_text, metavar=option.metavar)
        ]
        default = None
    return inspect.Parameter(
        option.key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def with_cloud_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with every cloud's options added to its signature (Typer reads it)."""
    signature = inspect.signature(command, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    params = fixed + _cloud_parameters({p.name for p in fixed})
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


def requests_for(
    clouds: list[str], regions: list[str] | None, workers: int, options: dict[str, Any]
) -> dict[str, CollectRequest]:
    """One CollectRequest per cloud asked for; options of clouds not asked for are refused."""
    from scanner.collectors.multi import split_regions
    from scanner.collectors.registry import plugin

    chosen = list(dict.fromkeys(clouds))
    for cloud in chosen:
        plugin(cloud)  # unknown names are bad input
    given = {k for k, v in options.items() if v not in (None, False, [])}
    for other in (p for p in plugins() if p.name not in chosen):
        stray = [o.flag for o in other.options if o.key in given]
        if stray:
            raise InputError(
                f"{', '.join(stray)}: an option of {other.name}, which is not being collected"
            )
    per_cloud = split_regions(regions, chosen)
    out = {}
    for cloud in chosen:
        own = {o.key: _listed(options.get(o.key), o) for o in plugin(cloud).options}
        out[cloud] = CollectRequest(regions=per_cloud[cloud], workers=workers, options=own)
    return out


def _listed(value: Any, option: CollectorOption) -> Any:
    if option.kind != "list" or value is None:
        return value
    return tuple(item.strip() for v in value for item in v.split(",") if item.strip())


def collect_snapshot(requests: dict[str, CollectRequest], title: str) -> Any:
    """Collect with a progress display on stderr (only on a terminal)."""
    from scanner.collectors.multi import collect_clouds
    from scanner.console import RichProgress

    with RichProgress(title) as progress:
        return collect_clouds(requests, utc_now, progress)


@with_cloud_options
def collect(
    clouds: CloudsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the snapshot.")
    ] = Path("inventory.json"),
    regions: RegionsOption = None,
    workers: WorkersOption = 16,
    **options: Any,
) -> None:
    """Read clouds' data stores and their backups into an inventory snapshot.

    Read-only: only declared List/Get/Describe operations are ever sent. Every store gets
    its protections, recovery points, copies and gaps; anything that could not be read
    (access denied, throttling, timeouts) is a gap saying why — never a default value.
    The snapshot records every API operation called and the retries sent.
    """
    from rich.console import Console

    from scanner.inventory import write_snapshot
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet
    from scanner.summary import print_summary

    check_outputs({"--output": output})
    snapshot = collect_snapshot(requests_for(clouds, regions, workers, options), "Collecting")
    with OutputSet() as outputs:
        write_snapshot(snapshot, outputs.path(output))
        written = outputs.commit(__version__)
    print_summary(snapshot, Console())
    calls = sum(c.calls for c in snapshot.api_calls or [])
    retries = sum(c.retries for c in snapshot.api_calls or [])
    say(f"Wrote {output} ({len(snapshot.stores)} stores; {calls} API calls, {retries} retries)")
    for path in written[1:]:
        say(f"Wrote {path}")


@with_cloud_options
def scan(
    clouds: CloudsArgument,
    policy: Annotated[Path, typer.Option(help="The organisation's backup policy (YAML).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for every output.")] = Path(
        "backup-audit-scan"
    ),
    regions: RegionsOption = None,
    workers: WorkersOption = 16,
    rules: cli_engine.RulesOption = None,
    report_format: cli_report.FormatOption = "html,pdf",
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Gate against this baseline: junit.xml, summary.md, exit 1 on regression."
        ),
    ] = None,
    period: cli_engine.PeriodOption = None,
    restore_evidence: cli_engine.RestoreEvidenceOption = None,
    **options: Any,
) -> None:
    """Collect → evaluate → report (→ gate): everything in one folder.

    Writes inventory.json, findings.json, results.csv, report.html and report.pdf; with
    --baseline also junit.xml and summary.md, and exits 1 when coverage regressed. The
    policy, the rules and every option are checked before anything is read.
    """
    from scanner.engine.period import parse_period
    from scanner.engine.rules import load_pack
    from scanner.manifest import OUTPUT_NAMES
    from scanner.output_checks import check_outputs
    from scanner.pipeline import PipelineOptions, after_collection, print_outcome
    from scanner.policy import load_policy
    from scanner.restore_evidence import load_restore_evidence

    check_outputs(
        folders={"--output": output},
        inputs=(policy, baseline, restore_evidence),
        produces=OUTPUT_NAMES,
    )
    formats = cli_report.parse_formats(report_format)
    pack = load_pack(rules)
    load_policy(policy, [rule.id for rule in pack.rules])
    if period is not None:  # checked before anything is read, not after the collection
        parse_period(period, utc_now())
    evidence = load_restore_evidence(restore_evidence) if restore_evidence else None
    requests = requests_for(clouds, regions, workers, options)
    snapshot = collect_snapshot(requests, "Collecting")
    pipeline = PipelineOptions(
        policy=policy,
        pack=pack,
        formats=formats,
        baseline=baseline,
        period=period,
        restore_evidence=evidence,
    )
    outcome = after_collection(snapshot, output, pipeline, utc_now)
    print_outcome(snapshot, outcome)
    if outcome.verdict is not None and not outcome.verdict.passed:
        raise typer.Exit(1)


def merge(
    inputs: Annotated[list[Path], typer.Argument(help="Snapshots to join (v1 or v2).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the result.")],
) -> None:
    """Join snapshots collected separately (per account or per cloud) into one.

    Refuses inputs whose scopes overlap (the same account and region, or the same store,
    in two files) or that hold stores outside their own scope. The result's collection
    time is the latest input's; every input is listed under ``parts``.
    """
    from scanner.inventory import load_snapshot, write_snapshot
    from scanner.merge import merge_snapshots
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet

    if len(inputs) < 2:
        raise InputError("merge: give at least two snapshots")
    check_outputs({"--output": output}, inputs=inputs)
    merged = merge_snapshots([(str(p), load_snapshot(p)) for p in inputs])
    with OutputSet() as outputs:
        write_snapshot(merged, outputs.path(output))
        written = outputs.commit(__version__)
    say(f"Wrote {output} ({len(merged.stores)} stores from {len(inputs)} snapshots)")
    for path in written[1:]:
        say(f"Wrote {path}")


def permissions(
    cloud: Annotated[str, typer.Argument(help=f"One of {', '.join(known_clouds())}.")],
) -> None:
    """Print the least-privilege policy a cloud's collectors need (AWS: an IAM policy).

    Generated from the same declarations the read-only guard enforces: exactly the
    operations the collectors may call.
    """
    from scanner.collectors.registry import plugin

    typer.echo(plugin(cloud).permissions_document(), nl=False)
