"""How the fake's REST answers are paged and how its errors are written (the standard
``{"error": {"code", "message", "status"}}`` body)."""

from __future__ import annotations

from typing import Any

Answer = tuple[int, dict[str, Any]]


def page(items: list[Any], query: dict[str, str], page_size: int, key: str) -> dict[str, Any]:
    """One page of ``items`` under ``key`` from ``pageToken`` (an offset), at most
    ``maxResults`` / ``pageSize`` (capped by the fake's page size), with
    ``nextPageToken`` when more follow."""
    start = int(query.get("pageToken") or 0)
    size = min(int(query.get("maxResults") or query.get("pageSize") or page_size), page_size)
    answer: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        answer["nextPageToken"] = str(start + size)
    return answer


def status(code: int, said: str, message: str) -> Answer:
    """An error in the standard body: HTTP code, ``status`` name, message."""
    return code, {"error": {"code": code, "message": message, "status": said}}
