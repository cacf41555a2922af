"""The progress interface collectors report to; the CLI supplies a rich display."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives how much work was found and how much is done."""

    def found(self, count: int) -> None:
        """``count`` more units of work were discovered."""

    def done(self, label: str) -> None:
        """One unit of work finished."""


class NoProgress:
    """A Progress that shows nothing (tests, non-TTY runs)."""

    def found(self, count: int) -> None:
        """Ignore."""

    def done(self, label: str) -> None:
        """Ignore."""
