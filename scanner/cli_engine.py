"""CLI commands of the engine side: ``evaluate``, ``gate`` and ``rules``. Parse, call, print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scanner.errors import InputError, did_you_mean

RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="An organisation's rule directory, added beside the built-in rules (repeatable).",
    ),
]

PeriodOption = Annotated[
    str | None,
    typer.Option(
        help="The audit period, FIRST..LAST (whole UTC days, e.g. 2026-07-01..2026-09-30). "
        "Default: the 30 days before the inventory was collected.",
        metavar="FIRST..LAST",
    ),
]

RestoreEvidenceOption = Annotated[
    Path | None,
    typer.Option(
        "--restore-evidence",
        help="Restore tests done outside the clouds' tools (YAML; see `backup-audit schema "
        "restore-evidence`): each entry's store, date, result, duration, who and ticket "
        "join the restores the providers list.",
    ),
]

TextOrJson = Annotated[
    str,
    typer.Option(
        "--format", help="text (for people) or json (one document on stdout, for machines)."
    ),
]


def check_text_or_json(value: str) -> str:
    """``--format`` of gate, evaluate and summary."""
    if value not in ("text", "json"):
        raise InputError(f"--format: {value!r} — choose text or json")
    return value


rules_app = typer.Typer(
    help="Read, list and validate the rules (controls) and their citations.", no_args_is_help=True
)


def evaluate(
    inventory: Annotated[Path, typer.Argument(help="inventory.json from collect or demo.")],
    policy: Annotated[Path, typer.Option(help="The organisation's backup policy (YAML).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write findings.")] = Path(
        "findings.json"
    ),
    rules: RulesOption = None,
    csv: Annotated[Path | None, typer.Option(help="Also write every result as CSV.")] = None,
    period: PeriodOption = None,
    restore_evidence: RestoreEvidenceOption = None,
    output_format: TextOrJson = "text",
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes that evaluate the stores. Default: one per CPU core for an "
            "estate of 2,000 stores or more, else 1. The findings are the same bytes "
            "whatever the number.",
        ),
    ] = None,
) -> None:
    """Evaluate an inventory against the policy and every rule: write findings.json.

    Each store × rule gets pass (the outcome was observed: a recovery point, a copy, a
    point as old as the retention), fail, not_assessed (a fact the rule reads is missing
    or unreadable — never a pass), pending (not yet provable: first backup not due,
    retention longer than the store has existed), excepted (approved exception) or
    not_applicable, with citations and the API evidence. Ages are judged as of the
    inventory's collection time; history over --period (default: the 30 days before it).
    The manifest.json of the folder written into is rewritten last (see verify).
    """
    from datetime import datetime, timezone

    from rich.console import Console

    from scanner import __version__
    from scanner.console import RichProgress, quiet, say, warn
    from scanner.engine.rules import load_pack
    from scanner.engine.run import evaluate_files
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet
    from scanner.restore_evidence import load_restore_evidence, unapplied
    from scanner.summary import print_coverage

    check_text_or_json(output_format)
    check_outputs({"--output": output, "--csv": csv}, inputs=(inventory, policy, restore_evidence))
    pack = load_pack(rules)
    evidence = load_restore_evidence(restore_evidence) if restore_evidence else None
    with OutputSet() as outputs, RichProgress("Evaluating") as progress:
        summary = evaluate_files(
            inventory,
            policy,
            pack,
            outputs.path(output),
            lambda: datetime.now(timezone.utc),
            outputs.path(csv) if csv else None,
            progress,
            period,
            evidence,
            workers,
        )
        written = outputs.commit(__version__)
    for note in unapplied(summary.restore_evidence) if summary.restore_evidence else []:
        warn(note)
    if output_format == "json":
        document = {
            "coverage": summary.coverage,
            "exceptions": summary.exceptions,
            "written": [str(p) for p in written],
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True, default=str))
        return
    if not quiet():
        print_coverage(summary.coverage, summary.exceptions, Console())
    for path in written:
        say(f"Wrote {path}")


def gate(
    findings: Annotated[Path, typer.Argument(help="findings.json from evaluate.")],
    baseline: Annotated[
        Path | None,
        typer.Option(help="Baseline to compare with (a baseline or an earlier findings.json)."),
    ] = None,
    min_coverage: Annotated[
        float | None,
        typer.Option(help="Fail when overall coverage is below this share (0–1, e.g. 0.9)."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            help="Fail on any failure of this severity or above: low, medium, high, critical."
        ),
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    summary: Annotated[Path | None, typer.Option(help="Write a Markdown summary here.")] = None,
    write_baseline: Annotated[
        bool,
        typer.Option(
            "--write-baseline",
            help="Record these findings as the baseline (at --baseline) and exit 0.",
        ),
    ] = False,
    output_format: TextOrJson = "text",
) -> None:
    """Fail the build when backup coverage regresses.

    Every figure is recomputed from the results (a stored coverage number is never
    trusted). Exits 1 when coverage drops below the baseline or --min-coverage; the
    population is incomplete (an account, service or region could not be listed) where
    the baseline's was complete, or at all with --min-coverage; a baseline store is
    missing while its listing failed; a store × rule newly fails; a passing result can no
    longer be assessed; or a failure of --fail-on severity exists. Exits 2 when the
    findings were altered after they were written (the file no longer matches the
    SHA-256 it records). Prints the reasons and the new failures in a few lines.
    """
    from scanner import __version__
    from scanner.console import quiet, say, verbose
    from scanner.fileio import check_input_file
    from scanner.findings import Findings
    from scanner.findings_read import read_streamed
    from scanner.findings_stream import FindingsStream
    from scanner.gate import GateVerdict, baseline_of, load_baseline, run_gate
    from scanner.gate import write_baseline as save_baseline
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet
    from scanner.render.junit import JunitCases, write_junit
    from scanner.render.markdown import write_summary
    from scanner.render.verdict import verdict_json, verdict_lines

    check_text_or_json(output_format)
    if min_coverage is not None and not 0 <= min_coverage <= 1:
        raise InputError(
            f"--min-coverage: {min_coverage:g} is not a share between 0 and 1 (90% is 0.9)"
        )
    if fail_on is not None and fail_on not in ("low", "medium", "high", "critical"):
        raise InputError(f"--fail-on: {fail_on!r} is not one of low, medium, high, critical")
    if write_baseline and baseline is None:
        raise InputError("--write-baseline needs --baseline PATH to write to")
    targets = {"--junit": junit, "--summary": summary}
    if write_baseline:
        check_outputs(targets | {"--baseline": baseline}, (findings,))
    else:
        check_outputs(targets, (findings, baseline))
    if write_baseline and baseline is not None:
        recorded, _ = read_streamed(findings, baseline_of)
        with OutputSet() as outputs:
            save_baseline(recorded, outputs.path(baseline))
            outputs.commit(__version__)
        if output_format == "json":
            typer.echo(json.dumps({"written": [str(baseline)]}))
        else:
            say(f"Wrote baseline {baseline}")
        return
    check_input_file(findings, "a findings file")  # the findings' problems come first
    earlier = load_baseline(baseline) if baseline else None

    def decide(read: Findings | FindingsStream) -> tuple[GateVerdict, JunitCases]:
        cases = JunitCases()  # a pass started again starts its cases again
        observe = cases.add if junit else None
        return run_gate(read, earlier, min_coverage, fail_on, observe), cases

    (verdict, cases), head = read_streamed(findings, decide)
    with OutputSet() as outputs:
        if junit:
            new = {(r.resource.id, r.rule) for r in verdict.new_failures}
            write_junit(cases, outputs.path(junit), new)
        if summary:
            write_summary(head, outputs.path(summary), verdict)
        outputs.commit(__version__)
    if output_format == "json":
        typer.echo(verdict_json(verdict))
    elif not quiet() or not verdict.passed:
        typer.echo("\n".join(verdict_lines(verdict, verbose())))
    if not verdict.passed:
        raise typer.Exit(1)


@rules_app.command("list")
def rules_list(rules: RulesOption = None) -> None:
    """Every rule: id, severity, title and the frameworks it cites."""
    from rich.console import Console
    from rich.table import Table

    from scanner.engine.rules import load_pack

    table = Table("id", "severity", "title", "cites")
    for rule in load_pack(rules).rules:
        table.add_row(
            rule.id, rule.spec.severity, rule.spec.title, ", ".join(sorted(rule.spec.citations))
        )
    Console().print(table)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. BKP-RPO-OBSERVED.")],
    rules: RulesOption = None,
) -> None:
    """One rule in full: rationale, expression, citations with the requirement texts."""
    from scanner.engine.rules import load_pack
    from scanner.render.inert import for_text

    pack = load_pack(rules)
    rule = pack.rule(rule_id)
    if rule is None:
        hint = did_you_mean(rule_id, (r.id for r in pack.rules))
        raise InputError(f"no rule {rule_id!r}{hint}; `backup-audit rules list` shows them")
    spec = rule.spec
    lines = [
        f"{spec.id} — {spec.title}\nseverity: {spec.severity}    source: {rule.source}\n",
        f"{spec.rationale.strip()}\n\nexpression:\n  {spec.logic}\n",
    ]
    if spec.applies_to.kinds or spec.applies_to.frameworks or spec.applies_to.when:
        lines.append(f"applies to: {spec.applies_to.model_dump(exclude_defaults=True)}")
    lines.append(f"requires: {', '.join(spec.requires) or '-'}\n\ncitations:")
    for framework, ids in sorted(spec.citations.items()):
        for requirement_id in ids:
            req = pack.catalogs[framework].requirement(requirement_id)
            assert req is not None
            lines.append(f"  {framework} {req.id} — {req.title}: {req.summary}")
    lines.append("\nremediation:")
    lines += [f"  {cloud}: {text}" for cloud, text in spec.remediation.items()]
    typer.echo(for_text("\n".join(lines)))


@rules_app.command("validate")
def rules_validate(rules: RulesOption = None) -> None:
    """Load every rule file (schema, CEL, field paths, citations) and run every case."""
    from scanner.engine.cases import run_cases
    from scanner.engine.rules import load_pack

    pack = load_pack(rules)
    outcomes = run_cases(pack)
    wrong = [o for o in outcomes if not o.ok]
    if wrong:
        for outcome in wrong:
            typer.echo(
                f"{outcome.rule}: case {outcome.case!r} expected {outcome.expected}, "
                f"got {outcome.actual} ({outcome.message})"
            )
        first = wrong[0]
        raise InputError(
            f"{len(wrong)} of {len(outcomes)} rule cases disagree with the rules (listed on "
            f"stdout); first: {first.rule}: case {first.case!r} expected {first.expected}, "
            f"got {first.actual} ({first.message})"
        )
    typer.echo(
        f"{len(pack.rules)} rules valid, {len(outcomes)} cases agree (rule pack {pack.sha256[:12]})"
    )
