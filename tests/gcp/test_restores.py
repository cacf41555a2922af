"""Firestore restores read from each database's long-running operations with the real
Firestore Admin client (REST transport) from the fake on 127.0.0.1, traced to the
database each came from through the backups listing."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collectors.gcp.api import GcpApi, GcpSettings
from scanner.collectors.gcp.firestore import ROUTES
from scanner.collectors.readonly import CallCounter
from scanner.emulator.gcp.server import Fault, FirestoreDatabase, GcpState, gcp_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import DataStore
from tests.gcp.test_firestore import BARE, GUARDED, PROJECT, _collect, database

_TYPE = "type.googleapis.com/google.firestore.admin.v1."
BACKUP = GUARDED.backups[1]["name"]


def operation(
    target: str, state: str, start: str, end: str | None, **metadata: Any
) -> dict[str, Any]:
    """A restore's ``Operation`` as ``operations.list`` returns it."""
    found: dict[str, Any] = {
        "@type": _TYPE + "RestoreDatabaseMetadata",
        "startTime": start,
        "operationState": state,
        "database": f"projects/{PROJECT}/databases/{target}",
        "backup": BACKUP,
        "progressPercentage": {"estimatedWork": "100", "completedWork": "100"},
        **metadata,
    }
    if end:
        found["endTime"] = end
    answer: dict[str, Any] = {
        "name": f"projects/{PROJECT}/databases/{target}/operations/op-{start[:13]}",
        "metadata": found,
        "done": end is not None,
    }
    if state == "FAILED":
        answer["error"] = {"code": 13, "message": "restore failed: internal error"}
    return answer


def _restored(*operations: dict[str, Any], name: str = "patients-restored") -> FirestoreDatabase:
    return FirestoreDatabase(database(name), operations=list(operations))


def _state(*databases: FirestoreDatabase, **more: Any) -> GcpState:
    return GcpState(firestore={PROJECT: [GUARDED, BARE, *databases]}, **more)


def _by_name(stores: list[DataStore]) -> dict[str, DataStore]:
    return {s.name: s for s in stores}


def test_a_restore_is_a_run_of_the_database_its_backup_came_from() -> None:
    done = operation(
        "patients-restored", "SUCCESSFUL", "2026-11-20T06:00:00Z", "2026-11-20T09:30:00Z"
    )
    index = {
        "name": f"projects/{PROJECT}/databases/patients-restored/operations/idx",
        "metadata": {"@type": _TYPE + "IndexOperationMetadata", "state": "SUCCESSFUL"},
        "done": True,
    }
    stores, _, counter = _collect(_state(_restored(done, index)))
    by_name = _by_name(stores)
    [run] = by_name["patients"].restores or []
    assert (run.outcome, run.test, run.duration_hours) == ("succeeded", False, 3.5)
    assert run.restored_to == f"projects/{PROJECT}/databases/patients-restored"
    assert run.recovery_point == BACKUP and run.source == "Firestore restore from backup"
    assert run.evidence[0].fields["metadata.operationState"] == "SUCCESSFUL"
    assert by_name["patients-restored"].restores == []  # nothing was restored from it
    assert by_name["(default)"].restores == []
    assert any("returned 0 restore jobs" in str(e.fields) for e in by_name["(default)"].evidence)
    assert counter.counts()[("firestore", "ListOperations")] == (3, 0)  # one per database


def test_a_restore_ended_before_it_started_has_no_duration() -> None:
    # the end and the duration are unknown, not negative (and the collection goes on)
    odd = operation(
        "patients-restored", "SUCCESSFUL", "2026-11-20T09:30:00Z", "2026-11-20T06:00:00Z"
    )
    stores, _, _ = _collect(_state(_restored(odd)))
    [run] = _by_name(stores)["patients"].restores or []
    assert run.outcome == "succeeded" and run.duration_hours is None and run.completed is None


