"""An emulated estate file (``samples/estate.yaml``): the organisation and one section per
cloud, each validated by that cloud's plugin. Errors name the file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, RootModel

from scanner.collectors.registry import known_clouds, plugin
from scanner.durations import parse_duration
from scanner.emulator.ages import iso
from scanner.errors import InputFileError
from scanner.fileio import line_of, read_yaml, validate_section


class DemoRestore(BaseModel):
    """A restore test the estate's people recorded, ``ago`` before the demo runs: the
    demo writes these as a restore-evidence file with dates."""

    model_config = ConfigDict(extra="forbid")

    store: str
    ago: str
    result: Literal["succeeded", "failed"]
    duration: str | None = None
    validated: bool | None = None
    who: str
    ticket: str | None = None


@dataclass
class Estate:
    """A fictional organisation's estate: ``clouds`` maps a cloud to its validated section;
    ``restore_evidence`` the restore tests recorded outside the clouds' tools."""

    organisation: str
    clouds: dict[str, Any] = field(default_factory=dict)
    restore_evidence: list[DemoRestore] = field(default_factory=list)


def restore_evidence_text(entries: list[DemoRestore], now: datetime) -> str:
    """The entries as a restore-evidence file, dated from ``now``."""
    restores = [
        {
            "store": e.store,
            "date": iso(now - parse_duration(e.ago)),
            "result": e.result,
            **{
                k: v
                for k, v in e.model_dump(include={"duration", "validated", "ticket"}).items()
                if v is not None
            },
            "who": e.who,
        }
        for e in entries
    ]
    return yaml.safe_dump({"version": 1, "restores": restores}, sort_keys=False)


class _DemoRestores(RootModel[list[DemoRestore]]):
    """The estate's ``restore_evidence`` list."""


def load_estate(path: Path) -> Estate:
    """Read an estate file: ``organisation:`` and a section per cloud (``aws:`` …)."""
    text, data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("organisation"), str):
        raise InputFileError(path, "an estate file needs `organisation:` (a name)", 1)
    estate = Estate(data["organisation"])
    for key, section in data.items():
        if key == "organisation":
            continue
        if key == "restore_evidence":
            estate.restore_evidence = validate_section(_DemoRestores, section, path, text, key).root
            continue
        if key not in known_clouds():
            raise InputFileError(
                path,
                f"{key}: not a cloud this version emulates ({', '.join(known_clouds())})",
                line_of(text, [key]),
            )
        estate.clouds[key] = plugin(key).load_estate(section, path, text, key)
    if not estate.clouds:
        raise InputFileError(path, f"no cloud section ({', '.join(known_clouds())})", 1)
    return estate
