"""Declared read operations, the guard that refuses everything else, and a call counter."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.errors import ReadOnlyViolation

#: Verbs that never change state; a declaration outside them is a programming error.
READ_VERBS = ("List", "Get", "Describe", "Head", "Search")


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
        if not op.name.startswith(READ_VERBS):
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
    """Counts the API operations made, per service and operation (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, service: str, operation: str) -> None:
        """Record one call."""
        with self._lock:
            self._counts[(service, operation)] += 1

    def snapshot(self) -> dict[tuple[str, str], int]:
        """A copy of the counts so far."""
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        """All calls counted."""
        with self._lock:
            return sum(self._counts.values())
