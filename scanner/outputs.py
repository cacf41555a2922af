"""Outputs written as a set: a command's files appear in their folder together or not at all.

A command writes every output into a staging folder inside the target folder
(``.backup-audit-staging-…``, same file system) and holds a lock on it while it runs.
Once all are written and flushed, the folder's manifest is written there too, then a
journal naming what moves in and which files of an earlier set go — the commit point —
and each file is renamed into place, the manifest last. A run killed before the journal
leaves the previous set as it was; its stage is deleted by the next run. One stopped
during the renames (killed, interrupted, a disk error) is finished by the next run —
unless the folder's manifest changed since, when a newer set has been committed and the
stale stage is dropped. See docs/decisions.md (41).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from scanner.errors import BackupAuditError
from scanner.fileio import RESERVED_PREFIX, TEMP_PREFIX, write_atomic
from scanner.findings import sha256_file

STAGING_PREFIX = f"{RESERVED_PREFIX}-staging-"
JOURNAL = f"{RESERVED_PREFIX}-journal.json"
LOCK = f"{RESERVED_PREFIX}-lock"


class CommitInterrupted(BackupAuditError):
    """The outputs were committed but could not all be moved in; the next run will."""


class OutputSet:
    """The outputs of one command: staged inside their target folders, moved in by
    :meth:`commit`. As a context manager, leaving the block by an exception before the
    commit discards the stages (and folders it created that stayed empty)."""

    def __init__(self) -> None:
        self._stages: dict[Path, Path] = {}
        self._locks: list[int] = []
        self._created: list[Path] = []

    def path(self, final: Path) -> Path:
        """Where to write the output that will become ``final``."""
        return self.folder(final.parent) / final.name

    def folder(self, final: Path) -> Path:
        """The staging folder whose files will move into the folder ``final``."""
        if final not in self._stages:
            missing = final
            while not missing.exists() and missing != missing.parent:
                self._created.append(missing)  # deepest first
                missing = missing.parent
            try:
                final.mkdir(parents=True, exist_ok=True)
                recover(final)
                stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=final))
                self._locks.append(_lock(stage))
            except OSError as exc:
                raise BackupAuditError(f"cannot stage outputs in {final}: {exc}") from None
            self._stages[final] = stage
        return self._stages[final]

    def commit(self, tool_version: str, keep: bool = True) -> list[Path]:
        """Write each folder's manifest into its stage and its journal, then move every
        stage in; returns the final paths, manifests last. ``keep=False``: a whole new
        set (``scan``, ``demo``): known outputs of an earlier set are removed."""
        from scanner.manifest import stage_manifest

        journals = {}
        for folder, stage in self._stages.items():
            stage_manifest(folder, stage, tool_version, keep)
            journals[folder] = _journal(folder, stage, keep)
        committed, self._stages = self._stages, {}
        moved: list[Path] = []
        try:
            for folder, stage in committed.items():
                write_atomic(stage / JOURNAL, json.dumps(journals[folder]))
                _finish(stage, folder, journals[folder])
                moved += [folder / name for name in journals[folder]["move"]]
        except BaseException as exc:
            raise CommitInterrupted(
                f"the outputs were written but not all moved in ({exc!r}); the next "
                "backup-audit command writing into the folder completes them"
            ) from None
        finally:
            self._release()
        return moved

    def discard(self) -> None:
        """Remove every stage: nothing of this command's outputs appears."""
        for stage in self._stages.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()
        self._release()
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if it stayed empty

    def _release(self) -> None:
        for fd in self._locks:
            os.close(fd)
        self._locks.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()


def _lock(stage: Path) -> int:
    """Hold an exclusive lock on the stage for as long as this process runs or keeps it."""
    fd = os.open(stage / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _journal(folder: Path, stage: Path, keep: bool) -> dict[str, Any]:
    """What moves in (manifest last), what goes, and the manifest it replaces."""
    from scanner.manifest import MANIFEST_NAME, OUTPUT_NAMES

    staged = sorted(p.name for p in stage.iterdir() if not p.name.startswith(RESERVED_PREFIX))
    move = [n for n in staged if n != MANIFEST_NAME] + [n for n in staged if n == MANIFEST_NAME]
    remove = [] if keep else [n for n in OUTPUT_NAMES if n not in staged]
    return {"move": move, "remove": remove, "manifest_before": _manifest_digest(folder)}


def _manifest_digest(folder: Path) -> str | None:
    from scanner.manifest import MANIFEST_NAME

    path = folder / MANIFEST_NAME
    return sha256_file(path) if path.is_file() else None


def _finish(stage: Path, folder: Path, journal: dict[str, Any]) -> None:
    """Move the journal's files in (those not moved yet), remove the earlier set's other
    files, the manifest last; then drop the stage."""
    *files, last = journal["move"] or [None]
    for name in files:
        if (stage / name).exists():
            os.replace(stage / name, folder / name)
    for name in journal["remove"]:
        (folder / name).unlink(missing_ok=True)
    if last is not None and (stage / last).exists():
        os.replace(stage / last, folder / last)
    _sync_folder(folder)
    shutil.rmtree(stage, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(folder: Path) -> list[str]:
    """Finish or undo what a stopped run left in ``folder``, one line per thing done: a
    stage nobody holds is finished when it has a journal and the folder's manifest is
    still the one it replaces, and deleted otherwise; temporary files of processes that
    no longer run are removed."""
    done: list[str] = []
    for entry in sorted(folder.glob(f"{STAGING_PREFIX}*")):
        done += _recover_stage(folder, entry)
    for entry in sorted(folder.glob(f"{TEMP_PREFIX}*")):
        pid = entry.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            entry.unlink(missing_ok=True)
            done.append(f"removed a temporary file of a stopped run ({entry.name})")
    return done


def _recover_stage(folder: Path, stage: Path) -> list[str]:
    try:
        fd = os.open(stage / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return []
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []  # its run is still going
        journal = _read_journal(stage / JOURNAL)
        if journal is not None and journal.get("manifest_before") == _manifest_digest(folder):
            _finish(stage, folder, journal)
            return [f"finished the outputs of an interrupted run ({stage.name})"]
        shutil.rmtree(stage, ignore_errors=True)
        return [f"removed the outputs of a stopped run ({stage.name})"]
    finally:
        os.close(fd)


def _read_journal(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("move"), list) else None


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
