"""Azure management clients for one run, each guarded, and every call as data or a gap.

Clients use the standard credential chain (``DefaultAzureCredential``: environment,
workload identity, managed identity, Azure CLI …) — or, for the emulator and tests, a
fake token against an ``endpoint`` on 127.0.0.1. Retries are azure-core's
(``RetryPolicy``: 408, 429 with ``Retry-After``, 5xx and connection errors) within
:class:`RetrySettings`; what still fails becomes a :class:`~scanner.model.Gap` naming
the operation and the RBAC action to grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.answers import Listing, cause_of
from scanner.collectors.azure.guard import guard_hook
from scanner.collectors.http_routes import Route
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.errors import CollectionError
from scanner.model import DataStore, Gap
from scanner.vocabulary import GapAttribute

#: The token scope of Azure Resource Manager.
ARM_SCOPE = "https://management.azure.com/.default"
#: Statuses azure-core's RetryPolicy retries: a gap with one of them came after retries.
_RETRIED = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetrySettings:
    """How azure-core retries (attempts after the first; backoff factor and cap, s)."""

    total: int = 4
    backoff: float = 0.8
    backoff_max: float = 30.0


class _FakeToken:
    """A credential for the emulator: any token will do on 127.0.0.1."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("emulator-token", 2**31 - 1)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("emulator-token", 2**31 - 1)


@dataclass
class AzureSettings:
    """Credentials and where to send requests (``endpoint``: a fake on 127.0.0.1)."""

    endpoint: str | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    credential: Any = None

    def resolved_credential(self) -> Any:
        """The fake token for an endpoint; else the given credential, or
        ``DefaultAzureCredential``, which must yield a token for Azure Resource Manager
        (none is a CollectionError, exit 3, before any call)."""
        if self.credential is None and self.endpoint:
            self.credential = _FakeToken()
        if self.credential is None:
            from azure.core.exceptions import ClientAuthenticationError
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
            try:
                credential.get_token(ARM_SCOPE)
            except ClientAuthenticationError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise CollectionError(
                    f"no Azure credentials ({first}); run `az login`, or set AZURE_CLIENT_ID, "
                    "AZURE_TENANT_ID and AZURE_CLIENT_SECRET"
                ) from None
            self.credential = credential
        return self.credential


class AzureApi:
    """Guarded management clients and calls that answer with data or a gap."""

    def __init__(self, settings: AzureSettings, routes: tuple[Route, ...], counter: CallCounter):
        self.settings = settings
        self.routes = routes
        self.counter = counter
        self.guard = ReadOnlyGuard(r.operation for r in routes)

    def client(self, client_class: Any, subscription: str | None, **more: Any) -> Any:
        """A management client for ``subscription`` (None: a tenant-level client such
        as the subscriptions client) whose every attempt is guarded (``more``: further
        client options, such as an ``api_version``)."""
        options: dict[str, Any] = {
            **more,
            "raw_request_hook": guard_hook(self.routes, self.counter),
            "retry_total": self.settings.retry.total,
            "retry_backoff_factor": self.settings.retry.backoff,
            "retry_backoff_max": self.settings.retry.backoff_max,
        }
        if self.settings.endpoint:
            options["base_url"] = self.settings.endpoint
            options["authentication_policy"] = _emulator_authentication()
        credential = self.settings.resolved_credential()
        if subscription is None:
            return client_class(credential, **options)
        return client_class(credential, subscription, **options)

    def call(
        self,
        service: str,
        operation: str,
        attribute: GapAttribute,
        send: Callable[[], Any],
        location: str | None = None,
    ) -> tuple[dict[str, Any] | None, Gap | None]:
        """One call's answer as ARM JSON (``properties``, camelCase), or its gap."""
        self.guard.check(service, operation)
        self.counter.call(service, operation)
        try:
            answer = send()
        except api_errors() as exc:
            return None, self.gap_from(exc, service, operation, attribute, location)
        return as_json(answer), None

    def pages(
        self,
        service: str,
        operation: str,
        attribute: GapAttribute,
        paged: Callable[[], Any],
        location: str | None = None,
    ) -> Listing:
        """Every item of a paged listing (``nextLink`` followed), as ARM JSON, or the gap
        that stopped it (items so far are dropped: a half-listed population is none)."""
        self.guard.check(service, operation)
        items: list[dict[str, Any]] = []
        try:
            for page in _pages(paged()):
                self.counter.call(service, operation)
                items.extend(as_json(i) for i in page)
        except api_errors() as exc:
            self.counter.call(service, operation)
            return Listing(gap=self.gap_from(exc, service, operation, attribute, location))
        return Listing(items=items)

    def gap_from(
        self,
        exc: Exception,
        service: str,
        operation: str,
        attribute: GapAttribute,
        location: str | None = None,
    ) -> Gap:
        """The gap a failed call leaves: ARM's ``error.code`` (``AuthorizationFailed``)
        or the exception's name, the message, the request id and the action to grant."""
        error = getattr(exc, "error", None)
        status = getattr(exc, "status_code", None)
        code = str(getattr(error, "code", None) or status or type(exc).__name__)
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or {}
        retried = " (after retries)" if status in _RETRIED or status is None else ""
        return Gap(
            attribute=attribute,
            operation=f"{service}:{operation}",
            error_code=code,
            cause=cause_of(code),
            message=_message(exc) + retried,
            permission=self.guard.permission(service, operation),
            region=location,
            request_id=headers.get("x-ms-request-id"),
        )


def answer_lacks(
    store: DataStore, operation: str, field: str, attribute: GapAttribute, code: str
) -> Gap:
    """The gap an answer leaves that lacks a field every such answer carries: what the
    field decides is unknown, never a default."""
    return Gap(
        attribute=attribute,
        operation=operation,
        error_code=code,
        cause="error",
        message=f"the answer carries no {field}",
        resource=store.id,
        region=store.region,
    )


def resource_group(resource_id: str) -> str:
    """The resource group named in an ARM resource id, whatever the case of its
    segments (ARM ids are case-insensitive: ``/resourcegroups/`` is the same group)."""
    from azure.mgmt.core.tools import parse_resource_id

    return str(parse_resource_id(resource_id)["resource_group"])


def _pages(paged: Any) -> Iterator[Any]:
    return iter(paged.by_page())


def _message(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    first = str(message).split("\nCode:")[0]
    return " ".join(first.split())[:500]


def _emulator_authentication() -> Any:
    """A header policy for the emulator: azure-core's bearer policy refuses http://."""
    from azure.core.pipeline.policies import HeadersPolicy

    return HeadersPolicy({"Authorization": "Bearer emulator-token"})


def api_errors() -> tuple[type[Exception], ...]:
    """What a call can fail with that is an answer about the cloud (a gap), not a bug:
    azure-core's errors — HTTP answers, retries exhausted, connections refused."""
    from azure.core.exceptions import AzureError

    return (AzureError,)


def as_json(model: Any) -> dict[str, Any]:
    """A model as ARM writes it (camelCase, ``properties``): hybrid models' ``as_dict``,
    or an msrest model serialised with its read-only fields."""
    if isinstance(model, dict):
        return model
    if hasattr(model, "serialize"):
        data: dict[str, Any] = model.serialize(keep_readonly=True)
        return data
    plain: dict[str, Any] = model.as_dict()
    return plain
