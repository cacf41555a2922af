"""Guarded boto3 clients and the one way collectors call AWS: failures become Gaps.

``AwsClients`` builds one client per (service, region), shared by the thread pool, with a
connection pool as large as the pool, adaptive retries and the read-only guard attached.
``AwsApi.call`` / ``AwsApi.pages`` run one declared operation; AccessDenied, throttling
after retries, timeouts and any other failure come back as a :class:`Gap`, never as an
empty answer.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore import xform_name
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scanner import __version__
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.model import Gap, GapAttribute


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings shared by all clients of one collection."""

    max_pool: int = 16
    max_attempts: int = 5  # in total, the first attempt included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    endpoints: Mapping[str, str] | None = None


class AwsClients:
    """One guarded, counted client per (service, region), created on first use."""

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
        self._clients: dict[tuple[str, str], BaseClient] = {}
        self._lock = threading.Lock()

    @property
    def guard(self) -> ReadOnlyGuard:
        """The read-only guard attached to every client."""
        return self._guard

    def get(self, service: str, region: str) -> BaseClient:
        """The shared client for ``service`` in ``region``."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build(service, region)
            return self._clients[key]

    def _build(self, service: str, region: str) -> BaseClient:
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
        client = self._session.client(service, config=config, endpoint_url=endpoint)  # type: ignore[call-overload]
        client.meta.events.register("before-call", self._before_call)
        return client  # type: ignore[no-any-return]

    def _before_call(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self._guard.check(service, model.name)
        self._counter.add(service, model.name)


@dataclass(frozen=True)
class Answer:
    """The outcome of one call: data, or absent (a documented not-found), or a gap."""

    data: dict[str, Any] | None = None
    absent: bool = False
    gap: Gap | None = None


class AwsApi:
    """Runs declared read operations and turns every failure into a Gap."""

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients

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
        client = self.clients.get(service, region)
        try:
            data = getattr(client, xform_name(operation))(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in absent:
                return Answer(absent=True)
            message = str(exc.response.get("Error", {}).get("Message", exc))
            return Answer(gap=self._gap(service, region, operation, attribute, code, message))
        except BotoCoreError as exc:
            return Answer(
                gap=self._gap(service, region, operation, attribute, type(exc).__name__, str(exc))
            )
        data.pop("ResponseMetadata", None)
        return Answer(data=data)

    def pages(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        result_key: str,
        **params: Any,
    ) -> tuple[list[Any], Gap | None]:
        """All items of a paginated list operation, or the gap that stopped it."""
        client = self.clients.get(service, region)
        items: list[Any] = []
        try:
            paginator = client.get_paginator(xform_name(operation))
            for page in paginator.paginate(**params):
                items.extend(page.get(result_key, []))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            message = str(exc.response.get("Error", {}).get("Message", exc))
            return [], self._gap(service, region, operation, attribute, code, message)
        except BotoCoreError as exc:
            name, text = type(exc).__name__, str(exc)
            return [], self._gap(service, region, operation, attribute, name, text)
        return items, None

    def _gap(
        self,
        service: str,
        region: str,
        operation: str,
        attribute: GapAttribute,
        code: str,
        message: str,
    ) -> Gap:
        return Gap(
            attribute=attribute,
            operation=f"{service}:{operation}",
            error_code=code,
            message=message,
            permission=self.clients.guard.permission(service, operation),
            region=region,
        )


def gap_for(gap: Gap, *attributes: GapAttribute, resource: str | None = None) -> list[Gap]:
    """The same failure recorded against several attributes of one resource."""
    return [gap.model_copy(update={"attribute": a, "resource": resource}) for a in attributes]
