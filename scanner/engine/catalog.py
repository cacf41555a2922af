"""Framework catalogs (``rules/frameworks/*.yaml``): requirement ids, titles, summaries."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from scanner.errors import InputFileError
from scanner.fileio import load_yaml_model


class Requirement(BaseModel):
    """One requirement of a framework, as its source states it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    summary: str
    source: str
    #: Rules that cite this requirement but only support it: it does not require what
    #: they check (e.g. customer-managed keys for an encryption requirement).
    supported_by: list[str] = []


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


def load_catalogs(directories: list[Path]) -> dict[str, Framework]:
    """Every ``frameworks/*.yaml`` under the given rule directories, by framework id."""
    catalogs: dict[str, Framework] = {}
    for directory in directories:
        for path in sorted([*(directory / "frameworks").glob("*.y*ml")]):
            framework = load_yaml_model(path, Framework)
            if framework.framework in catalogs:
                raise InputFileError(path, f"framework {framework.framework!r} is defined twice", 1)
            catalogs[framework.framework] = framework
    return catalogs
