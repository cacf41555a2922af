"""``manifest.json`` (``backup-audit/manifest/v1``): the outputs of a folder and their hashes,
and ``verify``, which proves a folder is complete, unaltered and consistent.

Every command that writes a known output (:data:`OUTPUT_NAMES`) into a folder rewrites
the folder's manifest last, so it describes the set as it stands at the end of the command
that last wrote into it. Verification checks the manifest's sizes and SHA-256s, files
missing from it, and the hashes the outputs record of each other (findings → inventory,
report → findings and inventory, results.csv → findings). See docs/verify.md.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scanner.errors import InputFileError
from scanner.fileio import read_json_document, validation_error, write_atomic
from scanner.findings import sha256_file
from scanner.verify_checks import VerifyOutcome as VerifyOutcome
from scanner.verify_checks import check_consistency

SCHEMA_ID: Final = "backup-audit/manifest/v1"
MANIFEST_NAME: Final = "manifest.json"
OutputName = Literal[
    "inventory.json",
    "findings.json",
    "results.csv",
    "report.html",
    "report.pdf",
    "junit.xml",
    "summary.md",
    "restore-evidence.yaml",
]
#: The outputs a manifest lists when they are present in its folder.
OUTPUT_NAMES: Final[tuple[str, ...]] = get_args(OutputName)


class ManifestFile(BaseModel):
    """One output: its name in the folder, size in bytes and SHA-256."""

    model_config = ConfigDict(extra="forbid")

    name: OutputName
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """The whole manifest file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_id: Literal["backup-audit/manifest/v1"] = Field(SCHEMA_ID, alias="schema")
    tool_version: str
    files: list[ManifestFile]

    @field_validator("files")
    @classmethod
    def _each_name_once(cls, files: list[ManifestFile]) -> list[ManifestFile]:
        names = [f.name for f in files]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return files


def manifest_text(
    folder: Path,
    tool_version: str,
    written: Collection[str] | None = None,
    keep: bool = True,
    source: Path | None = None,
) -> str:
    """The manifest of ``folder`` (sorted, deterministic): every known output present
    there, or — with ``written`` — those files hashed (from ``source``, the stage they
    are in, when given) and (with ``keep``) the other entries of the folder's current
    manifest as they were. A file this command did not write keeps the hash recorded when
    it was written, so a later command never blesses a file changed in between; without
    ``keep`` (a whole new set, as ``scan`` writes) files left from an earlier run are not
    listed, and ``verify`` names them."""
    entries = _current_entries(folder) if written is not None and keep else {}
    for name in sorted(OUTPUT_NAMES):
        path = (source or folder) / name
        if path.is_file() and (written is None or name in written):
            entries[name] = {"name": name, "size": path.stat().st_size, "sha256": sha256_file(path)}
    files = [entries[name] for name in sorted(entries)]
    data = {"schema": SCHEMA_ID, "tool_version": tool_version, "files": files}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _current_entries(folder: Path) -> dict[str, dict[str, object]]:
    """The entries of the folder's manifest (none when it has none or a broken one)."""
    try:
        manifest = load_manifest(folder)
    except InputFileError:
        return {}
    return {f.name: f.model_dump() for f in manifest.files}


def check_manifest_writable(folder: Path) -> None:
    """A ``manifest.json`` that is not ours (another tool's) is never overwritten: bad
    input, said before any work."""
    path = folder / MANIFEST_NAME
    if path.exists() and not _ours(path):
        raise InputFileError(
            path,
            f"exists and is not a {SCHEMA_ID} file: not overwritten"
            " (move it, or write the outputs to another folder)",
        )


def write_manifest(folder: Path, tool_version: str) -> Path:
    """Write ``folder/manifest.json`` atomically, listing every known output there."""
    check_manifest_writable(folder)
    path = folder / MANIFEST_NAME
    write_atomic(path, manifest_text(folder, tool_version))
    return path


def stage_manifest(folder: Path, stage: Path, tool_version: str, keep: bool) -> None:
    """Write, into ``stage``, the manifest ``folder`` will have once the stage's known
    outputs move in (nothing when the stage holds none); see :func:`manifest_text`."""
    written = {p.name for p in stage.iterdir() if p.name in OUTPUT_NAMES}
    if written:
        check_manifest_writable(folder)
        text = manifest_text(folder, tool_version, written, keep, source=stage)
        write_atomic(stage / MANIFEST_NAME, text)


def _ours(path: Path) -> bool:
    """Whether ``path`` holds a backup-audit manifest (of any validity)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("schema") == SCHEMA_ID


def load_manifest(folder: Path) -> Manifest:
    """Read and validate ``folder/manifest.json``; a missing folder or manifest, or a
    malformed one, is bad input naming the file (and line)."""
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such folder"
        raise InputFileError(folder, f"{problem} (give the folder that holds {MANIFEST_NAME})")
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise InputFileError(path, "no manifest: this folder was not written by backup-audit")
    text, data = read_json_document(path, SCHEMA_ID, "a manifest")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None


def verify_folder(folder: Path) -> VerifyOutcome:
    """Check a folder against its manifest and its outputs against each other.

    Raises :class:`InputError` when there is nothing to verify (no folder, no manifest or
    a malformed one); every other finding is a problem in the outcome.
    """
    manifest = load_manifest(folder)
    outcome = VerifyOutcome()
    intact = _check_listed(folder, manifest, outcome)
    _check_unlisted(folder, manifest, outcome)
    _check_interrupted(folder, outcome)
    check_consistency(folder, intact, outcome)
    return outcome


def _check_listed(folder: Path, manifest: Manifest, outcome: VerifyOutcome) -> dict[str, str]:
    """Each listed file exists with its size and SHA-256; return name → SHA-256 of the
    known outputs present (listed or not), for the cross-checks."""
    digests = {n: sha256_file(folder / n) for n in OUTPUT_NAMES if (folder / n).is_file()}
    for entry in manifest.files:
        path = folder / entry.name
        if entry.name not in digests:
            outcome.problems.append(f"{entry.name}: listed in {MANIFEST_NAME} but missing")
            continue
        size = path.stat().st_size
        if size != entry.size:
            outcome.problems.append(
                f"{entry.name}: {size} bytes, {MANIFEST_NAME} says {entry.size}"
                " — changed after it was written"
            )
            continue
        outcome.check(
            digests[entry.name] == entry.sha256,
            f"{entry.name}: size and SHA-256 as in {MANIFEST_NAME}",
            f"{entry.name}: SHA-256 {digests[entry.name]} differs from {entry.sha256}"
            f" in {MANIFEST_NAME} — changed after it was written",
        )
    return digests


def _check_interrupted(folder: Path, outcome: VerifyOutcome) -> None:
    """A staging folder left by a killed run: its set is not (yet) the folder's."""
    from scanner.outputs import JOURNAL, STAGING_PREFIX

    for entry in sorted(folder.glob(f"{STAGING_PREFIX}*")):
        state = "committed, not all moved in" if (entry / JOURNAL).exists() else "unfinished"
        outcome.problems.append(
            f"{entry.name}: outputs of an interrupted run ({state}); the next backup-audit"
            " command writing here completes or removes them"
        )


def _check_unlisted(folder: Path, manifest: Manifest, outcome: VerifyOutcome) -> None:
    """A known output present but not in the manifest was added after it was written."""
    listed = {entry.name for entry in manifest.files}
    for name in OUTPUT_NAMES:
        if name not in listed and (folder / name).is_file():
            outcome.problems.append(
                f"{name}: present but not listed in {MANIFEST_NAME} — added after it was written"
            )
