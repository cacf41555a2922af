"""The answer-or-gap convention every cloud's collectors follow.

A read operation comes back as an :class:`Answer`: its data, *absent* (a documented
"not configured" error, which is an answer), or a :class:`~scanner.model.Gap` saying
what could not be read and why. A gap is never turned into a default value. The gap's
``cause`` is classified from the provider's error code, so that only access denials are
reported as a permission to grant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scanner.model import Evidence, Gap
from scanner.vocabulary import GapAttribute, GapCause

_DENIED = re.compile(
    r"AccessDenied|Unauthori[sz]ed|AuthorizationFail|AuthorizationError|Forbidden|"
    r"PERMISSION_DENIED|NotAuthorized|^403$",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(r"NotFound|NoSuch|NOT_FOUND|^404$|DoesNotExist", re.IGNORECASE)
_THROTTLED = re.compile(
    r"Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|RESOURCE_EXHAUSTED|^429$|"
    r"RateExceeded",
    re.IGNORECASE,
)
_TIMEOUT = re.compile(r"Timeout|DEADLINE_EXCEEDED", re.IGNORECASE)
_UNREACHABLE = re.compile(r"EndpointConnection|ConnectionError|ConnectionClosed|UNAVAILABLE")


def cause_of(code: str) -> GapCause:
    """The cause behind a provider's error code (or an SDK exception's name)."""
    for pattern, cause in (
        (_DENIED, "denied"),
        (_NOT_FOUND, "not_found"),
        (_THROTTLED, "throttled"),
        (_TIMEOUT, "timeout"),
        (_UNREACHABLE, "unreachable"),
    ):
        if pattern.search(code):
            return cause  # type: ignore[return-value]
    return "error"


@dataclass(frozen=True)
class Answer:
    """The outcome of one call: data, or absent (a documented not-found), or a gap; and
    the provider's request id when the SDK returned one."""

    data: dict[str, Any] | None = None
    absent: bool = False
    gap: Gap | None = None
    request_id: str | None = None


def gap_for(gap: Gap, *attributes: GapAttribute, resource: str | None = None) -> list[Gap]:
    """The same failure recorded against several attributes of one resource."""
    return [gap.model_copy(update={"attribute": a, "resource": resource}) for a in attributes]


def sort_gaps(gaps: list[Gap]) -> list[Gap]:
    """Unique gaps in a stable order."""
    unique = {g.model_dump_json(): g for g in gaps}
    return [unique[k] for k in sorted(unique)]


def tag_evidence(operation: str, region: str | None, tags: dict[str, str]) -> Evidence:
    """Evidence of the tags (labels) read for a store, as one field per tag."""
    return Evidence(
        operation=operation,
        region=region,
        fields={f"tag {key}": value for key, value in sorted(tags.items())} or {"tags": "(none)"},
    )
