"""Declared read operations, the guard that refuses everything else, and the call counter.

Every cloud's collector declares the operations it may call (with the permission each
needs); the cloud's SDK hook asks :class:`ReadOnlyGuard` before a request is built and
tells :class:`CallCounter` about every call and every attempt sent, so the snapshot can
record what was called and how many retries went out on top.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.errors import ReadOnlyViolation

#: Verbs that never change state; a declaration outside them is a programming error.
READ_VERBS = ("List", "Get", "Describe", "Head", "Search")
#: Operations that change no resource but are not reads: they obtain credentials.
SESSION_OPERATIONS = frozenset({("sts", "AssumeRole")})


@dataclass(frozen=True, order=True)
class ReadOperation:
    """One API operation a collector may call and the permission it needs."""

    service: str
    name: str
    permission: str


def declare(service: str, operations: dict[str, str]) -> tuple[ReadOperation, ...]:
    """Declare a service's read operations as ``{operation: permission}``."""
    declared = tuple(ReadOperation(service, name, perm) for name, perm in operations.items())
    for op in declared:
        if not op.name.startswith(READ_VERBS) and (service, op.name) not in SESSION_OPERATIONS:
            raise ValueError(f"{service}:{op.name} is not a read operation")
    return declared


class ReadOnlyGuard:
    """Refuses any operation outside the declared set, before the request is built."""

    def __init__(self, operations: Iterable[ReadOperation]) -> None:
        self._permissions = {(op.service, op.name): op.permission for op in operations}

    def check(self, service: str, operation: str) -> None:
        """Raise ReadOnlyViolation unless ``service:operation`` was declared."""
        if (service, operation) not in self._permissions:
            raise ReadOnlyViolation(service, operation)

    def permission(self, service: str, operation: str) -> str | None:
        """The permission a declared operation needs."""
        return self._permissions.get((service, operation))


class CallCounter:
    """Counts API calls and the requests sent for them, per service and operation.

    A call is one operation as the collector asked for it (one page of a listing); an
    attempt is one request on the wire. Attempts beyond the calls are retries.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], int] = {}
        self._attempts: dict[tuple[str, str], int] = {}

    def call(self, service: str, operation: str) -> None:
        """Record one call."""
        with self._lock:
            key = (service, operation)
            self._calls[key] = self._calls.get(key, 0) + 1

    def attempt(self, service: str, operation: str) -> None:
        """Record one request sent (the first attempt of a call, or a retry)."""
        with self._lock:
            key = (service, operation)
            self._attempts[key] = self._attempts.get(key, 0) + 1

    def counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """``(service, operation) → (calls, retries)`` so far."""
        with self._lock:
            return {
                key: (calls, max(0, self._attempts.get(key, calls) - calls))
                for key, calls in self._calls.items()
            }

    @property
    def total(self) -> int:
        """All calls counted (retries not included)."""
        with self._lock:
            return sum(self._calls.values())
