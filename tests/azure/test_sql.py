"""Azure SQL databases read with the real azure-mgmt-sql client from the fake ARM
server: point-in-time restore and its window, long-term retention, where backups are
stored, geo-replicas; the master database skipped; every failure a gap."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.sql import ROUTES, list_servers
from scanner.collectors.base import finish_store
from scanner.collectors.readonly import CallCounter
from scanner.collectors.tasks import Task, TaskResult
from scanner.emulator.azure.server import ArmState, Fault, arm_fake
from scanner.errors import ReadOnlyViolation
from scanner.model import DataStore, Gap, Vault
from tests.azure.test_cosmos import FAST, NOW, SUB

SERVER = f"/subscriptions/{SUB}/resourceGroups/data/providers/Microsoft.Sql/servers/nw-sql"


def database(name: str, backups: str = "Local", **props: Any) -> dict[str, Any]:
    """A ``Database`` as ``databases.list_by_server`` returns it."""
    return {
        "id": f"{SERVER}/databases/{name}",
        "name": name,
        "type": "Microsoft.Sql/servers/databases",
        "location": "westeurope",
        "sku": {"name": "GP_Gen5_2"},
        "tags": {"data-classification": "financial"},
        "properties": {
            "status": "Online",
            "creationDate": "2025-02-01T09:00:00Z",
            "earliestRestoreDate": "2026-11-06T12:00:00Z",
            "zoneRedundant": False,
            "currentBackupStorageRedundancy": backups,
            "requestedBackupStorageRedundancy": backups,
            **props,
        },
    }


def short_term(name: str, days: int) -> dict[str, Any]:
    return {
        "id": f"{SERVER}/databases/{name}/backupShortTermRetentionPolicies/default",
        "name": "default",
        "properties": {"retentionDays": days, "diffBackupIntervalInHours": 12},
    }


def long_term(name: str, **periods: str) -> dict[str, Any]:
    return {
        "id": f"{SERVER}/databases/{name}/backupLongTermRetentionPolicies/default",
        "name": "default",
        "properties": {
            "weeklyRetention": "PT0S",
            "monthlyRetention": "PT0S",
            "yearlyRetention": "PT0S",
            "weekOfYear": 1,
            **periods,
        },
    }


LINK = {
    "id": f"{SERVER}/databases/billing/replicationLinks/5b3f",
    "name": "5b3f",
    "properties": {
        "partnerServer": "nw-sql-dr",
        "partnerDatabase": "billing",
        "partnerLocation": "North Europe",
        "role": "Primary",
        "partnerRole": "Secondary",
        "linkType": "GEO",
        "replicationState": "CATCH_UP",
    },
}


LTR = (
    f"/subscriptions/{SUB}/providers/Microsoft.Sql/locations/westeurope/longTermRetentionServers"
    "/nw-sql/longTermRetentionDatabases/billing/longTermRetentionBackups"
)
LTR_BACKUPS = [
    {
        "id": f"{LTR}/{n}",
        "name": str(n),
        "properties": {
            "backupTime": when,
            "backupStorageRedundancy": "Geo",
            "isBackupImmutable": True,
            "timeBasedImmutability": "Enabled",
            "timeBasedImmutabilityMode": "Locked",
        },
    }
    for n, when in enumerate(
        ["2026-09-01T01:00:00Z", "2026-10-01T01:00:00Z", "2026-11-01T01:00:00Z"]
    )
]


def tde(name: str, state: str = "Enabled") -> dict[str, Any]:
    return {
        "id": f"{SERVER}/databases/{name}/transparentDataEncryption/current",
        "name": "current",
        "properties": {"state": state},
    }


def _state(**faults: Fault) -> ArmState:
    server = {"id": SERVER, "name": "nw-sql", "location": "westeurope", "properties": {}}
    protector = {
        "id": f"{SERVER}/encryptionProtector/current",
        "name": "current",
        "properties": {
            "serverKeyType": "AzureKeyVault",
            "uri": "https://kv.vault.azure.net/keys/sql/1",
        },
    }
    return ArmState(
        resources={
            SUB: {
                "sql_servers": [server],
                "sql_databases": [
                    database("master"),
                    database("billing", "Geo"),
                    database("scratch"),
                ],
                "sql_short_term": [short_term("billing", 14), short_term("scratch", 7)],
                "sql_long_term": [
                    long_term(
                        "billing",
                        weeklyRetention="P4W",
                        monthlyRetention="P12M",
                        yearlyRetention="P7Y",
                        timeBasedImmutability="Enabled",
                        timeBasedImmutabilityMode="Locked",
                    ),
                    long_term("scratch"),
                ],
                "sql_links": [LINK],
                "sql_ltr_backups": LTR_BACKUPS,
                "sql_tde": [tde("billing"), tde("scratch", "Disabled")],
                "sql_protectors": [protector],
            }
        },
        faults=dict(faults),
        retry_after="0",
    )


def _run(tasks: list[Task]) -> list[TaskResult]:
    """Run tasks and their followups, as the collector's pool does."""
    results = []
    while tasks:
        result = tasks.pop(0)()
        results.append(result)
        tasks += result.followups
    return results


