"""The restore-evidence file (``backup-audit/restore-evidence/v1``): restore tests done
outside the clouds' own tools — a DBA's restore into a scratch instance, a yearly
disaster-recovery exercise — recorded by the people who ran them.

Each entry names the store (its id in the inventory), when the restore started, how it
ended, how long it took, who ran it and the ticket that records it. ``evaluate
--restore-evidence FILE`` adds the entries to their stores' restores beside what the
providers listed, each citing the file, its SHA-256 and the entry's line; entries for
stores not in the inventory, or dated after its collection, are counted and named in
findings.json, never applied silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from scanner.collectors.registry import plugin
from scanner.engine.operations import EVIDENCE_FILE, UNLISTED
from scanner.fileio import line_of, read_yaml_bytes, validation_error
from scanner.model import DataStore, Evidence, RestoreRun
from scanner.policy import PositiveDuration

#: The name ``scan`` and ``demo`` keep the restore-evidence file under, beside the outputs.
EVIDENCE_NAME: Final = "restore-evidence.yaml"


class RecordedRestore(BaseModel):
    """One restore test as its people recorded it."""

    model_config = ConfigDict(extra="forbid")

    store: str = Field(min_length=1, description="The store's id, as in inventory.json")
    date: AwareDatetime | dt.date = Field(
        description="When the restore started: an ISO 8601 time with its offset "
        "(2026-10-02T09:00:00Z), or a date alone, meaning 00:00 UTC"
    )
    result: Literal["succeeded", "failed"]
    duration: PositiveDuration | None = Field(
        None, description="How long the restore took, start to usable data, e.g. 150m or 2.5h"
    )
    validated: bool | None = Field(
        None, description="Whether the restored data was checked (row counts, checksums …)"
    )
    who: str = Field(min_length=1, description="Who ran the restore")
    ticket: str | None = Field(None, description="The change or ticket that records it")
    restored_to: str | None = Field(None, description="Where the data was restored")
    notes: str | None = None


class RestoreEvidenceFile(BaseModel):
    """The whole restore-evidence file."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    restores: list[RecordedRestore] = Field(default_factory=list)


@dataclass
class RestoreEvidence:
    """A loaded restore-evidence file: its entries with their lines, its digest, and the
    bytes read (what ``scan`` keeps beside its outputs as ``restore-evidence.yaml``)."""

    path: Path
    sha256: str
    entries: list[tuple[RecordedRestore, int | None]] = field(default_factory=list)
    content: bytes = b""


def load_restore_evidence(path: Path) -> RestoreEvidence:
    """Read and validate the file (a bad one is an input error naming file and line)."""
    import hashlib

    content, text, data = read_yaml_bytes(path, "a restore-evidence file")
    try:
        document = RestoreEvidenceFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None
    entries = [
        (entry, line_of(text, ("restores", index))) for index, entry in enumerate(document.restores)
    ]
    return RestoreEvidence(path, hashlib.sha256(content).hexdigest(), entries, content)


def _started(value: dt.datetime | dt.date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time(), tzinfo=timezone.utc)


def _run(entry: RecordedRestore, line: int | None, evidence: RestoreEvidence) -> RestoreRun:
    started = _started(entry.date)
    took: timedelta | None = entry.duration
    where = f"{evidence.path.name}:{line}" if line else evidence.path.name
    return RestoreRun(
        id=where,
        started=started,
        completed=started + took if took else None,
        outcome=entry.result,
        duration_hours=took.total_seconds() / 3600 if took else None,
        test=True,
        validated=entry.validated,
        restored_to=entry.restored_to,
        by=entry.who,
        ticket=entry.ticket,
        source=EVIDENCE_FILE,
        evidence=[
            Evidence(
                operation="backup-audit:restore-evidence",
                fields={
                    "file": evidence.path.name,
                    "sha256": evidence.sha256,
                    "line": line,
                    "who": entry.who,
                    "ticket": entry.ticket,
                    "notes": entry.notes,
                },
            )
        ],
    )


def unapplied(applied: dict[str, Any]) -> list[str]:
    """Warnings for the entries a :class:`RestorePlan` could not apply (``applied``)."""
    notes = [
        f"{applied['file']}: no store {s} in the inventory"
        for s in applied["stores_not_in_inventory"]
    ]
    notes += [
        f"{applied['file']}: dated after the collection, not applied: {s}"
        for s in applied["after_collection"]
    ]
    return notes


@dataclass
class RestorePlan:
    """Which entries of a restore-evidence file go to which store, decided from the
    stores' ids alone — so that an estate read a store at a time can add them to each
    store as it is read (:meth:`apply`)."""

    evidence: RestoreEvidence
    #: each store id's entries (with their lines), in the file's order
    entries: dict[str, list[tuple[RecordedRestore, int | None]]]
    #: what findings.json records of the file (``restore_evidence``)
    applied: dict[str, Any]

    @classmethod
    def of(
        cls, evidence: RestoreEvidence, stores: list[tuple[str, str]], collected_at: datetime
    ) -> RestorePlan:
        """The plan for an estate of ``stores`` (id, cloud) collected at ``collected_at``."""
        ids = {store: store for store, _ in stores}
        folded = {store.lower(): store for store, cloud in stores if plugin(cloud).ids_ignore_case}
        entries: dict[str, list[tuple[RecordedRestore, int | None]]] = {}
        unknown, later = [], []
        for entry, line in evidence.entries:
            store = ids.get(entry.store) or folded.get(entry.store.lower())
            if store is None:
                unknown.append(entry.store)
            elif _started(entry.date) > collected_at:
                later.append(f"{entry.store} ({_started(entry.date).isoformat()})")
            else:
                entries.setdefault(store, []).append((entry, line))
        applied = {
            "file": evidence.path.name,
            "sha256": evidence.sha256,
            "entries": len(evidence.entries),
            "applied": sum(len(found) for found in entries.values()),
            "stores_not_in_inventory": sorted(set(unknown)),
            "after_collection": later,
        }
        return cls(evidence, entries, applied)

    def apply(self, store: DataStore) -> None:
        """Add the store's entries to its restores."""
        for entry, line in self.entries.get(store.id, ()):
            if store.restores is None:  # say so before the file's entries make it a list
                note = "none: no API lists this kind's restores"
                store.evidence.append(
                    Evidence(operation="backup-audit:restore-evidence", fields={UNLISTED: note})
                )
            store.restores = [*(store.restores or []), _run(entry, line, self.evidence)]
