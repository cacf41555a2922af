"""What happened to a store's backups over time: the restores run from them (restore
jobs, restore tests, and tests recorded in the restore-evidence file) and the backup and
copy jobs that ran — the store facts the operations-evidence rules judge."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from scanner.model_base import Evidence, GapHours, Record
from scanner.vocabulary import JobKind, RunOutcome


def _not_before(started: datetime, completed: datetime | None) -> None:
    if completed is not None and completed < started:
        raise ValueError(
            f"completed {completed.isoformat()} is before started {started.isoformat()}"
        )


class RestoreRun(Record):
    """One restore from the store's backups: when it started and completed, how it ended,
    the restore time measured (``duration_hours``: start to completion, or as recorded),
    whether it ran as a test (a restore testing plan, or recorded as a test) rather than
    an ad hoc restore, and whether the restored data was validated (``None``: not said).
    ``by`` and ``ticket`` come from the restore-evidence file."""

    id: str
    started: datetime
    completed: datetime | None = None
    outcome: RunOutcome
    duration_hours: GapHours | None = None
    test: bool
    validated: bool | None = None
    recovery_point: str | None = None
    restored_to: str | None = None
    by: str | None = None
    ticket: str | None = None
    source: str
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_order(self) -> RestoreRun:
        _not_before(self.started, self.completed)
        return self


class JobRun(Record):
    """One backup or copy job of the store: how it ended, when, and the provider's
    message (a failure's reason). Collectors list every failed job they can see and the
    successful ones where the provider lists jobs; a successful backup also shows as a
    recovery point."""

    id: str
    kind: JobKind
    outcome: RunOutcome
    started: datetime
    completed: datetime | None = None
    message: str | None = None
    source: str
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_order(self) -> JobRun:
        _not_before(self.started, self.completed)
        return self
