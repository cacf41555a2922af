"""The error hierarchy of backup-audit; each error carries the process exit code.

Exit codes (documented in the README and ``backup-audit --help``):

* 0 — the command did its work (gaps in the inventory are data, not errors);
* 1 — an unexpected internal error (a bug: please report it);
* 2 — bad input: flags, a malformed snapshot, policy or rule file;
* 3 — collection could not start (no credentials, the account or region list unreadable);
* 4 — the read-only guard refused an operation (a bug in a collector, never sent).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'BKP-EXISTS'?)`` for the closest known word, or nothing."""
    choices = list(known)
    by_upper = {c.upper(): c for c in choices}
    close = difflib.get_close_matches(word.upper(), list(by_upper), n=1)
    return f" (did you mean {by_upper[close[0]]!r}?)" if close else ""


class BackupAuditError(Exception):
    """Base class: an error with a message meant for the user and an exit code."""

    exit_code = 1


class InputError(BackupAuditError):
    """Bad input given by the user: a malformed file or flag."""

    exit_code = 2


class InputFileError(InputError):
    """A malformed input file, located by path and (when known) line."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type[InputFileError], tuple[str, str, int | None]]:
        """Pickled with its own arguments: a worker process raises it to the parent."""
        return type(self), (self.path, self.problem, self.line)


class CollectionError(BackupAuditError):
    """Collection could not start at all (credentials, identity, region list)."""

    exit_code = 3


class ReadOnlyViolation(BackupAuditError):
    """A collector tried an operation outside its declared read-only set; it was not sent."""

    exit_code = 4

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        super().__init__(
            f"refused {service}:{operation}: not a declared read-only operation (nothing was sent)"
        )
