"""The read-only guard for Google Cloud clients, at the HTTP transport.

The Google clients used here speak REST through a ``requests`` session (the storage
client's ``_http``, a GAPIC REST transport's ``_session``). :func:`guard_session` wraps
that session: a request whose method and path match no declared read route is refused
before it is sent (:class:`~scanner.errors.ReadOnlyViolation`); every request sent is
counted as an attempt of its operation, so retries show in the snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scanner.collectors.readonly import CallCounter, ReadOperation
from scanner.errors import ReadOnlyViolation


@dataclass(frozen=True)
class Route:
    """A REST route a declared read operation uses: its HTTP method and path pattern."""

    operation: ReadOperation
    method: str
    path: re.Pattern[str]


def route(operation: ReadOperation, method: str, path: str) -> Route:
    """A route whose ``path`` is a regex over the URL path (``/storage/v1/b``)."""
    return Route(operation, method, re.compile(path + r"\Z"))


def match(routes: Iterable[Route], method: str, url: str) -> Route | None:
    """The declared route a request takes, if any."""
    path = urlsplit(url).path
    return next((r for r in routes if r.method == method and r.path.match(path)), None)


def guard_session(session: Any, routes: tuple[Route, ...], counter: CallCounter) -> None:
    """Make ``session`` refuse undeclared requests and count the declared ones."""
    send = session.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        found = match(routes, method.upper(), url)
        if found is None:
            raise ReadOnlyViolation("gcp", f"{method.upper()} {urlsplit(url).path}")
        counter.attempt(found.operation.service, found.operation.name)
        return send(method, url, *args, **kwargs)

    session.request = request
