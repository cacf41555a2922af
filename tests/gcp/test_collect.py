"""The Google Cloud collector end to end: projects listed or given, five tasks each,
Backup and DR applied, a refusing project kept as a gap — through collect(), the same
run the CLI makes, with real clients against the fake on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scanner.collectors.base import collect
from scanner.collectors.gcp.api import GcpSettings, RetrySettings
from scanner.collectors.gcp.collect import OPERATIONS, GcpCollector
from scanner.emulator.gcp.server import Fault, FirestoreDatabase, GcpState, gcp_fake
from scanner.errors import CollectionError
from tests.gcp.test_backupdr import _bdr
from tests.gcp.test_firestore import GUARDED
from tests.gcp.test_sql import BILLING, RUNS
from tests.gcp.test_storage import BARE, PROJECT

FAST = RetrySettings(initial=0.01, maximum=0.02, timeout=2.0)
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
OTHER = "northwind-lab"


def _state() -> GcpState:
    return GcpState(
        buckets={PROJECT: [BARE]},
        firestore={PROJECT: [GUARDED], OTHER: [FirestoreDatabase(GUARDED.database)]},
        sql_instances={PROJECT: [BILLING]},
        sql_backup_runs={PROJECT: RUNS},
        backupdr={PROJECT: _bdr()},
        projects=[
            {"name": "projects/1", "projectId": PROJECT, "state": "ACTIVE"},
            {"name": "projects/2", "projectId": OTHER, "state": "ACTIVE"},
            {"name": "projects/3", "projectId": "old", "state": "DELETE_REQUESTED"},
        ],
        faults={OTHER: Fault("denied")},
    )


def test_every_active_project_is_read_and_a_refusing_one_stays_as_gaps() -> None:
    state = _state()
    with gcp_fake(state) as endpoint:
        collector = GcpCollector(GcpSettings(endpoint=endpoint, retry=FAST), None)
        snapshot = collect(collector, lambda: NOW, workers=4)
    assert snapshot.scope.accounts == [OTHER, PROJECT]
    kinds = sorted(s.kind for s in snapshot.stores)
    assert kinds == ["gcp.firestore.database", "gcp.sql.instance", "gcp.storage.bucket"]
    billing = next(s for s in snapshot.stores if s.name == "billing")
    assert {p.origin for p in billing.protections if p.enabled} == {"native", "backup_service"}
    refused = next(a for a in snapshot.accounts if a.account == OTHER)
    assert {g.operation for g in refused.gaps if g.attribute == "inventory"} == {
        "storage:ListBuckets",
        "firestore:ListDatabases",
        "sqladmin:ListInstances",
    }
    assert all(g.cause == "denied" for g in refused.gaps)
    mine = next(a for a in snapshot.accounts if a.account == PROJECT)
    assert [v.name for v in mine.vaults] == ["Cloud SQL backups of billing (eu)", "locked", "open"]
    assert mine.gaps == []
    called = {(c.service, c.operation) for c in snapshot.api_calls or []}
    assert called <= {(o.service, o.name) for o in OPERATIONS}
    assert ("cloudresourcemanager", "SearchProjects") in called
    writes = {r for r in state.requests if r[0] != "GET"}  # getIamPolicy reads by POST
    assert writes == {("POST", f"/v3/projects/{p}:getIamPolicy") for p in (OTHER, PROJECT)}
    assert mine.audit_trail is not None and mine.audit_trail.configs is not None
    assert refused.audit_trail is not None and refused.audit_trail.log_stores is None
    assert {g.permission for g in refused.gaps if g.attribute == "audit_trail"} == {
        "resourcemanager.projects.getIamPolicy",
        "logging.buckets.list",
        "logging.sinks.list",
    }


def test_projects_given_are_read_without_listing_them() -> None:
    state = _state()
    with gcp_fake(state) as endpoint:
        collector = GcpCollector(GcpSettings(endpoint=endpoint, retry=FAST), (PROJECT,))
        snapshot = collect(collector, lambda: NOW, workers=4)
    assert snapshot.scope.accounts == [PROJECT]
    assert not [r for r in state.requests if r[1] == "/v3/projects:search"]


def test_no_listable_project_means_collection_cannot_start() -> None:
    state = _state()
    state.projects = None
    with gcp_fake(state) as endpoint, pytest.raises(CollectionError, match="--projects"):
        collect(GcpCollector(GcpSettings(endpoint=endpoint, retry=FAST), None), lambda: NOW)


def test_the_principal_is_the_service_account_the_credentials_name() -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.oauth2 import service_account

    email = "backup-audit@northwind-prod.iam.gserviceaccount.com"
    named = service_account.Credentials(None, email, "http://127.0.0.1:9/token")
    collector = GcpCollector(GcpSettings(credentials=named), (PROJECT,))
    assert [(p.cloud, p.principal) for p in collector.principals()] == [("gcp", email)]
    anonymous = GcpCollector(GcpSettings(credentials=AnonymousCredentials()), (PROJECT,))
    assert anonymous.principals() == []  # anonymous or user credentials name none
