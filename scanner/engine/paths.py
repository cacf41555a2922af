"""Checking that every field path a rule expression reads exists in the models.

Paths are read from the expression text: chains such as ``store.recovery_points.newest``,
and variables bound by the comprehension macros (``store.copies.exists(c, c.region …)``)
resolve to the element type of their list. Maps (tags, attributes, details) are open.
No path reaches a fact's ``evidence``: rules are not handed it.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel

_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_MACRO = re.compile(
    r"([A-Za-z_][\w.]*)\.(?:exists|all|exists_one|filter|map)\(\s*([A-Za-z_]\w*)\s*,"
)
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)(\s*\()?")


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Union-with-None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _element(annotation: Any) -> Any:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is list:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation


def _step(annotation: Any, name: str) -> tuple[bool, Any]:
    """(ok, annotation of ``name``) under ``annotation``; maps accept any key."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is dict or annotation is dict:
        return True, typing.Any
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if name == "evidence":  # provenance results carry; rules judge facts (decision 50)
            return False, None
        field = annotation.model_fields.get(name)
        return (field is not None), (field.annotation if field else None)
    return annotation is typing.Any, typing.Any


def unknown_paths(expression: str, roots: dict[str, type[BaseModel]]) -> list[str]:
    """The dotted paths in ``expression`` that do not exist under ``roots``."""
    text = _STRINGS.sub("''", expression)
    bound: dict[str, Any] = {}
    for collection, var in _MACRO.findall(text):
        annotation = _resolve(collection.split("."), roots, bound)
        if annotation is not None:
            bound[var] = _element(annotation)
    bad: list[str] = []
    for root, rest, call in _CHAIN.findall(text):
        parts = [root, *rest.strip(".").split(".")]
        if call:
            parts = parts[:-1]  # a method call such as .size( or .exists(
        if root not in roots and root not in bound:
            continue
        if _resolve(parts, roots, bound) is None:
            bad.append(".".join(parts))
    return sorted(set(bad))


def _resolve(parts: list[str], roots: dict[str, type[BaseModel]], bound: dict[str, Any]) -> Any:
    annotation: Any = roots.get(parts[0]) or bound.get(parts[0])
    if annotation is None:
        return None
    for name in parts[1:]:
        ok, annotation = _step(annotation, name)
        if not ok:
            return None
    return annotation
