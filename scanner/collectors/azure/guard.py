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

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scanner.collectors.http_routes import Route, match
from scanner.collectors.readonly import CallCounter
from scanner.errors import ReadOnlyViolation

_REGISTER = re.compile(r"/subscriptions/[^/]+/providers/[^/]+/register\Z", re.IGNORECASE)


def guard_hook(routes: tuple[Route, ...], counter: CallCounter) -> Callable[[Any], None]:
    """A ``raw_request_hook`` refusing undeclared requests and counting declared ones."""

    def hook(pipeline_request: Any) -> None:
        request = pipeline_request.http_request
        method = str(request.method).upper()
        found = match(routes, method, request.url)
        path = urlsplit(request.url).path
        if found is None and method == "POST" and _REGISTER.search(path):
            raise ProviderNotRegistered(path)
        if found is None:
            raise ReadOnlyViolation("azure", f"{method} {path}")
        counter.attempt(found.operation.service, found.operation.name)

    return hook


def _azure_error() -> type[Exception]:
    from azure.core.exceptions import AzureError

    return AzureError


class ProviderNotRegistered(_azure_error()):  # type: ignore[misc]
    """The registration of a resource provider that azure-mgmt-core sends by itself on a
    409 ``MissingSubscriptionRegistration`` — a write, refused before it is sent. It is
    an azure-core error, so the read that met the 409 becomes a gap, not a stopped run."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"MissingSubscriptionRegistration: the subscription has not registered the "
            f"resource provider; registering it ({path}) is a write and was not sent"
        )
        self.status_code = 409
        self.error = type("Error", (), {"code": "MissingSubscriptionRegistration"})()
