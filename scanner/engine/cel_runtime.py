"""The one place that knows the CEL library: Google's cel-cpp through ``cel-expr-python``.

CEL's ``&&``, ``||``, ``exists()`` and ``all()`` absorb errors the way the specification
says (``false && error`` is false; ``[error, true].exists(x, x)`` is true), so a missing
attribute only decides the outcome when it matters: then the expression is undecidable
and the verdict is ``None`` (not assessed), with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cel_expr_python import cel

VARIABLES = ("store", "policy", "account", "derived")
_MISSING = re.compile(r'Key not found in map : "([^"]+)"')


class CelCompileError(ValueError):
    """The expression is not valid CEL (syntax or types)."""


@dataclass(frozen=True)
class Outcome:
    """True, False, or None (undecidable) with the reason it could not be decided."""

    value: bool | None
    reason: str | None = None


_TRUE, _FALSE = Outcome(True), Outcome(False)


@cache
def _env() -> Any:
    return cel.NewEnv(variables={name: cel.Type.DYN for name in VARIABLES})


class Expression:
    """A compiled CEL expression that must yield a boolean."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._program = _env().compile(source)
        except RuntimeError as exc:
            message = str(exc).removeprefix("INVALID_ARGUMENT: ").removeprefix("ERROR: ")
            raise CelCompileError(" ".join(message.split("\n")[0].split())) from None

    def evaluate(self, activation: Any) -> Outcome:
        """Evaluate against an activation made by :func:`context`."""
        value = self._program.eval(activation)
        plain = value.value()
        if type(plain) is bool:  # only a CEL bool gives a Python bool: the usual answer
            return _TRUE if plain else _FALSE
        kind = value.type().name().lower()
        if kind == "error":
            text = str(plain)
            missing = _MISSING.search(text)
            if missing:
                return Outcome(None, f"missing attribute {missing.group(1)}")
            return Outcome(None, f"cannot be decided: {text.splitlines()[0]}")
        return Outcome(None, f"expression gave {kind}, not a boolean")


def context(variables: dict[str, Any]) -> Any:
    """A CEL activation holding ``variables`` (build once per store, evaluate many rules)."""
    return _env().Activation(data=variables)
