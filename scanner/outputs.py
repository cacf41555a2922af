"""Outputs written as a set: a command's files appear in their folder together or not at all.

A command writes every output into a staging folder inside the target folder
(``.backup-audit-staging-<pid>-<random>``, same file system), the folder's manifest last.
Once all are written and flushed, a journal listing them is written atomically — the
commit point — and each file is renamed into place (the manifest last); the staging
folder is then removed. A run killed before the journal leaves the previous set as it
was (its staging folder is deleted by the next run); one killed during the renames is
finished by the next run, which completes the journal's renames first. Either way the
folder holds one whole set, never a new report beside an old one. See docs/decisions.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from scanner.errors import InputError
from scanner.fileio import TEMP_SUFFIX, write_atomic

STAGING_PREFIX = ".backup-audit-staging-"
JOURNAL = "journal.json"


class OutputSet:
    """The outputs of one command: staged beside their targets, moved in by :meth:`commit`.

    Used as a context manager: leaving the block by an exception discards the stage.
    """

    def __init__(self) -> None:
        self._stages: dict[Path, Path] = {}
        self._finals: dict[Path, Path] = {}

    def path(self, final: Path) -> Path:
        """Where to write the output that will become ``final``."""
        staged = self.folder(final.parent) / final.name
        self._finals[staged] = final
        return staged

    def folder(self, final: Path) -> Path:
        """The staging folder whose files will move into the folder ``final``."""
        if final not in self._stages:
            try:
                final.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create the folder {final}: {exc.strerror}") from None
            recover(final)
            prefix = f"{STAGING_PREFIX}{os.getpid()}-"
            self._stages[final] = Path(tempfile.mkdtemp(prefix=prefix, dir=final))
        return self._stages[final]

    def final(self, staged: Path) -> Path:
        """The path a staged output will have once committed."""
        for folder, stage in self._stages.items():
            if staged.parent == stage:
                return folder / staged.name
        return self._finals.get(staged, staged)

    def commit(self, tool_version: str, keep: bool = True) -> list[Path]:
        """Write each folder's manifest into its stage, then move every stage in; returns
        the final paths, manifests last. ``keep=False``: a whole new set (``scan``)."""
        from scanner.manifest import MANIFEST_NAME, stage_manifest

        moved: list[Path] = []
        for folder, stage in self._stages.items():
            stage_manifest(folder, stage, tool_version, keep)
            names = sorted(p.name for p in stage.iterdir() if p.name != MANIFEST_NAME)
            if (stage / MANIFEST_NAME).exists():
                names.append(MANIFEST_NAME)
            write_atomic(stage / JOURNAL, json.dumps(names))
            _finish(stage, folder, names)
            moved += [folder / name for name in names]
        self._stages.clear()
        return moved

    def discard(self) -> None:
        """Remove every stage: nothing of this command's outputs appears."""
        for stage in self._stages.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()


def _finish(stage: Path, folder: Path, names: Iterable[str]) -> None:
    """Rename the journal's files into ``folder`` (those not moved yet), then drop the stage."""
    for name in names:
        if (stage / name).exists():
            os.replace(stage / name, folder / name)
    _sync_folder(folder)
    shutil.rmtree(stage, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(folder: Path) -> list[str]:
    """Finish or undo what a killed run left in ``folder``: a stage with a journal is
    moved in, one without is deleted, and stray temporary files are removed — unless the
    process that made them still runs. Returns what was done, one line each."""
    done: list[str] = []
    if not folder.is_dir():
        return done
    for entry in sorted(folder.iterdir()):
        owner = _owner_pid(entry.name)
        if owner is None or _running(owner):
            continue
        journal = entry / JOURNAL
        if entry.is_dir() and journal.is_file():
            _finish(entry, folder, json.loads(journal.read_text(encoding="utf-8")))
            done.append(f"finished the outputs of an interrupted run ({entry.name})")
        elif entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed the unfinished outputs of a killed run ({entry.name})")
        else:
            entry.unlink(missing_ok=True)
            done.append(f"removed a temporary file of a killed run ({entry.name})")
    return done


def _owner_pid(name: str) -> int | None:
    """The pid in a staging folder's or temporary file's name (None: not ours)."""
    if name.startswith(STAGING_PREFIX):
        text = name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
    elif name.startswith(".") and name.endswith(TEMP_SUFFIX) and ".pid" in name:
        text = name.rsplit(".pid", 1)[1].split(".", 1)[0]
    else:
        return None
    return int(text) if text.isdigit() else None


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


def check_output_file(path: Path, flag: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse, before any work, an output file that cannot be written: a folder or a
    device at its place, an unwritable folder, or one of the command's own inputs."""
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise InputError(f"{flag} {path}: is {kind}; give a file path")
    _check_writable_folder(path.parent, flag, path)
    _check_not_an_input(path, flag, inputs)


def check_output_folder(
    path: Path, flag: str, inputs: Iterable[Path | None] = (), produces: Iterable[str] = ()
) -> None:
    """Refuse, before any work, an output folder that is a file, cannot be written, or
    where one of the files the command ``produces`` would overwrite an input."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path}: is a file; give a folder (it is created if missing)")
    _check_writable_folder(path, flag, path)
    for given in inputs:
        if given is None or not given.exists():
            continue
        if path.resolve() == given.resolve():
            raise InputError(f"{flag} {path}: is one of the inputs")
        if given.resolve().parent == path.resolve() and given.name in set(produces):
            raise InputError(
                f"{flag} {path}: would overwrite {given.name}, one of the inputs"
                " (write into another folder)"
            )


def _check_writable_folder(folder: Path, flag: str, target: Path) -> None:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{flag} {target}: {existing} is not a folder")
    try:  # a real probe: access() says yes to root on read-only file systems
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise InputError(
            f"{flag} {target}: cannot write into {existing} ({exc.strerror})"
        ) from None


def _check_not_an_input(path: Path, flag: str, inputs: Iterable[Path | None]) -> None:
    for given in inputs:
        if given is not None and path.exists() and given.exists() and path.samefile(given):
            raise InputError(
                f"{flag} {path}: is one of the inputs; writing it would destroy what is read"
            )


def check_outputs(
    files: dict[str, Path | None] | None = None,
    inputs: Iterable[Path | None] = (),
    folders: dict[str, Path | None] | None = None,
    produces: Iterable[str] = (),
) -> None:
    """Check a command's output files and folders (by flag) before it does any work:
    writable, of the right type, none of them an input, no two the same, and no foreign
    ``manifest.json`` where ours would go. ``produces``: the names written into folders."""
    from scanner.manifest import MANIFEST_NAME, OUTPUT_NAMES, check_manifest_writable

    inputs = list(inputs)
    seen: dict[Path, str] = {}
    for flag, path in (files or {}).items():
        if path is None:
            continue
        check_output_file(path, flag, inputs)
        if path.resolve() in seen:
            raise InputError(f"{flag} {path}: also given as {seen[path.resolve()]}")
        seen[path.resolve()] = flag
        if path.name in OUTPUT_NAMES:
            check_manifest_writable(path.parent)
    for flag, path in (folders or {}).items():
        if path is not None:
            check_output_folder(path, flag, inputs, [*produces, MANIFEST_NAME])
            check_manifest_writable(path)
