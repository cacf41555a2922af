"""The ``backup-audit`` command line: parse, call, print. No logic lives here.

Heavy imports (boto3, moto, pydantic models) happen inside the commands so that
``backup-audit --help`` stays fast.
"""

from __future__ import annotations

import errno
import inspect
import re
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from scanner import __version__, cli_collect, cli_engine, cli_report
from scanner.errors import BackupAuditError

EXIT_CODES = """Exit codes: 0 done (gaps and failures in the inventory are data, not errors) · \
1 the gate failed (coverage regressed) or verify found a problem · \
2 bad input (flags, malformed file) · \
3 collection could not start (credentials, account or region list) · \
4 the read-only guard refused an operation · 70 internal error (a bug)."""


class _Commands(TyperGroup):
    """Runs a command and turns our errors into their exit codes, without a traceback;
    anything else is a bug: its traceback is printed and the exit code is 70."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): not a bug
            ctx.exit(1)
        except BackupAuditError as exc:
            from scanner.render.inert import for_terminal

            typer.echo(f"backup-audit: error: {for_terminal(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except Exception:  # a bug: say so, with the traceback to report
            traceback.print_exc()
            typer.echo(
                "backup-audit: internal error (a bug) — please report it with the traceback above",
                err=True,
            )
            ctx.exit(70)

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's main, with its usage errors (unknown option, missing argument, a value
        out of range) said in our one style: ``backup-audit: error: …``, exit 2."""
        plain_metavars(self)
        args = hoist_verbosity(list(sys.argv[1:] if args is None else args))
        try:
            code = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except TyperException as exc:
            if str(exc):  # no_args_is_help raises an empty one after printing the help
                typer.echo(usage_error_text(exc), err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            sys.exit(1)
        except typer.Abort:
            typer.echo("backup-audit: error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


_VERBOSITY_FLAGS = ("-q", "--quiet", "-v", "--verbose")


def hoist_verbosity(args: list[str]) -> list[str]:
    """``-q``/``-v`` are accepted after the command too (``gate -q``): moved to the front,
    where the root command reads them. Nothing after ``--`` is touched."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in _VERBOSITY_FLAGS]
    rest = [a for a in args[:end] if a not in _VERBOSITY_FLAGS]
    return flags + rest + args[end:]


_METAVARS = {
    "path": "PATH",
    "list[Path]": "PATH",
    "str": "TEXT",
    "list[str]": "TEXT",
    "float": "NUMBER",
    "int": "NUMBER",
}


def plain_metavars(command: Any) -> None:
    """Help shows PATH, TEXT, NUMBER — never Python types (``<bool>``, ``list[Path]``) —
    and docstring paragraphs flow to the terminal's width."""
    command.help = reflow(command.help)
    help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    for param in command.params:
        if param.param_type_name == "argument":  # its name says it; no type beside it
            param.display_type_rich = lambda ctx: None
        if param.metavar is not None:
            continue
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.param_type_name == "argument":
            param.metavar = param.name.upper()
        else:
            label = param.display_type(None).strip("<>")
            param.metavar = _METAVARS.get(label, "NUMBER" if "range" in label else label.upper())
    for sub in getattr(command, "commands", {}).values():
        plain_metavars(sub)


def reflow(text: str | None) -> str | None:
    """Join the lines of each paragraph (bullet items stay one per line)."""
    if not text:
        return text
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.splitlines()
        if any(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = re.split(r"\n(?=\s*[-*] )", paragraph)
            paragraphs.append("\n".join(" ".join(i.split()) for i in items))
        else:
            paragraphs.append(" ".join(paragraph.split()))
    return "\n\n".join(paragraphs)


def usage_error_text(exc: TyperException) -> str:
    """One or two lines: the error, naming the command and flag, and where help is."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path.split(" ", 1) if ctx is not None else []
    command = f"{path[1]}: " if len(path) > 1 else ""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    text = f"backup-audit: error: {command}{message}"
    if ctx is not None:
        text += f"\nTry '{ctx.command_path} --help'."
    return text


app = typer.Typer(
    name="backup-audit",
    cls=_Commands,
    help="Read-only compliance scanner for the backups of managed data stores.\n\n"
    "Start with [bold]backup-audit demo[/bold] to see it work on an emulated estate, then "
    "[bold]backup-audit collect aws -o inventory.json[/bold] on your own account.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
schema_app = typer.Typer(
    help="Print the JSON Schema of a file backup-audit reads or writes.", no_args_is_help=True
)
app.command()(cli_collect.collect)
app.command()(cli_collect.scan)
app.command()(cli_collect.merge)
app.command()(cli_engine.evaluate)
app.command()(cli_report.report)
app.command()(cli_report.verify)
app.command()(cli_engine.gate)
app.add_typer(cli_engine.rules_app, name="rules")
app.add_typer(schema_app, name="schema")
app.command()(cli_collect.permissions)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only errors and failing verdicts (any command)."),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Print every result behind a verdict (any command)."),
    ] = False,
) -> None:
    from scanner.console import NORMAL, QUIET, VERBOSE, set_verbosity
    from scanner.errors import InputError

    if quiet and verbose:
        raise InputError("-q/--quiet and -v/--verbose contradict each other: give one")
    set_verbosity(QUIET if quiet else VERBOSE if verbose else NORMAL)
    if version:
        typer.echo(f"backup-audit {__version__}")
        raise typer.Exit()


@app.command()
def summary(
    inventory: Annotated[Path, typer.Argument(help="An inventory.json from collect or demo.")],
    output_format: cli_engine.TextOrJson = "text",
) -> None:
    """Print the one-screen summary of an inventory snapshot (validates it first)."""
    from rich.console import Console

    from scanner.inventory import load_snapshot
    from scanner.summary import print_summary, summary_json

    cli_engine.check_text_or_json(output_format)
    snapshot = load_snapshot(inventory)
    if output_format == "json":
        typer.echo(summary_json(snapshot))
    else:
        print_summary(snapshot, Console())


@schema_app.command("inventory")
def schema_inventory() -> None:
    """The JSON Schema of inventory.json (backup-audit/inventory/v2; v1 files are read too)."""
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
    """The JSON Schema of findings.json (backup-audit/findings/v3; v2 files are read too)."""
    import json

    from scanner.findings import Findings

    typer.echo(json.dumps(Findings.model_json_schema(by_alias=True), indent=2, sort_keys=True))


@schema_app.command("restore-evidence")
def schema_restore_evidence() -> None:
    """The JSON Schema of the restore-evidence file (evaluate/scan --restore-evidence)."""
    import json

    from scanner.restore_evidence import RestoreEvidenceFile

    typer.echo(json.dumps(RestoreEvidenceFile.model_json_schema(), indent=2, sort_keys=True))


@app.command()
def init(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the starter policy.")
    ] = Path("policy.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter policy (tiers, frameworks, residency, windows,
    exceptions) to edit before the first evaluation."""
    from importlib.resources import files

    from scanner import __version__
    from scanner.console import say
    from scanner.errors import InputError
    from scanner.output_checks import check_outputs
    from scanner.outputs import OutputSet

    check_outputs({"--output": output})
    if output.exists() and not force:
        raise InputError(f"--output {output}: exists; give --force to overwrite it")
    text = files("scanner.samples").joinpath("starter-policy.yaml").read_text(encoding="utf-8")
    with OutputSet() as outputs:
        outputs.path(output).write_text(text, encoding="utf-8")
        outputs.commit(__version__)
    say(f"Wrote {output}: edit it, then `backup-audit evaluate … --policy {output}`")


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
    """Run the real collectors against an emulated estate on 127.0.0.1.

    Starts each cloud's emulator (for AWS: moto's server and our AWS Backup fake), seeds
    it with a fictional organisation's estate, collects it, evaluates it against
    samples/policy.yaml and writes inventory.json, findings.json, results.csv,
    report.html and report.pdf. Nothing leaves this machine.
    """
    from scanner.console import RichProgress, say
    from scanner.demo import default_estate, run_demo
    from scanner.emulator.estate import load_estate
    from scanner.manifest import OUTPUT_NAMES
    from scanner.output_checks import check_outputs
    from scanner.pipeline import print_outcome

    check_outputs(folders={"--output": output}, produces=OUTPUT_NAMES)
    chosen = load_estate(estate) if estate else default_estate()
    with RichProgress("Collecting the emulated estate") as progress:
        snapshot, outcome = run_demo(output, chosen, cli_collect.utc_now, progress)
    say(f"{chosen.organisation}: {len(snapshot.stores)} stores emulated and collected")
    print_outcome(snapshot, outcome)


def main() -> None:
    """Console-script entry point (errors become exit codes in :class:`_Commands`)."""
    app()
