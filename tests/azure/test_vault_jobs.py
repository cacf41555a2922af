"""Backup vault jobs read with the real azure-mgmt-dataprotection client from the fake ARM
server and applied to the stores they ran for: restores, backup jobs, their outcomes and
durations, paging, and the gaps a refused job listing leaves."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.cosmos import account_store as cosmos_store
from scanner.collectors.azure.sql import database_store
from scanner.collectors.azure.storage import account_store
from scanner.collectors.azure.vaults import ROUTES, BackupVaults, read_vaults
from scanner.collectors.azure.vaults_apply import apply_vaults
from scanner.collectors.base import collect, finish_store
from scanner.collectors.readonly import CallCounter
from scanner.collectors.tasks import StoreResult
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import DataStore
from tests.azure.test_cosmos import FAST, PATIENTS, SUB
from tests.azure.test_sql import database
from tests.azure.test_storage import RECORDS, SCRATCH, account
from tests.azure.test_vaults import DAILY, GROUP, VAULT, _state

OTHER_VAULT = f"{GROUP}/Microsoft.DataProtection/backupVaults/bv-ne"
THIRD = account("nwthird", "Standard_LRS")  # protected by no vault

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)  # the collection's clock


def job(
    vault: str, source: str, name: str, category: str, status: str, start: str, **more: Any
) -> dict[str, Any]:
    """A job as ``backupJobs`` lists it."""
    return {
        "id": f"{vault}/backupJobs/{name}",
        "name": name,
        "type": "Microsoft.DataProtection/backupVaults/backupJobs",
        "properties": {
            "activityID": f"activity-{name}",
            "subscriptionId": SUB,
            "dataSourceId": source,
            "dataSourceName": source.rsplit("/", 1)[-1],
            "dataSourceLocation": "westeurope",
            "dataSourceType": "Microsoft.Storage/storageAccounts/blobServices",
            "backupInstanceFriendlyName": source.rsplit("/", 1)[-1],
            "policyName": "blob-daily",
            "sourceResourceGroup": "data",
            "sourceSubscriptionID": SUB,
            "vaultName": vault.rsplit("/", 1)[-1],
            "progressEnabled": False,
            "supportedActions": [""],
            "isUserTriggered": category == "Restore",
            "operationCategory": category,
            "operation": category,
            "status": status,
            "startTime": start,
            **more,
        },
    }


FAILED = [{"code": "UserErrorMissingRequiredPermissions", "message": "role missing"}]
JOBS = [
    job(VAULT, RECORDS["id"].upper(), "j1", "Restore", "Completed", "2026-11-18T09:00:00Z",
        endTime="2026-11-18T12:00:00.1234567Z", duration="PT3H0M0.1234567S"),
    job(VAULT, RECORDS["id"], "j2", "Backup", "Failed", "2026-11-19T02:00:00Z",
        endTime="2026-11-19T02:20:00Z", errorDetails=FAILED),
    job(VAULT, RECORDS["id"], "j3", "Backup", "CompletedWithWarnings", "2026-11-20T02:00:00Z",
        endTime="2026-11-20T02:10:00Z"),
    job(VAULT, RECORDS["id"], "j4", "Backup", "Cancelled", "2026-11-17T02:00:00Z",
        endTime="2026-11-17T02:01:00Z"),
    job(VAULT, RECORDS["id"], "j5", "Restore", "InProgress", "2026-11-20T10:00:00Z",
        duration="00:00:00"),
    job(VAULT, RECORDS["id"], "j6", "Tiering", "Completed", "2026-11-16T02:00:00Z"),
    job(VAULT, RECORDS["id"], "j7", "Backup", "Quarantined", "2026-11-15T02:00:00Z"),
]  # fmt: skip


def _read(state: ArmState, counter: CallCounter | None = None) -> BackupVaults:
    with arm_fake(state) as endpoint:
        api = AzureApi(
            AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, counter or CallCounter()
        )
        return read_vaults(api, SUB)


def _stores(found: BackupVaults) -> dict[str, DataStore]:
    items = [
        StoreResult(account_store(RECORDS, SUB)),
        StoreResult(account_store(SCRATCH, SUB)),
        StoreResult(account_store(THIRD, SUB)),
        StoreResult(cosmos_store(PATIENTS, SUB)),
        StoreResult(database_store(database("billing"), SUB)),
    ]
    apply_vaults(items, found, NOW)
    return {s.name: s for s in (finish_store(i) for i in items)}


def _with_jobs(jobs: list[dict[str, Any]], **faults: Fault) -> ArmState:
    state = _state(**faults)
    state.resources[SUB]["backup_jobs"] = jobs
    return state


def test_restore_and_backup_jobs_are_mapped_to_their_store_with_outcomes_and_durations() -> None:
    stores = _stores(_read(_with_jobs(JOBS)))
    records = stores["nwrecords"]
    assert records.restores is not None and records.backup_jobs is not None
    done, running = records.restores
    assert (done.outcome, done.test, done.duration_hours) == (
        "succeeded",
        False,
        pytest.approx(3, abs=1e-4),
    )
    assert done.source == "Azure Backup restore job" and done.id.endswith("/backupJobs/j1")
    assert (running.outcome, running.completed, running.duration_hours) == ("running", None, None)
    outcomes = [(j.id.rsplit("/", 1)[-1], j.kind, j.outcome) for j in records.backup_jobs]
    assert outcomes == [  # oldest first; Tiering and an undocumented status are no runs
        ("j4", "backup", "aborted"),
        ("j2", "backup", "failed"),
        ("j3", "backup", "partial"),
    ]
    assert records.backup_jobs[1].message == "UserErrorMissingRequiredPermissions: role missing"
    [listed] = [e for e in records.evidence if e.operation == "dataprotection:ListBackupJobs"]
    assert listed.fields["other jobs (operationCategory)"] == "Tiering: 1"
    assert "j7: Quarantined" in str(listed.fields)
    assert done.evidence[0].fields["properties.status"] == "Completed"
    # a job of an undocumented status hides its outcome: a gap on both facts, not a drop
    assert {(g.attribute, g.error_code) for g in records.gaps} == {
        ("restores", "UnreadableJob"),
        ("backup_jobs", "UnreadableJob"),
    }
    assert all("j7: Quarantined" in g.message for g in records.gaps)


def test_stores_without_jobs_show_none_listed_and_kinds_without_job_records_stay_unknown() -> None:
    stores = _stores(_read(_with_jobs(JOBS)))
    scratch = stores["nwscratch"]
    # in no vault: every vault's jobs were read (none of it), but its own point-in-time
    # restores and undeletes are listed by no API, so its restores stay unknown
    assert (scratch.restores, scratch.backup_jobs) == (None, [])
    [listed] = [e for e in scratch.evidence if e.operation == "dataprotection:ListBackupJobs"]
    assert listed.fields["restore jobs of this resource (every Backup vault)"] == 0
    for name in ("patients", "billing"):  # restored without any job record a listing shows
        assert (stores[name].restores, stores[name].backup_jobs) == (None, None)
        assert stores[name].gaps == []


def test_jobs_are_read_across_every_page() -> None:
    many = [
        job(VAULT, RECORDS["id"], f"b{n}", "Backup", "Failed", f"2026-11-{n + 1:02d}T02:00:00Z",
            endTime=f"2026-11-{n + 1:02d}T02:30:00Z")
        for n in range(5)
    ]  # fmt: skip
    state = _with_jobs(many)
    state.page_size = 2
    counter = CallCounter()
    records = _stores(_read(state, counter))["nwrecords"]
    assert [j.outcome for j in records.backup_jobs or []] == ["failed"] * 5  # all kept
    assert counter.counts()[("dataprotection", "ListBackupJobs")] == (3, 0)
    assert records.restores == []  # listed, none


def _two_vaults(**faults: Fault) -> ArmState:
    """bv-eu protects nwrecords; bv-ne protects nwscratch; nwthird is in neither."""
    state = _with_jobs(copy.deepcopy(JOBS[:2]), **faults)
    other = copy.deepcopy(state.resources[SUB]["backup_vaults"][0])
    other |= {"id": OTHER_VAULT, "name": "bv-ne", "location": "northeurope"}
    instance = copy.deepcopy(state.resources[SUB]["backup_instances"][0])
    instance["id"] = f"{OTHER_VAULT}/backupInstances/nwscratch-bi"
    instance["properties"]["dataSourceInfo"]["resourceID"] = SCRATCH["id"]
    policy = copy.deepcopy(DAILY) | {"id": f"{OTHER_VAULT}/backupPolicies/blob-daily"}
    instance["properties"]["policyInfo"]["policyId"] = policy["id"]
    resources = state.resources[SUB]
    resources["backup_vaults"].append(other)
    resources["backup_policies"].append(policy)
    resources["backup_instances"].append(instance)
    resources["backup_jobs"].append(
        job(OTHER_VAULT, SCRATCH["id"], "n1", "Restore", "Failed", "2026-11-19T08:00:00Z",
            endTime="2026-11-19T08:45:00Z", errorDetails=FAILED)
    )  # fmt: skip
    return state


def test_a_denied_job_listing_leaves_gaps_on_exactly_that_vaults_stores() -> None:
    denied = Fault("denied", path_end="/bv-eu/backupJobs")
    stores = _stores(_read(_two_vaults(**{SUB: denied})))
    records, scratch, third = stores["nwrecords"], stores["nwscratch"], stores["nwthird"]
    assert sorted(g.attribute for g in records.gaps) == ["backup_jobs", "restores"]
    assert {(g.cause, g.permission) for g in records.gaps} == {
        ("denied", "Microsoft.DataProtection/backupVaults/backupJobs/read")
    }
    assert (records.restores, records.backup_jobs) == (None, None)  # unknown, never []
    assert [p.enabled for p in records.protections if p.origin == "backup_service"] == [True]
    [restore] = scratch.restores or []  # the other vault's jobs stay
    assert (restore.outcome, restore.duration_hours, scratch.gaps) == ("failed", 0.75, [])
    # a store in no vault could have jobs in the vault whose listing was refused
    assert sorted(g.attribute for g in third.gaps) == ["backup_jobs", "restores"]
    assert stores["patients"].gaps == [] and stores["billing"].gaps == []


def test_the_guard_refuses_writes_on_the_jobs_route_before_they_are_sent() -> None:
    from azure.core.rest import HttpRequest
    from azure.mgmt.dataprotection import DataProtectionMgmtClient

    state = _with_jobs(JOBS)
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(DataProtectionMgmtClient, SUB)
        for method in ("PUT", "DELETE", "POST"):
            request = HttpRequest(method, f"{VAULT}/backupJobs/j1?api-version=2026-06-01")
            with pytest.raises(ReadOnlyViolation):
                client.send_request(request)
        with pytest.raises(ReadOnlyViolation):
            client.export_jobs.begin_trigger("backup", "bv-eu")
    assert state.requests == []


def test_a_seeded_estate_answers_its_restores_and_failed_backups_end_to_end() -> None:
    from datetime import datetime, timezone

    from scanner.collectors.azure.plugin import PLUGIN
    from scanner.collectors.registry import CollectRequest
    from scanner.emulator.azure.estate import AzureEstate

    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    failing = "UserErrorMissingRequiredPermissions: role missing"
    estate = AzureEstate.model_validate(
        {
            "subscriptions": [
                {
                    "id": SUB,
                    "storage": [{"name": "nwgood"}, {"name": "nwbad"}],
                    "vaults": [
                        {
                            "name": "bv",
                            "protects": [
                                {
                                    "account": "nwgood",
                                    "points": {"every": "24h", "newest": "8h", "count": 3},
                                    "jobs": [
                                        {"operation": "Restore", "status": "Completed",
                                         "started": "30h", "hours": 3.5}
                                    ],
                                },
                                {
                                    "account": "nwbad",
                                    "points": {"every": "24h", "newest": "4d", "count": 2},
                                    "jobs": [
                                        {"operation": "Restore", "status": "Failed",
                                         "started": "6d", "hours": 0.5, "error": failing},
                                        {"operation": "Backup", "status": "Failed",
                                         "started": "1d", "user": False, "error": failing},
                                    ],
                                },
                            ],
                        }
                    ],
                }
            ]
        }
    )  # fmt: skip
    with PLUGIN.emulate(estate, now) as emulated:
        request = CollectRequest(options=emulated.options, workers=4)
        snapshot = collect(PLUGIN.collector(request), lambda: now, workers=4)
    good, bad = (next(s for s in snapshot.stores if s.name == n) for n in ("nwgood", "nwbad"))
    [drill] = good.restores or []
    assert (drill.outcome, drill.duration_hours) == ("succeeded", 3.5)
    # one completed job per point is listed; only the latest success is kept
    assert [j.outcome for j in good.backup_jobs or []] == ["succeeded"]
    assert [r.outcome for r in bad.restores or []] == ["failed"]
    latest = max(bad.backup_jobs or [], key=lambda j: j.started)
    assert (latest.outcome, latest.message) == ("failed", failing)
