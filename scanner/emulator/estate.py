"""An emulated estate file (``samples/estate.yaml``): the organisation and one section per
cloud, each validated by that cloud's plugin. Errors name the file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.collectors.registry import known_clouds, plugin
from scanner.errors import InputFileError
from scanner.fileio import line_of, read_yaml


@dataclass
class Estate:
    """A fictional organisation's estate: ``clouds`` maps a cloud to its validated section."""

    organisation: str
    clouds: dict[str, Any] = field(default_factory=dict)


def load_estate(path: Path) -> Estate:
    """Read an estate file: ``organisation:`` and a section per cloud (``aws:`` …)."""
    text, data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("organisation"), str):
        raise InputFileError(path, "an estate file needs `organisation:` (a name)", 1)
    estate = Estate(data["organisation"])
    for key, section in data.items():
        if key == "organisation":
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