def _collect(state: ArmState) -> tuple[dict[str, DataStore], list[Gap], CallCounter]:
    counter = CallCounter()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        gap, tasks = list_servers(api, SUB, NOW)
        results = _run(tasks)
    stores = {i.store.name: finish_store(i) for r in results for i in r.stores}
    return stores, [gap] if gap else [g for r in results for g in r.gaps], counter


def test_a_well_and_a_badly_protected_database_and_master_skipped() -> None:
    stores, gaps, counter = _collect(_state())
    assert gaps == [] and sorted(stores) == ["billing", "scratch"]
    billing, scratch = stores["billing"], stores["scratch"]
    roles = {p.role: p for p in billing.protections}
    assert roles["continuous"].retention_days == 14
    ltr = roles["backup"]
    # seven calendar years from 2026-01-01, two leap days among them
    assert ltr.enabled and ltr.frequency_hours == 168 and ltr.retention_days == 2557
    assert ltr.immutable is True
    points = billing.recovery_points
    # the LTR backups reach further back than point-in-time restore
    assert points.oldest == datetime(2026, 9, 1, 1, tzinfo=timezone.utc) and points.newest == NOW
    ltr_points = next(s for s in points.sources if s.kind == "native_backup")
    assert ltr_points.count == 3 and ltr_points.vaults == [f"{billing.id}/longTermRetentionBackups"]
    assert ltr.vault == ltr_points.vaults[0]
    assert billing.encryption is not None and billing.encryption.key_type == "customer_managed"
    window = next(s for s in points.sources if s.kind == "continuous")
    assert window.key_type == "customer_managed" and window.encrypted is True
    assert scratch.encryption is not None and not scratch.encryption.enabled
    copies = {(c.kind, c.region, c.state) for c in billing.copies}
    assert copies == {
        ("geo_secondary", "northeurope", "configured"),  # a setting, not seen
        ("replica", "northeurope", "observed"),
    }
    assert billing.gaps == []
    assert not next(p for p in scratch.protections if p.role == "backup").enabled
    assert scratch.copies == []
    assert counter.counts()[("sql", "GetLongTermRetentionPolicy")] == (2, 0)
    # LTR backups only where the policy keeps some; one protector per server
    assert counter.counts()[("sql", "ListLongTermRetentionBackups")] == (1, 0)
    assert counter.counts()[("sql", "GetEncryptionProtector")] == (1, 0)


def test_the_long_term_retention_storage_is_a_vault_locked_by_the_policy() -> None:
    counter = CallCounter()
    with arm_fake(_state()) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, counter)
        _, tasks = list_servers(api, SUB, NOW)
        results = _run(tasks)
    [vault] = [f for r in results for f in r.facts if isinstance(f, Vault)]
    assert vault.id.endswith("/databases/billing/longTermRetentionBackups")
    assert vault.immutability is not None and vault.immutability.state == "locked"
    assert vault.key_type == "customer_managed"


def test_an_unreadable_protector_leaves_only_the_key_type_unknown() -> None:
    stores, _, _ = _collect(
        _state(**{SUB: Fault("denied", path_end="/encryptionProtector/current")})
    )
    billing = stores["billing"]
    assert billing.encryption is not None and billing.encryption.enabled
    assert billing.encryption.key_type is None
    assert [g.attribute for g in billing.gaps] == ["encryption_key"]


def test_a_database_with_its_own_key_is_customer_managed_whatever_its_server_says() -> None:
    key = "https://kv.vault.azure.net/keys/ledger-db/2"
    state = _state(**{SUB: Fault("denied", path_end="/encryptionProtector/current")})
    state.resources[SUB]["sql_databases"] = [
        database("billing", encryptionProtector=key) if d["name"] == "billing" else d
        for d in state.resources[SUB]["sql_databases"]
    ]
    billing = _collect(state)[0]["billing"]
    assert billing.encryption is not None
    assert (billing.encryption.key_type, billing.encryption.key_id) == ("customer_managed", key)
    assert billing.gaps == []  # the server's protector does not decide this database's key


def test_a_denied_long_term_policy_leaves_only_that_protection_unknown() -> None:
    denied = Fault("denied", path_end="/backupLongTermRetentionPolicies/default")
    stores, _, _ = _collect(_state(**{SUB: denied}))
    [unread] = stores["billing"].gaps
    assert (unread.attribute, unread.role, unread.cause) == ("protections", "backup", "denied")
    assert unread.permission == (
        "Microsoft.Sql/servers/databases/backupLongTermRetentionPolicies/read"
    )
    assert [p.role for p in stores["billing"].protections] == ["continuous"]


def test_a_refused_database_listing_is_a_gap_naming_the_server() -> None:
    stores, gaps, _ = _collect(_state(**{SUB: Fault("denied", path_end="/databases")}))
    assert stores == {}
    [gap] = gaps
    assert (gap.attribute, gap.resource) == ("inventory", SERVER)


def test_unreadable_replication_links_leave_copies_unknown() -> None:
    stores, _, _ = _collect(_state(**{SUB: Fault("unavailable", path_end="/replicationLinks")}))
    [unread] = stores["billing"].gaps
    assert unread.attribute == "copies" and unread.message.endswith("(after retries)")
    assert [c.kind for c in stores["billing"].copies] == ["geo_secondary"]


