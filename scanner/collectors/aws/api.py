"""Guarded boto3 clients and the one way AWS collectors call AWS: failures become Gaps.

``AwsClients`` builds one client per (account, service, region), shared by the thread
pool, with a connection pool as large as the pool, adaptive retries and two hooks: the
read-only guard (before the request is built) and the counters of calls and of requests
sent (so retries are counted apart). ``AwsApi`` is one account's view: ``call`` and
``pages`` run a declared operation; AccessDenied, throttling after retries, timeouts and
any other failure come back as a :class:`~scanner.model.Gap`, never as an empty answer.
Every answer keeps the provider's request id (``ResponseMetadata.RequestId``) — a
listing one per page, a gap the id of the error answer — so evidence can cite the call.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import boto3
from botocore import xform_name
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scanner import __version__
from scanner.collectors.answers import Answer, Listing, cause_of
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.model import Gap
from scanner.vocabulary import GapAttribute


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings shared by all clients of one collection."""

    max_pool: int = 16
    max_attempts: int = 5  # in total, the first attempt included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    endpoints: Mapping[str, str] | None = None


class AwsClients:
    """One guarded, counted client per (account, service, region), created on first use.

    Every client comes from one boto3 session (its credential chain for the caller's
    account, the temporary credentials of an assumed role for another), so the service
    models are loaded once, not once per account.
    """

    def __init__(
        self,
        session: boto3.Session,
        guard: ReadOnlyGuard,
        counter: CallCounter,
        settings: ClientSettings | None = None,
    ) -> None:
        self._session = session
        self._guard = guard
        self._counter = counter
        self._settings = settings or ClientSettings()
        self._credentials: dict[str, dict[str, str]] = {}
        self._clients: dict[tuple[str, str, str], BaseClient] = {}
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str, str], threading.Lock] = {}

    @property
    def guard(self) -> ReadOnlyGuard:
        """The read-only guard attached to every client."""
        return self._guard

    def add_account(self, account: str, credentials: dict[str, str] | None = None) -> AwsApi:
        """Register how to read ``account`` — the session's own credentials, or an assumed
        role's ``AccessKeyId``/``SecretAccessKey``/``SessionToken`` — and return its API."""
        with self._lock:
            self._credentials[account] = (
                {
                    "aws_access_key_id": credentials["AccessKeyId"],
                    "aws_secret_access_key": credentials["SecretAccessKey"],
                    "aws_session_token": credentials["SessionToken"],
                }
                if credentials
                else {}
            )
        return AwsApi(self, account)

    def get(self, account: str, service: str, region: str) -> BaseClient:
        """The shared client for ``service`` in ``region`` of ``account``."""
        key = (account, service, region)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # clients are built in parallel, each exactly once
            if key not in self._clients:
                client = self._build(service, region, self._credentials[account])
                with self._lock:
                    self._clients[key] = client
            return self._clients[key]

    def forget(self, account: str) -> None:
        """Close and drop every client of ``account`` (its reads are done)."""
        with self._lock:
            keys = [k for k in self._clients if k[0] == account]
            clients = [self._clients.pop(k) for k in keys]
            for key in keys:
                self._building.pop(key, None)
        for client in clients:
            client.close()

    def _build(self, service: str, region: str, credentials: dict[str, str]) -> BaseClient:
        s = self._settings
        config = Config(
            region_name=region,
            retries={"mode": "adaptive", "total_max_attempts": s.max_attempts},
            max_pool_connections=s.max_pool,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            user_agent_extra=f"backup-audit/{__version__}",
        )
        endpoints = s.endpoints or {}
        endpoint = endpoints.get(service, endpoints.get("*"))
        client = self._session.client(  # type: ignore[call-overload]
            service, config=config, endpoint_url=endpoint, **credentials
        )
        client.meta.events.register("provide-client-params", self._before_build)
        client.meta.events.register("before-send", partial(self._before_send, service))
        return client  # type: ignore[no-any-return]

    def _before_build(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self._guard.check(service, model.name)
        self._counter.call(service, model.name)

    def _before_send(self, service: str, event_name: str, **_: Any) -> None:
        self._counter.attempt(service, event_name.rsplit(".", 1)[-1])


class AwsApi:
    """One account's view: runs declared read operations, every failure a Gap."""

    def __init__(self, clients: AwsClients, account: str) -> None:
        self.clients = clients
        self.account = account

    def call(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        absent: Collection[str] = (),
        **params: Any,
    ) -> Answer:
        """Call one operation; ``absent`` lists error codes that mean "not configured"."""
        try:
            client = self.clients.get(self.account, service, region)
            data = getattr(client, xform_name(operation))(**params)
        except ClientError as exc:
            if _error_code(exc) in absent:
                return Answer(absent=True, request_id=_request_id(exc.response))
            return Answer(gap=self.failed(service, region, operation, attribute, exc))
        except BotoCoreError as exc:
            return Answer(gap=self.failed(service, region, operation, attribute, exc))
        request_id = _request_id(data)
        data.pop("ResponseMetadata", None)
        return Answer(data=data, request_id=request_id)

    def pages(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        result_key: str,
        **params: Any,
    ) -> Listing:
        """All items of a paginated list operation and each page's request id, or the gap
        that stopped it (with the failed page's request id)."""
        items: list[Any] = []
        request_ids: list[str] = []
        try:
            client = self.clients.get(self.account, service, region)
            paginator = client.get_paginator(xform_name(operation))
            for page in paginator.paginate(**params):
                items.extend(page.get(result_key, []))
                request_id = _request_id(page)
                if request_id:
                    request_ids.append(request_id)
        except (ClientError, BotoCoreError) as exc:
            return Listing(gap=self.failed(service, region, operation, attribute, exc))
        return Listing(items, request_ids=tuple(request_ids))

    def failed(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        exc: ClientError | BotoCoreError,
    ) -> Gap:
        """The gap an SDK exception leaves: the provider's error code, message and request
        id from an error answer; the exception's name and text when none came back."""
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            message = str(error.get("Message", exc))
            code, request_id = _error_code(exc), _request_id(exc.response)
            return self.gap(service, region, operation, attribute, code, message, request_id)
        return self.gap(service, region, operation, attribute, type(exc).__name__, str(exc))

    def gap(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        code: str,
        message: str,
        request_id: str | None = None,
    ) -> Gap:
        """The gap one failed operation leaves on ``attribute``."""
        return Gap(
            attribute=attribute,
            operation=f"{service}:{operation}",
            error_code=code,
            cause=cause_of(code),
            message=message,
            permission=self.clients.guard.permission(service, operation),
            region=region,
            request_id=request_id,
        )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def _request_id(response: Mapping[str, Any]) -> str | None:
    """``ResponseMetadata.RequestId`` of an answer, a page or an error answer, when the
    provider sent one."""
    return str(response.get("ResponseMetadata", {}).get("RequestId") or "") or None
