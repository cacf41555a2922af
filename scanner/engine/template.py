"""Message templates: ``{store.name}`` placeholders filled from a result's variables."""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][\w.]*)(?:\|([^}]*))?\}")


class Template:
    """A message with ``{store.name}`` placeholders, parsed once; an absent value reads
    "unknown", or the text after ``|`` (``{derived.newest_age_hours|none}``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[tuple[str, tuple[str, ...], str]] = []
        position = 0
        for match in PLACEHOLDER.finditer(text):
            fallback = match.group(2) if match.group(2) is not None else "unknown"
            self._parts.append(
                (text[position : match.start()], tuple(match.group(1).split(".")), fallback)
            )
            position = match.end()
        self._tail = text[position:]

    def render(self, variables: dict[str, Any]) -> str:
        """The message for these values."""
        out = []
        for literal, path, fallback in self._parts:
            current: Any = variables
            for part in path:
                current = current.get(part, _ABSENT) if isinstance(current, dict) else _ABSENT
            out.append(literal)
            out.append(fallback if current is _ABSENT or current == [] else _text(current))
        out.append(self._tail)
        return "".join(out)


_ABSENT = object()


def _text(value: Any) -> str:
    """A value as message text: floats to 4 significant digits (whole numbers with
    thousands separators from 1,000 on; never scientific notation), lists joined."""
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        text = f"{value:.4g}"
        return text if "e" not in text else f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
