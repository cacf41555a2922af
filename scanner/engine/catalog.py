"""Framework catalogs (``rules/frameworks/*.yaml``): requirement ids, titles, summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from scanner.errors import InputFileError
from scanner.fileio import line_of
from scanner.inventory import json_path


class Requirement(BaseModel):
    """One requirement of a framework, as its source states it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    summary: str
    source: str


class Framework(BaseModel):
    """A framework catalog."""

    model_config = ConfigDict(extra="forbid")

    framework: str
    title: str
    source: str
    note: str | None = None
    requirements: list[Requirement]

    def requirement(self, requirement_id: str) -> Requirement | None:
        """The requirement with this id, if the catalog has it."""
        return next((r for r in self.requirements if r.id == requirement_id), None)


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


def validation_error(path: Path, text: str, exc: ValidationError) -> InputFileError:
    """The first pydantic error of a YAML/JSON file as an InputFileError with its line."""
    err = exc.errors()[0]
    loc = [p for p in err["loc"] if p != "[key]"]
    message = str(err["msg"]).removeprefix("Value error, ")
    return InputFileError(path, f"{json_path(tuple(loc))}: {message}", line_of(text, loc))


def load_catalogs(directories: list[Path]) -> dict[str, Framework]:
    """Every ``frameworks/*.yaml`` under the given rule directories, by framework id."""
    catalogs: dict[str, Framework] = {}
    for directory in directories:
        for path in sorted((directory / "frameworks").glob("*.yaml")):
            text, data = read_yaml(path)
            try:
                framework = Framework.model_validate(data)
            except ValidationError as exc:
                raise validation_error(path, text, exc) from None
            if framework.framework in catalogs:
                raise InputFileError(path, f"framework {framework.framework!r} is defined twice", 1)
            catalogs[framework.framework] = framework
    return catalogs
