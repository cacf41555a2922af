"""Atomic file output, and reading JSON/YAML inputs with problems located by file and line.

Every output goes through :func:`write_atomic` (temp file in the same folder + rename),
so a failed run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scanner.errors import InputFileError

M = TypeVar("M", bound=BaseModel)

#: The largest YAML input (policies, rules, estates, evidence are kilobytes).
MAX_YAML_BYTES = 4 * 1024 * 1024
#: The largest JSON input (an inventory of 100,000 stores is about 500 MB).
MAX_JSON_BYTES = 4 * 1024 * 1024 * 1024
#: How deeply a YAML document may nest, and how many aliases (``*name``) it may use.
MAX_YAML_DEPTH, MAX_YAML_ALIASES = 40, 200
#: How many values a YAML document may hold with its aliases expanded.
MAX_YAML_VALUES = 1_000_000
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice (YAML loaders would silently keep the last)."""


class StrictLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader that refuses duplicate keys (merge keys ``<<`` may override)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML refuses it itself
                continue
            if first is not None:
                problem = f"duplicate key {key!r} (first on line {first})"
                raise DuplicateKeyError(None, None, problem, key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def read_input_bytes(path: Path, what: str, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """The bytes of an input file, checked as :func:`read_input_text` checks."""
    with open_input_file(path, what, max_bytes) as stream:
        try:
            return stream.read()
        except OSError as exc:
            raise InputFileError(path, f"cannot read {what}: {exc.strerror or exc}") from None


def open_input_file(path: Path, what: str, max_bytes: int = MAX_JSON_BYTES) -> BinaryIO:
    """An input file opened for reading bytes, checked as :func:`read_input_text` checks
    (for readers that read it a part at a time)."""
    check_input_file(path, what, max_bytes)
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror or exc}") from None


def read_input_text(path: Path, what: str, max_bytes: int) -> str:
    """The text of an input file; a folder, a device, a missing, huge or non-UTF-8 file is
    bad input naming the file (checked before reading a byte)."""
    check_input_file(path, what, max_bytes)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror or exc}") from None