def test_the_guard_refuses_deleting_a_database_before_it_is_sent() -> None:
    from azure.mgmt.sql import SqlManagementClient

    state = _state()
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        client = api.client(SqlManagementClient, SUB)
        with pytest.raises(ReadOnlyViolation):
            client.databases.begin_delete("data", "nw-sql", "billing")
    assert state.requests == []


def test_a_database_answered_without_its_redundancy_fields_leaves_its_copies_unknown() -> None:
    bare = database("bare", "Geo")
    del bare["properties"]["zoneRedundant"], bare["properties"]["currentBackupStorageRedundancy"]
    state = _state()
    state.resources[SUB]["sql_databases"] = [bare]
    stores, _, _ = _collect(state)
    store = stores["bare"]
    assert store.redundancy is None and store.copies == []
    assert {(g.attribute, g.error_code) for g in store.gaps} >= {
        ("copies", "ZoneRedundantAbsent"),
        ("copies", "BackupStorageRedundancyAbsent"),
    }


def test_a_backup_taken_before_immutability_is_held_apart_from_the_locked_ones() -> None:
    state = _state()
    state.resources[SUB]["sql_ltr_backups"] = copy.deepcopy(LTR_BACKUPS)
    first = state.resources[SUB]["sql_ltr_backups"][0]["properties"]
    first.update(isBackupImmutable=False, timeBasedImmutability="Disabled")
    del first["timeBasedImmutabilityMode"]
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        _, tasks = list_servers(api, SUB, NOW)
        results = _run(tasks)
    held = [v for r in results for v in r.facts if isinstance(v, Vault)]
    vaults = {v.immutability.state: v for v in held if v.immutability}
    assert sorted(vaults) == ["disabled", "locked"]
    billing = next(i.store for r in results for i in r.stores if i.store.name == "billing")
    held = {s.vaults[0]: s.count for s in billing.recovery_points.sources if s.vaults}
    assert held == {vaults["locked"].id: 2, vaults["disabled"].id: 1}


def test_a_backup_that_does_not_state_its_immutability_is_held_as_unknown() -> None:
    state = _state()
    state.resources[SUB]["sql_ltr_backups"] = copy.deepcopy(LTR_BACKUPS)
    last = state.resources[SUB]["sql_ltr_backups"][-1]["properties"]
    del last["isBackupImmutable"], last["timeBasedImmutabilityMode"]
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        _, tasks = list_servers(api, SUB, NOW)
        results = _run(tasks)
    vaults = {v.name: v for r in results for v in r.facts if isinstance(v, Vault)}
    unknown = next(v for name, v in vaults.items() if name.endswith("(unknown immutability)"))
    assert unknown.immutability is None  # not the policy's Locked of today


def _audit(resource: str, **props: Any) -> dict[str, Any]:
    return {"id": f"{resource}/auditingSettings/default", "name": "Default", "properties": props}


def test_server_and_database_auditing_give_the_events_recorded_and_where_they_go() -> None:
    from scanner.collectors.azure.diagnostics import StoreDiagnostics

    state = _state()
    state.resources[SUB]["sql_server_auditing"] = [
        _audit(
            SERVER,
            state="Enabled",
            auditActionsAndGroups=["FAILED_DATABASE_AUTHENTICATION_GROUP"],
            storageEndpoint="https://nwaudit.blob.core.windows.net/",
            retentionDays=365,
            isAzureMonitorTargetEnabled=False,
        )
    ]
    state.resources[SUB]["sql_database_auditing"] = [
        _audit(
            f"{SERVER}/databases/billing",
            state="Enabled",
            auditActionsAndGroups=["BATCH_COMPLETED_GROUP"],
            isAzureMonitorTargetEnabled=True,
        )
    ]
    with arm_fake(state) as endpoint:
        api = AzureApi(AzureSettings(endpoint=endpoint, retry=FAST), ROUTES, CallCounter())
        _, tasks = list_servers(api, SUB, NOW)
        results = _run(tasks)
    found = {
        f.config.service.rsplit("/", 1)[-1]: f
        for r in results
        for f in r.facts
        if isinstance(f, StoreDiagnostics)
    }
    # the server's policy records logins only; the billing database's own adds its queries
    assert found["scratch"].config.events == []
    assert found["billing"].config.events == ["admin_write", "data_read", "data_write"]
    assert {r.destination for r in found["billing"].routes} == {
        "https://nwaudit.blob.core.windows.net/",
        "Azure Monitor (SQLSecurityAuditEvents of a diagnostic setting)",
    }


def test_an_unreadable_server_auditing_policy_is_a_gap_of_each_database_only() -> None:
    stores, _, _ = _collect(
        _state(**{SUB: Fault("denied", path_end="/nw-sql/auditingSettings/default")})
    )
    for store in stores.values():
        assert [(g.attribute, g.permission) for g in store.gaps] == [
            ("audit_trail", "Microsoft.Sql/servers/auditingSettings/read")
        ]
