"""A fake of Azure Resource Manager (ARM) for the reads backup-audit makes, on 127.0.0.1.

Answers are shaped as ARM gives them: resources with ``id``, ``name``, ``type``,
``location`` and ``properties`` (camelCase); lists as ``{"value": [...]}`` with an
absolute ``nextLink`` when more remain; the ``api-version`` query parameter checked
against the version each provider's SDK sends; errors as ``{"error": {"code",
"message"}}`` with an ``x-ms-request-id`` header on every answer. A subscription (or one
provider of it) can be made to refuse (403 ``AuthorizationFailed``), to throttle a number
of times (429 with ``Retry-After``), to fail (503) or to have a provider unregistered
(409 ``MissingSubscriptionRegistration``). Every request is recorded.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import SplitResult, parse_qs, urlencode

from scanner.emulator.local import JsonHandler, serving

FaultKind = Literal["denied", "throttled", "unavailable", "unregistered"]


@dataclass
class Fault:
    """How a subscription misbehaves: ``times`` answers of this kind (for one resource
    ``provider`` only, e.g. ``Microsoft.DocumentDB``; for paths ending with ``path_end``
    only), then normal ones."""

    kind: FaultKind
    times: int = 1_000_000
    provider: str | None = None
    path_end: str | None = None


@dataclass
class ArmState:
    """What the fake holds, per subscription: ARM resources by collection (a key such as
    ``cosmos``), and how it misbehaves."""

    subscriptions: list[dict[str, Any]] | None = field(default_factory=list)
    resources: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    page_size: int = 50
    retry_after: str = "1"
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def listed(self, subscription: str, collection: str) -> list[dict[str, Any]]:
        """The resources of one collection in a subscription."""
        return self.resources.get(subscription, {}).get(collection, [])


Answer = tuple[int, dict[str, Any]]
Handler = Callable[[ArmState, dict[str, str]], list[dict[str, Any]] | Answer]


@dataclass(frozen=True)
class ArmRoute:
    """A read the fake serves: provider, path pattern, api-version, and what it lists."""

    provider: str
    path: re.Pattern[str]
    api_version: str
    handler: Handler


_ROUTES: list[ArmRoute] = []


def arm_route(provider: str, path: str, api_version: str) -> Callable[[Handler], Handler]:
    """Register a GET route (``{sub}``, ``{rg}``, ``{name}``, ``{location}`` become path
    groups) whose handler returns the items to page, or a whole answer."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)

    def register(handler: Handler) -> Handler:
        _ROUTES.append(ArmRoute(provider, re.compile(pattern, re.IGNORECASE), api_version, handler))
        return handler

    return register


def error(status: int, code: str, message: str) -> Answer:
    """An ARM error answer."""
    return status, {"error": {"code": code, "message": message}}


@arm_route("Microsoft.Resources", "/subscriptions", "2022-12-01")
def _subscriptions(state: ArmState, path: dict[str, str]) -> list[dict[str, Any]] | Answer:
    if state.subscriptions is None:
        return error(403, "AuthorizationFailed", "The client cannot list subscriptions.")
    return sorted(state.subscriptions, key=lambda s: s["subscriptionId"])


class _Handler(JsonHandler):
    state: ArmState

    def answer(self, method: str, url: SplitResult) -> None:
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        version = query.get("api-version", "")
        with self.state.lock:
            self.state.requests.append((method, url.path, version))
        found = next((r for r in _ROUTES if r.path.fullmatch(url.path)), None)
        if found is None or method != "GET":
            return self._json(*error(404, "NotFound", f"No route for {method} {url.path}"))
        groups = found.path.fullmatch(url.path).groupdict()  # type: ignore[union-attr]
        if version != found.api_version:
            return self._json(*_bad_version(found, version))
        fault = self._fault(groups.get("sub", ""), found.provider, url.path)
        if fault is not None:
            return self._json(*fault)
        answer = found.handler(self.state, groups)
        if isinstance(answer, tuple):
            return self._json(*answer)
        return self._json(200, self._page(answer, url.path, query))

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, str]) -> Any:
        start = int(query.get("$skipToken") or 0)
        size = self.state.page_size
        page: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            more = urlencode({**query, "$skipToken": str(start + size)})
            page["nextLink"] = f"http://{self.headers['Host']}{path}?{more}"
        return page

    def _fault(self, subscription: str, provider: str, path: str) -> Answer | None:
        with self.state.lock:
            fault = self.state.faults.get(subscription)
            if fault is None or fault.times <= 0 or fault.provider not in (None, provider):
                return None
            if fault.path_end is not None and not path.endswith(fault.path_end):
                return None
            fault.times -= 1
        if fault.kind == "denied":
            action = f"{provider}/read"
            return error(
                403,
                "AuthorizationFailed",
                f"The client 'backup-audit' does not have authorization to perform action "
                f"'{action}' over scope '/subscriptions/{subscription}' or the scope is invalid.",
            )
        if fault.kind == "unregistered":
            return error(
                409,
                "MissingSubscriptionRegistration",
                f"The subscription is not registered to use namespace '{provider}'.",
            )
        if fault.kind == "throttled":
            return error(429, "TooManyRequests", "The request is being throttled.")
        return error(503, "ServiceUnavailable", "The service is temporarily unavailable.")

    def _json(self, code: int, body: dict[str, Any]) -> None:
        headers = {"x-ms-request-id": str(uuid.uuid4())}
        if code == 429:
            headers["Retry-After"] = self.state.retry_after
        self.send_json(code, body, headers)


def _bad_version(found: ArmRoute, version: str) -> Answer:
    if not version:
        return error(
            400, "MissingApiVersionParameter", "The api-version query parameter is required."
        )
    return error(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for API version '{version}'. "
        f"The supported api-versions are '{found.api_version}'.",
    )


@contextmanager
def arm_fake(state: ArmState) -> Iterator[str]:
    """Serve ``state`` on 127.0.0.1 (a free port) for the block; yields the endpoint."""
    from scanner.emulator.azure import monitor, providers  # noqa: F401  (registers routes)

    with serving(_Handler, state) as endpoint:
        yield endpoint