def check_input_file(path: Path, what: str, max_bytes: int = MAX_JSON_BYTES) -> None:
    """An input path that is a regular file no larger than ``max_bytes``; else bad input
    naming it (a folder, a device or pipe, missing, unreadable, too large)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(path, f"is a folder, not {what}")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(path, f"is not a regular file (a device or pipe), not {what}")
    if info.st_size > max_bytes:
        raise InputFileError(
            path, f"{info.st_size:,} bytes: larger than {max_bytes:,}, too large for {what}"
        )


def parse_json(path: Path, text: str) -> Any:
    """JSON as the standard allows it (no NaN or Infinity), nesting within Python's limit;
    anything else is bad input naming the file and line."""
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise InputFileError(path, "not valid input: JSON nested too deeply") from None
    except ValueError as exc:
        found = _CONSTANT.search(text) if "allows" in str(exc) else None
        line = text.count("\n", 0, found.start()) + 1 if found else None
        raise InputFileError(path, f"not valid JSON: {exc}", line) from None


_CONSTANT = re.compile(r"[:\[,]\s*-?(NaN|Infinity)\b")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        twice = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise ValueError(f"duplicate key {twice!r} (a reader would keep only the last)")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


#: Names the output machinery gives its own files in an output folder; no output may
#: take one (output_checks refuses it).
RESERVED_PREFIX = ".backup-audit"
#: Temporary files start so, followed by the writer's pid (``…-pid123-``): a later run
#: removes those of a process that no longer runs.
TEMP_PREFIX = f"{RESERVED_PREFIX}-tmp-pid"


@cache
def output_mode() -> int:
    """The mode of new output files: 0666 less the user's umask (as ``open`` gives)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only if the block completes."""
    with _atomic(path) as fd, os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def atomic_binary_writer(path: Path) -> Iterator[BinaryIO]:
    """A byte stream whose content replaces ``path`` only if the block completes."""
    with _atomic(path) as fd, os.fdopen(fd, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def _atomic(path: Path) -> Iterator[int]:
    """A temporary file beside ``path`` (its descriptor) renamed over ``path`` once the
    block completes — after the block has closed it — and removed if the block fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=path.parent)
    os.fchmod(fd, output_mode())
    try:
        yield fd
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
    with atomic_binary_writer(path) as stream:
        stream.write(data)


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
    """A YAML file's text and data. A syntax error, a duplicate key, nesting deeper than
    :data:`MAX_YAML_DEPTH` or more aliases than :data:`MAX_YAML_ALIASES` (an alias bomb)
    name the file and line; the limits are checked on the event stream, before building
    anything."""
    text = read_input_text(path, "a YAML file", MAX_YAML_BYTES)
    return text, parse_yaml(path, text)


def read_yaml_bytes(path: Path, what: str) -> tuple[bytes, str, Any]:
    """A YAML file's bytes exactly as on disk (to hash), its text and data; checked as
    :func:`read_yaml` checks."""
    content = read_input_bytes(path, what, MAX_YAML_BYTES)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text (byte {exc.start})") from None
    return content, text, parse_yaml(path, text)


def parse_yaml(path: Path, text: str) -> Any:
    """The data of a YAML text read from ``path`` (errors name the file and line)."""
    try:
        _check_shape(path, text)
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if not isinstance(exc, DuplicateKeyError):
            problem = f"not valid YAML: {problem}"
        raise InputFileError(path, problem, mark.line + 1 if mark else None) from None


def _check_shape(path: Path, text: str) -> None:
    """Depth, aliases and the size of the document once aliases are expanded (an alias
    bomb is small on disk and billions of values in memory), from the event stream."""
    stack: list[list[Any]] = [[None, 0]]  # per open collection: its anchor, its size
    sizes: dict[str, int] = {}
    aliases = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        size = 0
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) - 1 > MAX_YAML_DEPTH:
                problem = f"nested deeper than {MAX_YAML_DEPTH} levels"
                raise InputFileError(path, problem, _line(event))
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            size = sizes.get(str(event.anchor), 1)
            if aliases > MAX_YAML_ALIASES:
                problem = f"more than {MAX_YAML_ALIASES} aliases"
                raise InputFileError(path, problem, _line(event))
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_VALUES:
            problem = f"more than {MAX_YAML_VALUES:,} values once its aliases are expanded"
            raise InputFileError(path, problem, _line(event))


def _line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark else None


def validation_error(
    path: Path, text: str, exc: ValidationError, prefix: Sequence[str | int] = ()
) -> InputFileError:
    """The first pydantic error of a YAML/JSON file as an InputFileError with its line;
    ``prefix`` is where the validated value sits in the file."""
    err = exc.errors()[0]
    loc = [*prefix, *(p for p in err["loc"] if p != "[key]")]
    wording = _MODEL_WORDING.get(err["type"])
    message = wording.format(**err.get("ctx", {})) if wording else str(err["msg"])
    message = message.removeprefix("Value error, ")
    return InputFileError(path, f"{json_path(tuple(loc))}: {message}", line_of(text, loc))


#: pydantic words two errors otherwise for a (slotted) dataclass than for a model: a
#: record's problem reads the same whichever it is
_MODEL_WORDING = {
    "unexpected_keyword_argument": "Extra inputs are not permitted",
    "dataclass_type": "Input should be a valid dictionary or instance of {class_name}",
}


def validate_section(model: type[M], data: Any, path: Path, text: str, prefix: str) -> M:
    """``data`` — the part of a YAML file under the key ``prefix`` — as ``model``; a
    problem names the file and the line within it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc, prefix=(prefix,)) from None


def load_yaml_model(path: Path, model: type[M]) -> M:
    """A YAML file validated as ``model``; any problem names the file and line."""
    text, data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, text, exc) from None


def read_json_document(
    path: Path, schema: str | tuple[str, ...], what: str
) -> tuple[str, dict[str, Any]]:
    """The text and object of a JSON file whose ``schema`` field must be ``schema`` (or
    one of them); unreadable, malformed or foreign files are bad input naming the file
    (and line)."""
    text = read_input_text(path, what, MAX_JSON_BYTES)
    data = parse_json(path, text)
    accepted = (schema,) if isinstance(schema, str) else schema
    if not isinstance(data, dict) or data.get("schema") not in accepted:
        expected = " or ".join(repr(s) for s in accepted)
        raise InputFileError(path, f"not {what} (expected schema {expected})", 1)
    return text, data
