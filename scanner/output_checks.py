"""Output paths checked before any work: a ten-minute collection must not end in "cannot
write there". Each problem is bad input (exit 2) naming the flag and the path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from scanner.errors import InputError
from scanner.fileio import RESERVED_PREFIX

#: The longest file name most file systems hold.
NAME_MAX = 255


def check_outputs(
    files: dict[str, Path | None] | None = None,
    inputs: Iterable[Path | None] = (),
    folders: dict[str, Path | None] | None = None,
    produces: Iterable[str] = (),
) -> None:
    """Check a command's output files and folders (by flag) before it does any work:
    writable, of the right type, none of them an input or a name the machinery uses, no
    two the same, and no foreign ``manifest.json`` where ours would go. ``produces``: the
    names the command writes into the folders."""
    from scanner.manifest import MANIFEST_NAME, OUTPUT_NAMES, check_manifest_writable

    given = [p for p in inputs if p is not None]
    seen: dict[Path, str] = {}
    flag = "output path"
    try:
        for flag, path in (files or {}).items():
            if path is None:
                continue
            if path.name == MANIFEST_NAME or path.name.startswith(RESERVED_PREFIX):
                raise InputError(f"{flag} {path}: the name is backup-audit's own; choose another")
            check_output_file(path, flag, given)
            if path.resolve() in seen:
                raise InputError(f"{flag} {path}: also given as {seen[path.resolve()]}")
            seen[path.resolve()] = flag
            if path.name in OUTPUT_NAMES:
                check_manifest_writable(path.parent)
        for flag, path in (folders or {}).items():
            if path is not None:
                check_output_folder(path, flag, given, [*produces, MANIFEST_NAME])
                check_manifest_writable(path)
    except (OSError, RuntimeError) as exc:  # a path too long, a symlink loop …
        raise InputError(f"{flag}: {exc}") from None


def check_output_file(path: Path, flag: str, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output file that cannot be written: a folder or a device at its place,
    a name too long, an unwritable folder, or one of the command's own inputs."""
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise InputError(f"{flag} {path.name[:40]}…: the name is longer than {NAME_MAX} bytes")
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise InputError(f"{flag} {path}: is {kind}; give a file path")
    _check_writable_folder(path.parent, flag, path)
    for given in inputs:
        if path.exists() and given.exists() and path.samefile(given):
            raise InputError(
                f"{flag} {path}: is one of the inputs; writing it would destroy what is read"
            )


def check_output_folder(
    path: Path, flag: str, inputs: Iterable[Path] = (), produces: Iterable[str] = ()
) -> None:
    """Refuse an output folder that is a file or cannot be written, one holding a folder
    where an output goes, or one where an output would overwrite an input."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path}: is a file; give a folder (it is created if missing)")
    _check_writable_folder(path, flag, path)
    names = set(produces)
    for name in sorted(names):
        if (path / name).exists() and not (path / name).is_file():
            raise InputError(f"{flag} {path}: {name} there is not a file; move it away")
    for given in inputs:
        if not given.exists():
            continue
        if path.resolve() == given.resolve():
            raise InputError(f"{flag} {path}: is one of the inputs")
        if given.resolve().parent == path.resolve() and given.name in names:
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
