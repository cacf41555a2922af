"""Terminal output: a rich progress display on stderr, shown only when stderr is a TTY,
and how much to say (``-q``: only errors and failing verdicts; ``-v``: everything)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_LEVEL = {"level": 1}
QUIET, NORMAL, VERBOSE = 0, 1, 2


def set_verbosity(level: int) -> None:
    """Set by the command line's ``-q`` / ``-v`` for this run."""
    _LEVEL["level"] = level


def quiet() -> bool:
    """Whether only errors and failing verdicts are printed."""
    return _LEVEL["level"] == QUIET


def verbose() -> bool:
    """Whether every result behind a verdict is printed, not the first few."""
    return _LEVEL["level"] == VERBOSE


def warn(text: str) -> None:
    """Print a warning on stderr (even with ``-q``: it concerns the verdicts)."""
    import typer

    typer.echo(f"warning: {text}", err=True)


def say(text: str) -> None:
    """Print an informational line on stdout (not with ``-q``)."""
    if not quiet():
        import typer

        typer.echo(text)


class RichProgress:
    """A Progress (see scanner.progress) drawn with rich; silent when not on a terminal."""

    def __init__(self, description: str, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
            disable=not self._console.is_terminal,
        )
        self._task = self._bar.add_task(description, total=0)

    def found(self, count: int) -> None:
        """More work was discovered."""
        total = self._bar.tasks[0].total or 0
        self._bar.update(self._task, total=total + count)

    def done(self, label: str) -> None:
        """One unit of work finished."""
        self._bar.advance(self._task)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()