def test_a_failed_restore_and_a_running_clone_and_paging() -> None:
    failed = operation("patients-drill", "FAILED", "2026-11-20T10:00:00Z", "2026-11-20T10:45:00Z")
    clone = operation(
        "patients-clone",
        "PROCESSING",
        "2026-11-20T11:00:00Z",
        None,
        **{"@type": _TYPE + "CloneDatabaseMetadata", "backup": None},
        pitrSnapshot={
            "database": f"projects/{PROJECT}/databases/patients",
            "snapshotTime": "2026-11-20T08:00:00Z",
        },
    )
    del clone["metadata"]["backup"]
    earlier = operation(
        "patients-drill", "SUCCESSFUL", "2026-11-18T10:00:00Z", "2026-11-18T12:00:00Z"
    )
    state = _state(
        _restored(failed, earlier, name="patients-drill"),
        _restored(clone, name="patients-clone"),
        page_size=1,
    )
    stores, _, counter = _collect(state)
    runs = _by_name(stores)["patients"].restores or []
    assert [(r.outcome, r.started.day, r.duration_hours) for r in runs] == [
        ("succeeded", 18, 2.0),
        ("failed", 20, 0.75),
        ("running", 20, None),
    ]
    assert runs[1].evidence[0].fields["error.message"] == "restore failed: internal error"
    assert runs[2].source == "Firestore clone (point in time)" and runs[2].completed is None
    assert runs[2].recovery_point == "2026-11-20T08:00:00Z"
    # patients-drill's two operations came on two pages: 2 calls; 1 each for the others
    assert counter.counts()[("firestore", "ListOperations")] == (5, 0)


def test_a_restore_from_a_backup_no_longer_listed_is_not_attributed() -> None:
    gone = operation(
        "old-restore",
        "SUCCESSFUL",
        "2026-10-01T00:00:00Z",
        "2026-10-01T01:00:00Z",
        backup=f"projects/{PROJECT}/locations/eur3/backups/expired",
    )
    stores, _, _ = _collect(_state(_restored(gone, name="old-restore")))
    # not attributed, and not dropped: any database may be its source, so none is known
    # to have no restores
    assert all(s.restores is None for s in stores)
    for store in stores:
        [gap] = [g for g in store.gaps if g.attribute == "restores"]
        assert gap.error_code == "RestoreUnattributed" and "old-restore" in gap.message


def test_a_restore_of_a_known_source_in_an_unknown_state_hides_that_sources_only() -> None:
    odd = operation(
        "patients-restored", "OPERATION_STATE_UNSPECIFIED", "2026-11-20T06:00:00Z", None
    )
    stores, _, _ = _collect(_state(_restored(odd)))
    by_name = _by_name(stores)
    patients = by_name["patients"]  # the backup's database: its restores are unknown
    assert patients.restores is None
    [gap] = [g for g in patients.gaps if g.attribute == "restores"]
    assert gap.error_code == "RestoreUnattributed"
    for name in ("(default)", "patients-restored"):  # the others' listings were read
        assert by_name[name].restores == []
        assert not [g for g in by_name[name].gaps if g.attribute == "restores"]


def test_a_denied_operations_listing_leaves_every_databases_restores_unknown() -> None:
    """Any database's restore may land in the database whose operations were refused."""
    done = operation(
        "patients-restored", "SUCCESSFUL", "2026-11-20T06:00:00Z", "2026-11-20T09:00:00Z"
    )
    fault = Fault("denied", service="firestore", path_end="/operations")
    stores, gap, _ = _collect(_state(_restored(done), faults={PROJECT: fault}))
    assert gap is None
    for store in stores:
        [unread] = [g for g in store.gaps if g.attribute == "restores"]
        assert (unread.cause, unread.permission) == ("denied", "datastore.operations.list")
        assert unread.operation == "firestore:ListOperations" and unread.resource == store.id
        assert unread.message.endswith("(and 2 more)")  # three databases, one gap each store
        assert store.restores is None  # never "no restores"
        assert store.backup_jobs is not None  # the backups listing answered


def test_the_guard_refuses_a_restore_and_an_operation_cancel() -> None:
    state = _state()
    with gcp_fake(state) as endpoint:
        api = GcpApi(GcpSettings(endpoint=endpoint), ROUTES, CallCounter())
        client = api.firestore_admin()
        with pytest.raises(ReadOnlyViolation):
            client.restore_database(
                request={
                    "parent": f"projects/{PROJECT}",
                    "database_id": "copy",
                    "backup": BACKUP,
                }
            )
        with pytest.raises(ReadOnlyViolation):
            client.cancel_operation(
                request={"name": f"projects/{PROJECT}/databases/patients/operations/x"}
            )
    assert state.requests == []  # refused before anything was sent
