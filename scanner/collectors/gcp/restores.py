"""Firestore restores, from each database's long-running operations (Firestore Admin
API v1, ``GET /v1/projects/P/databases/D/operations``, one paged listing per database).

A restore (``RestoreDatabase``) or a point-in-time clone (``CloneDatabase``) creates a
new database, and its operation is listed on that new database, its metadata naming
what it came from: ``RestoreDatabaseMetadata.backup`` — a backup, whose ``database``
(from the project's backups listing, already read) is the store restored — or
``CloneDatabaseMetadata.pitrSnapshot.database``. Each becomes a
:class:`~scanner.model.RestoreRun` of that source store (``test=False``: Firestore has
no restore-testing feature), ``restored_to`` the new database. A restore from a backup
no longer listed cannot be attributed and is left out; so are restores into a database
since deleted, whose operations are no longer listed. A database whose operations
cannot be listed may hold a restore of any database of the project: every database's
restores are then unknown (a gap), beside what the other listings showed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.gcp.api import GcpApi, as_json
from scanner.collectors.gcp.fields import rfc3339
from scanner.collectors.tasks import StoreResult
from scanner.model import Evidence, Gap, RestoreRun, Scalar
from scanner.vocabulary import RunOutcome

_TYPE = "type.googleapis.com/google.firestore.admin.v1."
#: ``OperationState`` in neutral words; the states before an end are ``running``.
OUTCOMES: dict[str, RunOutcome] = {
    "SUCCESSFUL": "succeeded",
    "FAILED": "failed",
    "CANCELLED": "aborted",
    "INITIALIZING": "running",
    "PROCESSING": "running",
    "CANCELLING": "running",
    "FINALIZING": "running",
}
_HOUR = 3600.0


def add_restores(
    api: GcpApi,
    client: Any,
    items: list[StoreResult],
    backups: dict[str, Any] | None,
    backups_gap: Gap | None,
) -> None:
    """List every database's operations and give each store the restores made from it;
    the backups listing (``backups``) attributes a restore to its source, and its gap
    (``backups_gap``: not read, or not from every location) leaves every store's
    restores unknown."""
    listed = (backups or {}).get("backups", [])
    made_from = {str(b.get("name")): str(b.get("database")) for b in listed}
    found: dict[str, list[RestoreRun]] = {}
    unread: dict[str, list[Gap]] = {}  # source → its restores of unknown outcome
    gaps = [backups_gap] if backups_gap else []
    for item in items:
        listing = api.pages(
            "firestore",
            "ListOperations",
            "restores",
            partial(_operation_pages, api, client, item.store.id),
            location=item.store.region,
        )
        if listing.gap is not None:
            gaps.append(listing.gap)
            continue
        for operation in (as_json(o) for o in listing.items):
            source, run = restore_run(operation, made_from, item.store.region)
            if run is not None:
                found.setdefault(source, []).append(run)
            elif _is_restore(operation):  # of a known source, that store's; else any's
                (unread.setdefault(source, []) if source else gaps).append(_unattributed(operation))
    for item in items:
        own = unread.get(item.store.id, [])
        _set(item, found.get(item.store.id, []), _collapsed([*gaps, *own]))


def _is_restore(operation: dict[str, Any]) -> bool:
    kind = str((operation.get("metadata") or {}).get("@type", "")).removeprefix(_TYPE)
    return kind in ("RestoreDatabaseMetadata", "CloneDatabaseMetadata")


def _unattributed(operation: dict[str, Any]) -> Gap:
    """A restore whose source (a backup no longer listed), start or state is not given:
    its source's restores are unknown — any database's, when its source is not given."""
    return Gap(
        attribute="restores",
        operation="firestore:ListOperations",
        error_code="RestoreUnattributed",
        cause="unobservable",
        message=f"restore {operation.get('name')}: its source, start or state is not given",
    )


def _collapsed(gaps: list[Gap]) -> list[Gap]:
    """One gap per operation and error (the first met, with how many listings failed
    alike), so a refusal met on every database is not a gap per database per store."""
    alike: dict[tuple[str, str], list[Gap]] = {}
    for gap in gaps:
        alike.setdefault((gap.operation, gap.error_code), []).append(gap)
    return [
        same[0].model_copy(update={"message": f"{same[0].message} (and {len(same) - 1} more)"})
        if len(same) > 1
        else same[0]
        for same in alike.values()
    ]


def _set(item: StoreResult, runs: list[RestoreRun], gaps: list[Gap]) -> None:
    store = item.store
    if gaps:  # what was read stays; the rest is unknown, never "no restores"
        store.restores = sorted(runs, key=lambda r: r.started) or None
        for gap in gaps:
            store.gaps += gap_for(gap, "restores", resource=store.id)
        return
    store.restores = sorted(runs, key=lambda r: r.started)
    if not runs:
        fields: dict[str, Scalar] = {
            "restores": "returned 0 restore jobs from this database (operations of every database)"
        }
        store.evidence.append(
            Evidence(operation="firestore:ListOperations", region=store.region, fields=fields)
        )


def _operation_pages(api: GcpApi, client: Any, database: str) -> Iterator[list[Any]]:
    """Each page of the database's operations (the mixin answers one page a call)."""
    token = ""
    while True:
        request = {"name": database, "page_token": token}
        answer = client.list_operations(request=request, retry=api.retry())
        yield list(answer.operations)
        token = answer.next_page_token
        if not token:
            return


