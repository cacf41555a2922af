"""The read-only guard for Azure management clients, in their HTTP pipeline.

Every azure-mgmt client runs its requests through an azure-core pipeline whose
``CustomHookPolicy`` calls a ``raw_request_hook`` for each attempt, after the retry and
authentication policies and before the transport. :func:`guard_hook` is that hook: a
request whose method and path match no declared read route (an ARM path such as
``/subscriptions/S/providers/Microsoft.DocumentDB/databaseAccounts``) raises
:class:`~scanner.errors.ReadOnlyViolation` before it is sent — including the provider
registration POST that azure-mgmt-core's auto-registration policy would send on a 409 —
and every attempt sent is counted, so retries show in the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scanner.collectors.http_routes import Route, match
from scanner.collectors.readonly import CallCounter
from scanner.errors import ReadOnlyViolation


def guard_hook(routes: tuple[Route, ...], counter: CallCounter) -> Callable[[Any], None]:
    """A ``raw_request_hook`` refusing undeclared requests and counting declared ones."""

    def hook(pipeline_request: Any) -> None:
        request = pipeline_request.http_request
        method = str(request.method).upper()
        found = match(routes, method, request.url)
        if found is None:
            raise ReadOnlyViolation("azure", f"{method} {urlsplit(request.url).path}")
        counter.attempt(found.operation.service, found.operation.name)

    return hook
