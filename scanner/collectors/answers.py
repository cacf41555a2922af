"""The answer-or-gap convention every cloud's collectors follow.

A read operation comes back as an :class:`Answer`: its data, *absent* (a documented
"not configured" error, which is an answer), or a :class:`~scanner.model.Gap` saying
what could not be read and why. A gap is never turned into a default value. The gap's
``cause`` is classified from the provider's error code, so that only access denials are
reported as a permission to grant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    r"RateExceeded|rateLimitExceeded",
    re.IGNORECASE,
)
_TIMEOUT = re.compile(r"Timeout|DEADLINE_EXCEEDED", re.IGNORECASE)
_UNREACHABLE = re.compile(
    r"EndpointConnection|ConnectionError|ConnectionClosed|UNAVAILABLE|ServiceRequestError"
)


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


def join_request_ids(*ids: str | None) -> str | None:
    """Request ids of several calls (or pages) as one ``Evidence.request_id``: each id
    once, in call order, joined with ", "; None when no call returned one."""
    parts = [part for joined in ids if joined for part in joined.split(", ")]
    return ", ".join(dict.fromkeys(parts)) or None


@dataclass(frozen=True)
class Answer:
    """The outcome of one call: data, or absent (a documented not-found), or a gap; and
    the provider's request id when the SDK returned one."""

    data: dict[str, Any] | None = None
    absent: bool = False
    gap: Gap | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Listing:
    """The outcome of a paginated call: every item, or the gap that stopped it; and the
    request id of each page that returned one, in page order (a failed page's id is on
    the gap)."""

    items: list[Any] = field(default_factory=list)
    gap: Gap | None = None
    request_ids: tuple[str, ...] = ()

    @property
    def request_id(self) -> str | None:
        """The pages' request ids joined with ", " (None when no page returned one)."""
        return join_request_ids(*self.request_ids)


def gap_for(gap: Gap, *attributes: GapAttribute, resource: str | None = None) -> list[Gap]:
    """The same failure recorded against several attributes of one resource."""
    return [gap.model_copy(update={"attribute": a, "resource": resource}) for a in attributes]


def sort_gaps(gaps: list[Gap]) -> list[Gap]:
    """Unique gaps in a stable order. The same failure met in several calls (one gap but
    for the request id) is one gap carrying every call's request id."""
    unique: dict[str, Gap] = {}
    for gap in gaps:
        key = gap.model_dump_json(exclude={"request_id"})
        if key in unique:
            ids = join_request_ids(unique[key].request_id, gap.request_id)
            gap = unique[key].model_copy(update={"request_id": ids})
        unique[key] = gap
    return [unique[k] for k in sorted(unique)]


def tag_evidence(
    operation: str, region: str | None, tags: dict[str, str], request_id: str | None = None
) -> Evidence:
    """Evidence of the tags (labels) read for a store, as one field per tag."""
    return Evidence(
        operation=operation,
        region=region,
        fields={f"tag {key}": value for key, value in sorted(tags.items())} or {"tags": "(none)"},
        request_id=request_id,
    )
