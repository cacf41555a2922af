"""Atomic file output, and reading JSON/YAML inputs with problems located by file and line.

Every output goes through :func:`write_atomic` (temp file in the same folder + rename),
so a failed run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scanner.errors import InputFileError

M = TypeVar("M", bound=BaseModel)


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    if isinstance(data, str):
        with atomic_writer(path) as handle:
            handle.write(data)
        return
    with atomic_writer(path) as handle:
        handle.buffer.write(data)


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The 1-based line where the value at ``path`` starts in a JSON or YAML text.

    Walks as deep as the path exists and returns the line of the deepest node found;
    ``None`` when the text cannot be parsed at all.
    """
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for step in path:
        child = _child(node, step)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]  # type: ignore[no-any-return]
    return None


def json_path(loc: tuple[str | int, ...] | list[str | int]) -> str:
    """``("stores", 0, "kind")`` → ``stores[0].kind``."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return text or "(top level)"


def read_yaml(path: Path) -> tuple[str, Any]:
    """A YAML file's text and data; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read: {exc}") from None
    try:
        return text, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputFileError(
            path, f"not valid YAML: {problem}", mark.line + 1 if mark else None
        ) from None


def validation_error(
    path: Path, text: str, exc: ValidationError, prefix: Sequence[str | int] = ()
) -> InputFileError:
    """The first pydantic error of a YAML/JSON file as an InputFileError with its line;
    ``prefix`` is where the validated value sits in the file."""
    err = exc.errors()[0]
    loc = [*prefix, *(p for p in err["loc"] if p != "[key]")]
    message = str(err["msg"]).removeprefix("Value error, ")
    return InputFileError(path, f"{json_path(tuple(loc))}: {message}", line_of(text, loc))


def load_yaml_model(path: Path, model: type[M]) -> M:
    """A YAML file validated as ``model``; any problem names the file and line."""
    text, data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None


def read_json_document(path: Path, schema: str, what: str) -> tuple[str, dict[str, Any]]:
    """The text and object of a JSON file whose ``schema`` field must be ``schema``;
    unreadable, malformed or foreign files are bad input naming the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read {what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(data, dict) or data.get("schema") != schema:
        raise InputFileError(path, f"not {what} (expected schema {schema!r})", 1)
    return text, data