def _origin(kind: str, metadata: dict[str, Any], made_from: dict[str, str]) -> tuple[str, str, str]:
    """The source database, the point restored and the mechanism of a restore or clone
    (an empty source for any other operation, or a backup no longer listed)."""
    if kind == "RestoreDatabaseMetadata":
        point = str(metadata.get("backup", ""))
        return made_from.get(point, ""), point, "Firestore restore from backup"
    if kind == "CloneDatabaseMetadata":
        snapshot = metadata.get("pitrSnapshot") or {}
        source = str(snapshot.get("database", ""))
        return source, str(snapshot.get("snapshotTime", "")), "Firestore clone (point in time)"
    return "", "", ""


def restore_run(
    operation: dict[str, Any], made_from: dict[str, str], region: str | None
) -> tuple[str, RestoreRun | None]:
    """A restore or clone operation as a restore of its source database: ``""`` and None
    for another kind of operation or a backup no longer listed; the source and None for a
    restore of it whose start or state is not given."""
    metadata = operation.get("metadata") or {}
    kind = str(metadata.get("@type", "")).removeprefix(_TYPE)
    source, point, mechanism = _origin(kind, metadata, made_from)
    state = str(metadata.get("operationState", ""))
    started, ended = metadata.get("startTime"), metadata.get("endTime")
    outcome = OUTCOMES.get(state)
    if not source or not started or outcome is None:
        return source, None
    begun = rfc3339(started)
    completed = rfc3339(ended) if ended and outcome != "running" else None
    if completed is not None and completed < begun:  # an end before the start: unknown
        completed = None
    hours = (completed - begun).total_seconds() / _HOUR if completed else None
    error = operation.get("error") or {}
    fields: dict[str, Scalar] = {
        "name": operation.get("name"),
        "metadata.@type": kind,
        "metadata.operationState": state,
        "metadata.startTime": started,
        "metadata.endTime": ended,
        "metadata.database": metadata.get("database"),
        "source": point,
        "done": operation.get("done"),
        "error.message": error.get("message"),
    }
    return source, RestoreRun(
        id=str(operation.get("name", "")),
        started=begun,
        completed=completed,
        outcome=outcome,
        duration_hours=round(hours, 3) if hours is not None else None,
        test=False,
        recovery_point=point or None,
        restored_to=metadata.get("database"),
        source=mechanism,
        evidence=[Evidence(operation="firestore:ListOperations", region=region, fields=fields)],
    )
