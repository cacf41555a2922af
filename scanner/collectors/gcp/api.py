"""Google Cloud clients for one run, each guarded, and every call as data or a gap.

Clients speak REST (JSON over HTTP) with the standard credential chain (Application
Default Credentials) — or, for the emulator and tests, anonymous credentials against an
``endpoint`` on 127.0.0.1. Retries follow google-api-core's transient-error predicate
(429, 5xx, connection errors) within :class:`RetrySettings`; what still fails becomes a
:class:`~scanner.model.Gap` naming the operation and the permission to grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.answers import Listing, cause_of
from scanner.collectors.gcp.guard import Route, guard_session
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.errors import CollectionError
from scanner.model import Gap
from scanner.vocabulary import GapAttribute


@dataclass(frozen=True)
class RetrySettings:
    """How long transient errors are retried (seconds)."""

    initial: float = 1.0
    maximum: float = 10.0
    timeout: float = 60.0


@dataclass
class GcpSettings:
    """Credentials and where to send requests (``endpoint``: a fake on 127.0.0.1)."""

    endpoint: str | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    credentials: Any = None

    def resolved_credentials(self) -> Any:
        """Anonymous credentials for an endpoint; else the given ones, or Application
        Default Credentials (found once; none is a CollectionError, exit 3)."""
        if self.credentials is None and self.endpoint:
            from google.auth.credentials import AnonymousCredentials

            self.credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        if self.credentials is None:
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError

            try:
                self.credentials, _ = google.auth.default()
            except DefaultCredentialsError as exc:
                raise CollectionError(
                    f"no Google Cloud credentials ({exc}); run `gcloud auth "
                    "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"
                ) from None
        return self.credentials


class GcpApi:
    """Guarded clients and calls that answer with data or a gap."""

    def __init__(
        self,
        settings: GcpSettings,
        routes: tuple[Route, ...],
        counter: CallCounter,
    ) -> None:
        self.settings = settings
        self.routes = routes
        self.counter = counter
        self.guard = ReadOnlyGuard(r.operation for r in routes)

    def storage_client(self, project: str) -> Any:
        """A Cloud Storage client for ``project`` whose session is guarded."""
        from google.cloud import storage  # type: ignore[attr-defined]

        options = {"api_endpoint": self.settings.endpoint} if self.settings.endpoint else None
        client = storage.Client(
            project=project,
            credentials=self.settings.resolved_credentials(),
            client_options=options,
        )
        guard_session(client._http, self.routes, self.counter)
        return client

    def logging_client(self, project: str) -> Any:
        """Cloud Logging's handwritten client over JSON/HTTP, its session guarded."""
        from google.cloud import logging as cloud_logging

        options = {"api_endpoint": self.settings.endpoint} if self.settings.endpoint else None
        client = cloud_logging.Client(  # type: ignore[no-untyped-call]
            project=project,
            credentials=self.settings.resolved_credentials(),
            _use_grpc=False,
            client_options=options,
        )
        guard_session(client._http, self.routes, self.counter)
        return client

    def monitoring_client(self, project: str) -> Any:
        """Cloud Monitoring v3 over JSON/HTTP (its GAPIC client is gRPC-only), its
        session guarded."""
        from scanner.collectors.gcp.monitoring_client import MonitoringClient

        credentials = self.settings.resolved_credentials()
        client = MonitoringClient(project, credentials, self.settings.endpoint)
        guard_session(client._http, self.routes, self.counter)
        return client

    def json_pages(
        self, client: Any, path: str, key: str, query: dict[str, str] | None = None
    ) -> Iterator[list[Any]]:
        """Each page's items of a JSON client's REST listing (a google-cloud-core
        connection), following ``nextPageToken``; every request retried on transient
        errors."""
        send = self.retry()(client._connection.api_request)
        token: str | None = None
        while True:
            params = {**(query or {}), **({"pageToken": token} if token else {})}
            answer = send(method="GET", path=path, query_params=params)
            yield list(answer.get(key, []))
            token = answer.get("nextPageToken")
            if not token:
                return

    def firestore_admin(self) -> Any:
        """A Firestore admin client (REST) whose session is guarded."""
        from google.cloud import firestore_admin_v1

        return self.gapic(firestore_admin_v1.FirestoreAdminClient)

    def gapic(self, client_class: Any) -> Any:
        """A GAPIC client over REST whose session is guarded."""
        client = client_class(
            transport="rest",
            credentials=self.settings.resolved_credentials(),
            client_options=self._options(),
        )
        guard_session(client._transport._session, self.routes, self.counter)
        return client

    def _options(self) -> Any:
        from google.api_core.client_options import ClientOptions

        endpoint = self.settings.endpoint
        return ClientOptions(api_endpoint=endpoint) if endpoint else None

    def call(
        self,
        service: str,
        operation: str,
        attribute: GapAttribute,
        send: Callable[[], Any],
        location: str | None = None,
    ) -> tuple[dict[str, Any] | None, Gap | None]:
        """One call's answer as REST JSON (camelCase fields, enums as names, durations as
        ``"604800s"``), or the gap it leaves."""
        self.guard.check(service, operation)
        self.counter.call(service, operation)
        try:
            answer = send()
        except api_errors() as exc:
            return None, self.gap_from(exc, service, operation, attribute, location)
        return as_json(answer), None

    def retry(self) -> Any:
        """google-api-core's retry on transient errors, within the settings."""
        from google.api_core import retry as retries

        timing = self.settings.retry
        return retries.Retry(
            predicate=retries.if_transient_error,
            initial=timing.initial,
            maximum=timing.maximum,
            timeout=timing.timeout,
        )

    def pages(
        self,
        service: str,
        operation: str,
        attribute: GapAttribute,
        pages: Callable[[], Iterator[Any]],
        location: str | None = None,
    ) -> Listing:
        """Every item of a paged listing, or the gap that stopped it (items so far are
        dropped: a half-listed population is not a population)."""
        self.guard.check(service, operation)
        items: list[Any] = []
        try:
            for page in pages():
                self.counter.call(service, operation)
                items.extend(page)
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
        """The gap a failed call leaves: Google's error status (``PERMISSION_DENIED``),
        the reason in the error body (``forbidden``) or the exception's name, its message
        and the permission it needs; after retries, the last error's."""
        last = getattr(exc, "cause", None) if type(exc).__name__ == "RetryError" else None
        failed = last if isinstance(last, Exception) else exc
        code = _error_code(failed)
        retried = " (after retries)" if last is not None else ""
        return Gap(
            attribute=attribute,
            operation=f"{service}:{operation}",
            error_code=code,
            cause=cause_of(code),
            message=_message(failed) + retried,
            permission=self.guard.permission(service, operation),
            region=location,
        )


