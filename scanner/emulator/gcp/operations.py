"""The fake's routes for operations evidence: each Firestore database's long-running
operations (``google.longrunning`` ``ListOperationsResponse``), and Cloud Monitoring's
alert policies and notification channels (monitoring v3). Answers are paged with
``pageSize`` / ``pageToken`` and ``nextPageToken``; an empty list is left out, as proto3
JSON leaves it out; Monitoring adds ``totalSize``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from scanner.emulator.gcp.answers import Answer, page, status

if TYPE_CHECKING:
    from scanner.emulator.gcp.server import GcpState

Handler = Callable[["GcpState", dict[str, str], dict[str, str]], Answer]


def _listed(items: list[Any], query: dict[str, str], page_size: int, key: str) -> dict[str, Any]:
    answer = page(items, query, page_size, key)
    return answer if answer[key] else {k: v for k, v in answer.items() if k != key}


def _operations(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    # the operations mixin sends ``(default)`` percent-encoded
    name = f"projects/{path['project']}/databases/{unquote(path['database'])}"
    for found in state.firestore.get(path["project"], []):
        if found.database["name"] == name:
            items = sorted(found.operations, key=lambda o: o["name"])
            return 200, _listed(items, query, state.page_size, "operations")
    return status(404, "NOT_FOUND", f"Database {name} not found")


def _monitoring(key: str, attribute: str) -> Handler:
    def answer(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
        items = sorted(getattr(state, attribute).get(path["project"], []), key=lambda i: i["name"])
        listed = _listed(items, query, state.page_size, key)
        return 200, {**listed, "totalSize": len(items)} if items else listed

    return answer


_MONITORING = r"/v3/projects/(?P<project>[^/]+)/"
OPERATION_ROUTES: tuple[tuple[str, str, re.Pattern[str], Handler], ...] = (
    (
        "firestore",
        "GET",
        re.compile(r"/v1/projects/(?P<project>[^/]+)/databases/(?P<database>[^/]+)/operations"),
        _operations,
    ),
    (
        "monitoring",
        "GET",
        re.compile(_MONITORING + "alertPolicies"),
        _monitoring("alertPolicies", "alert_policies"),
    ),
    (
        "monitoring",
        "GET",
        re.compile(_MONITORING + "notificationChannels"),
        _monitoring("notificationChannels", "notification_channels"),
    ),
)
