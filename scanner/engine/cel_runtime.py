"""The one place that knows the CEL library (``common-expression-language``).

CEL's ``&&``/``||`` absorb errors the way the specification says (``false && error`` is
false), so a missing attribute only decides the outcome when it matters: then the
expression is undecidable and the verdict is ``None`` (not assessed), with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cel


class CelCompileError(ValueError):
    """The expression is not valid CEL."""


@dataclass(frozen=True)
class Outcome:
    """True, False, or None (undecidable) with the reason it could not be decided."""

    value: bool | None
    reason: str | None = None


class Expression:
    """A compiled CEL expression that must yield a boolean."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._program = cel.compile(source)
        except (ValueError, RuntimeError) as exc:
            raise CelCompileError(str(exc).splitlines()[0]) from None

    def evaluate(self, context: Any) -> Outcome:
        """Evaluate against a context made by :func:`context`."""
        try:
            value = self._program.execute(context)
        except KeyError as exc:
            return Outcome(None, f"missing attribute {exc.args[0]!s}")
        except (TypeError, RuntimeError, ValueError) as exc:
            return Outcome(None, f"cannot be decided: {str(exc).splitlines()[0]}")
        if not isinstance(value, bool):
            return Outcome(None, f"expression gave {type(value).__name__}, not a boolean")
        return Outcome(value)


def context(variables: dict[str, Any]) -> Any:
    """A CEL evaluation context holding ``variables`` (build once, evaluate many)."""
    return cel.Context(variables=variables)
