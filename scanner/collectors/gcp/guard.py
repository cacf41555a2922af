"""The read-only guard for Google Cloud clients, at the HTTP transport.

The Google clients used here speak REST through a ``requests`` session (the storage
client's ``_http``, a GAPIC REST transport's ``_session``). :func:`guard_session` wraps
that session: a request whose method and path match no declared read route is refused
before it is sent (:class:`~scanner.errors.ReadOnlyViolation`); every request sent is
counted as an attempt of its operation, so retries show in the snapshot.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scanner.collectors.http_routes import Route, match, route
from scanner.collectors.readonly import CallCounter
from scanner.errors import ReadOnlyViolation

__all__ = ["Route", "guard_session", "match", "route"]


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
