"""Backup and DR applied to the stores it protects: protections from plan associations,
recovery points from the vaults' backups, and the vaults as backup copies.

A resource's backups live in the vault of its association's data source
(``projects/P/locations/L/backupVaults/V/dataSources/D``), which may be in another project
(a central backup project). Backups in a vault listed with this project are recovery
points; a vault of another project is listed only with that project, so from here only
the association's last successful backup is known — a point while the plan's retention
still holds it, with a gap for the rest. What a failed listing leaves unknown is unknown
for the kinds Backup and DR protects, copies included.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.gcp.backupdr import PROTECTED_KINDS, SOURCE, BackupDr, resource_name
from scanner.collectors.gcp.fields import location_name, rfc3339
from scanner.collectors.jobs import keep_relevant, listed_from
from scanner.collectors.tasks import StoreResult
from scanner.model import BackupPlan, Copy, DataStore, Evidence, Gap, Protection, Scalar, Vault
from scanner.vocabulary import weakest_key

#: Listings whose failure hides data sources (and so their last backups).
HIDING_DATA_SOURCES = frozenset({"backupdr:ListBackupVaults", "backupdr:ListDataSources"})
_VAULT = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/backupVaults/[^/]+"
)


def apply_backupdr(items: list[StoreResult], found: BackupDr, now: datetime) -> None:
    """Protections, recovery points, vault copies and gaps of each store of a kind
    Backup and DR can protect; what it could not read is unknown for those stores only."""
    plans = {p.id: p for p in found.plans}
    vaults = {v.id: v for v in found.vaults}
    for item in items:
        store = item.store
        if store.kind not in PROTECTED_KINDS:
            continue
        mine = [
            a for a in found.associations if resource_name(str(a.get("resource", ""))) == store.id
        ]
        for association in mine:
            store.protections += _protections(association, plans, vaults)
        points = sorted(found.backups.get(store.id, []))
        _add_listed_points(item, points, vaults)
        held = {vault for _, vault in points}
        store.copies += [_vault_copy(v, True, _held_evidence(v, points)) for v in sorted(held)]
        elsewhere = _associated_vaults(item, mine, plans, vaults, held, now)
        if not points and not elsewhere and not found.gaps and store.id not in found.resource_gaps:
            item.note_listing(
                Evidence(
                    operation="backupdr:ListBackups",
                    region=store.region,
                    fields={"Backup and DR backups of this resource (every vault)": 0},
                )
            )
        _add_jobs(store, found, now)
        for gap in [*found.gaps, *found.resource_gaps.get(store.id, [])]:
            protections = gap.attribute == "protections"
            unread = gap.model_copy(update={"role": "backup"}) if protections else gap
            store.gaps += gap_for(unread, gap.attribute, "copies", resource=store.id)


def _add_jobs(store: DataStore, found: BackupDr, now: datetime) -> None:
    """The data sources' last backups join the store's jobs; a vault or data-source
    listing that failed leaves its jobs unknown."""
    jobs = found.jobs.get(store.id, [])
    if jobs:
        listed = [*(store.backup_jobs or []), *jobs]
        store.backup_jobs = keep_relevant(listed)
        listed_from(store, jobs, now)
    for gap in found.gaps:
        if gap.operation in HIDING_DATA_SOURCES:
            store.gaps += gap_for(gap, "backup_jobs", resource=store.id)


def _add_listed_points(
    item: StoreResult, points: list[tuple[datetime, str]], vaults: dict[str, Vault]
) -> None:
    if not points:
        return
    times = [when for when, _ in points]
    kept_in = sorted({v for _, v in points})
    evidence = Evidence(
        operation="backupdr:ListBackups",
        region=item.store.region,
        fields={"backups (state=ACTIVE)": len(times), "newest": times[-1].isoformat()},
    )
    key_type = weakest_key({vaults[v].key_type if v in vaults else None for v in kept_in})
    item.add_points(
        "backup_service", SOURCE, times, evidence, True, vaults=kept_in, key_type=key_type
    )


def _held_evidence(vault: str, points: list[tuple[datetime, str]]) -> Evidence:
    newest = max(when for when, v in points if v == vault)
    fields = {"backup vault": vault, "newest backup (state=ACTIVE)": newest.isoformat()}
    return Evidence(operation="backupdr:ListBackups", fields=fields)


def _associated_vaults(
    item: StoreResult,
    associations: list[dict[str, Any]],
    plans: dict[str, BackupPlan],
    vaults: dict[str, Vault],
    held: set[str],
    now: datetime,
) -> set[str]:
    """Vaults that active associations back up into, beyond those holding listed points:
    a listed vault holding none is a configured copy; a vault of another project is
    observed while the last successful backup is still kept, and leaves its other
    points unknown. Returns the vaults of other projects."""
    elsewhere: set[str] = set()
    for association in associations:
        source = str(association.get("dataSource", ""))
        vault = source.split("/dataSources/")[0]
        if not _VAULT.match(vault) or vault in held or association.get("state") != "ACTIVE":
            continue
        last = _kept_success(association, plans, now)
        read: dict[str, Scalar] = {
            "dataSource": source,
            "state": "ACTIVE",
            "lastSuccessfulBackupConsistencyTime": last,
        }
        evidence = Evidence(operation="backupdr:ListBackupPlanAssociations", fields=read)
        listed_here = vault in vaults
        item.store.copies.append(_vault_copy(vault, last is not None and not listed_here, evidence))
        if listed_here:
            continue
        elsewhere.add(vault)
        if last is not None:
            item.add_points(
                "backup_service", SOURCE, [rfc3339(last)], evidence, True, vaults=[vault]
            )
        item.store.gaps.append(_unlisted(vault, item.store.id))
    return elsewhere


def _kept_success(
    association: dict[str, Any], plans: dict[str, BackupPlan], now: datetime
) -> str | None:
    """The newest successful backup of the association (as the API wrote it) that its
    rule's retention still keeps; None when none is, or when the plan is not listed here
    and its retention is unknown."""
    plan = plans.get(str(association.get("backupPlan", "")))
    retention = {r.name: r.retention_days for r in plan.rules} if plan else {}
    kept = [
        str(info["lastSuccessfulBackupConsistencyTime"])
        for info in association.get("rulesConfigInfo", [])
        if info.get("lastSuccessfulBackupConsistencyTime")
        and (days := retention.get(str(info.get("ruleId")))) is not None
        and rfc3339(info["lastSuccessfulBackupConsistencyTime"]) + timedelta(days=days) >= now
    ]
    return max(kept, key=rfc3339, default=None)


def _unlisted(vault: str, resource: str) -> Gap:
    place = _VAULT.match(vault)
    project = place["project"] if place else "?"
    return Gap(
        attribute="recovery_points",
        operation="backupdr:ListBackups",
        error_code="VaultInAnotherProject",
        cause="dependent",
        message=(
            f"backups in vault {vault} are listed with project {project}'s resources, not "
            "this one's: only the association's last successful backup is known here"
        ),
        permission="backupdr.bvbackups.list",
        resource=resource,
    )


def _vault_copy(vault_id: str, observed: bool, evidence: Evidence) -> Copy:
    place = _VAULT.match(vault_id)
    assert place is not None
    region = location_name(place["location"])
    return Copy(
        kind="backup_copy",
        target=vault_id,
        region=region,
        account=place["project"],
        resolved=True,
        state="observed" if observed else "configured",
        source=SOURCE,
        evidence=[evidence.model_copy(update={"region": region})],
    )


def _protections(
    association: dict[str, Any], plans: dict[str, BackupPlan], vaults: dict[str, Vault]
) -> list[Protection]:
    """One protection per rule of the association's plan; a plan not listed here (in
    another project) is one protection whose schedule and retention are unknown."""
    evidence = Evidence(
        operation="backupdr:ListBackupPlanAssociations",
        fields={
            "resource": association.get("resource"),
            "backupPlan": association.get("backupPlan"),
            "state": association.get("state"),
        },
    )
    enabled = association.get("state") == "ACTIVE"
    plan_id = str(association.get("backupPlan", ""))
    found = plans.get(plan_id)
    if found is None:
        vault = str(association.get("dataSource", "")).split("/dataSources/")[0] or None
        details: dict[str, Scalar] = {"plan": plan_id, "plan_listed": False}
        name = plan_id.rsplit("/", 1)[-1]
        return [_protection(name, enabled, None, None, vault, details, evidence)]
    last = {r.get("ruleId"): r for r in association.get("rulesConfigInfo", [])}
    protections = []
    for rule in found.rules:
        info = last.get(rule.name) or {}
        details = {
            "plan": found.id,
            "last_backup_state": info.get("lastBackupState"),
            "last_successful_backup": info.get("lastSuccessfulBackupConsistencyTime"),
        }
        said = evidence.model_copy(
            update={
                "region": found.region,
                "fields": {
                    **evidence.fields,
                    "rulesConfigInfo[].lastBackupState": info.get("lastBackupState"),
                },
            }
        )
        protection = _protection(
            f"{found.name}/{rule.name}",
            enabled,
            rule,
            vaults.get(rule.vault),
            rule.vault or None,
            details,
            said,
        )
        protections.append(protection)
    return protections


def _protection(
    name: str,
    enabled: bool,
    rule: Any,
    vault: Vault | None,
    vault_id: str | None,
    details: dict[str, Scalar],
    evidence: Evidence,
) -> Protection:
    lock = vault.immutability if vault else None
    return Protection(
        role="backup",
        origin="backup_service",
        source=SOURCE,
        name=name,
        enabled=enabled,
        frequency_hours=rule.frequency_hours if rule else None,
        retention_days=rule.retention_days if rule else None,
        window=rule.window if rule else None,
        immutable=None if lock is None else lock.state == "locked",
        vault=vault_id,
        details=details,
        evidence=[evidence],
    )