def _error_code(exc: Exception) -> str:
    """``PERMISSION_DENIED`` from the error body's ``error.status`` when present, else
    the exception's name (``Forbidden``, ``TooManyRequests``, ``ConnectionError``)."""
    errors = getattr(exc, "errors", None) or []
    response = getattr(exc, "response", None)
    status = None
    if response is not None:
        try:
            status = response.json().get("error", {}).get("status")
        except (ValueError, AttributeError):
            status = None
    if status:
        return str(status)
    if errors and isinstance(errors[0], dict) and errors[0].get("reason"):
        return str(errors[0]["reason"])
    return type(exc).__name__


def _message(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:500]


def api_errors() -> tuple[type[Exception], ...]:
    """What a call can fail with that is an answer about the cloud (a gap), not a bug:
    the API's errors (retries exhausted included) and the transport's."""
    import requests
    from google.api_core.exceptions import GoogleAPIError

    return (GoogleAPIError, requests.exceptions.RequestException)


def as_json(message: Any) -> dict[str, Any]:
    """A proto-plus (or plain protobuf) message as the REST API writes it (camelCase,
    JSON encodings, and fields the answer did not carry left out rather than filled with
    defaults)."""
    if isinstance(message, dict):
        return message
    if not hasattr(type(message), "to_dict"):  # a plain protobuf message (IAM's Policy)
        from google.protobuf.json_format import MessageToDict

        plain: dict[str, Any] = MessageToDict(message)
        return plain
    converted: dict[str, Any] = type(message).to_dict(
        message,
        preserving_proto_field_name=False,
        use_integers_for_enums=False,
        always_print_fields_with_no_presence=False,
    )
    return converted
