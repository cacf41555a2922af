"""Declared read operations as HTTP routes: a method and a path pattern each. The
read-only guards of the REST clouds (Google Cloud, Azure) refuse any request whose
method and path match no declared route, before it is sent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scanner.collectors.readonly import ReadOperation


@dataclass(frozen=True)
class Route:
    """A REST route a declared read operation uses: its HTTP method and path pattern."""

    operation: ReadOperation
    method: str
    path: re.Pattern[str]


def route(operation: ReadOperation, method: str, path: str) -> Route:
    """A route whose ``path`` is a regex over the whole URL path (``/storage/v1/b``),
    matched without regard to case: ARM paths are case-insensitive (a method that is not
    a declared read is refused whatever the case of its path)."""
    return Route(operation, method, re.compile(path + r"\Z", re.IGNORECASE))


def match(routes: Iterable[Route], method: str, url: str) -> Route | None:
    """The declared route a request takes, if any."""
    path = urlsplit(url).path
    return next((r for r in routes if r.method == method and r.path.match(path)), None)
