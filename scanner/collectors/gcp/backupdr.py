"""Backup and DR Service: vaults, plans, what they protect, and the backups they hold.

Per project, over every location (``locations/-``): ``backupVaults.list`` (minimum
enforced retention and the time it locks → immutability; access restriction; CMEK),
``backupPlans.list`` (rules: recurrence, window, retention), and
``backupPlanAssociations.list`` (which resource a plan protects, and the last backup of
each rule); then per vault ``dataSources.list`` and per data source ``backups.list``:
each ACTIVE backup is a recovery point of the resource the data source names, kept in
that vault. A resource is matched by its name (``//sqladmin.googleapis.com/projects/P/
instances/I`` and ``projects/P/instances/I`` are the same instance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.gcp.api import GcpApi, as_json
from scanner.collectors.gcp.fields import duration_seconds, location_name, rfc3339
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import StoreResult
from scanner.model import (
    BackupPlan,
    BackupPlanRule,
    Copy,
    Evidence,
    Gap,
    Immutability,
    Protection,
    Scalar,
    Vault,
    Window,
)
from scanner.vocabulary import weakest_key

OPERATIONS = declare(
    "backupdr",
    {
        "ListBackupVaults": "backupdr.backupVaults.list",
        "ListBackupPlans": "backupdr.backupPlans.list",
        "ListBackupPlanAssociations": "backupdr.backupPlanAssociations.list",
        "ListDataSources": "backupdr.bvdataSources.list",
        "ListBackups": "backupdr.bvbackups.list",
    },
)
_L = r"/v1/projects/[^/]+/locations/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(OPERATIONS[0], "GET", _L + r"/backupVaults"),
    route(OPERATIONS[1], "GET", _L + r"/backupPlans"),
    route(OPERATIONS[2], "GET", _L + r"/backupPlanAssociations"),
    route(OPERATIONS[3], "GET", _L + r"/backupVaults/[^/]+/dataSources"),
    route(OPERATIONS[4], "GET", _L + r"/backupVaults/[^/]+/dataSources/[^/]+/backups"),
)
SOURCE = "Backup and DR"
#: The kinds of store Backup and DR can protect (of those collected): Cloud SQL instances.
PROTECTED_KINDS = frozenset({"gcp.sql.instance"})
_RECURRENCE_HOURS = {"DAILY": 24.0, "WEEKLY": 168.0, "MONTHLY": 744.0, "YEARLY": 8784.0}
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SERVICE_PREFIX = re.compile(r"^//[^/]+/")
_VAULT = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/backupVaults/[^/]+"
)


@dataclass
class BackupDr:
    """What Backup and DR holds in one project."""

    vaults: list[Vault] = field(default_factory=list)
    plans: list[BackupPlan] = field(default_factory=list)
    associations: list[dict[str, Any]] = field(default_factory=list)
    backups: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    #: listings that failed for the whole project (every store's protection is unknown)
    gaps: list[Gap] = field(default_factory=list)
    #: backups listings that failed for one resource
    resource_gaps: dict[str, list[Gap]] = field(default_factory=dict)


def resource_name(name: str) -> str:
    """``//sqladmin.googleapis.com/projects/P/instances/I`` → ``projects/P/instances/I``."""
    return _SERVICE_PREFIX.sub("", name)


def read_backupdr(api: GcpApi, project: str) -> BackupDr:
    """Vaults, plans, associations and every vault's backups; what cannot be read is a
    gap (and, for a vault's backups, a vault whose points stay unknown)."""
    from google.cloud import backupdr_v1

    client = api.gapic(backupdr_v1.BackupDRClient)
    everywhere = f"projects/{project}/locations/-"
    found = BackupDr()
    lists = {
        "vaults": ("ListBackupVaults", client.list_backup_vaults, "backup_vaults"),
        "plans": ("ListBackupPlans", client.list_backup_plans, "backup_plans"),
        "associations": (
            "ListBackupPlanAssociations",
            client.list_backup_plan_associations,
            "backup_plan_associations",
        ),
    }
    answers: dict[str, list[dict[str, Any]]] = {}
    for key, (operation, method, items) in lists.items():
        read = partial(_pages, method, everywhere, api, items)
        listing = api.pages("backupdr", operation, "protections", read)
        if listing.gap is not None:
            found.gaps.append(listing.gap)
        answers[key] = [as_json(i) for i in listing.items]
    found.vaults = [vault(v, project) for v in answers["vaults"]]
    found.plans = [plan(p) for p in answers["plans"]]
    found.associations = answers["associations"]
    for each in answers["vaults"]:
        _read_vault_backups(api, client, each["name"], found)
    return found


def _pages(method: Any, parent: str, api: GcpApi, items: str) -> Any:
    """The ``items`` field of each page (a GAPIC pager's pages are whole responses)."""
    return (getattr(page, items) for page in method(parent=parent, retry=api.retry()).pages)


def _read_vault_backups(api: GcpApi, client: Any, vault_name: str, found: BackupDr) -> None:
    sources = api.pages(
        "backupdr",
        "ListDataSources",
        "recovery_points",
        partial(_pages, client.list_data_sources, vault_name, api, "data_sources"),
    )
    if sources.gap is not None:
        found.gaps.append(sources.gap)
        return
    for source in (as_json(s) for s in sources.items):
        resource = resource_name(
            str((source.get("dataSourceGcpResource") or {}).get("gcpResourcename", ""))
        )
        backups = api.pages(
            "backupdr",
            "ListBackups",
            "recovery_points",
            partial(_pages, client.list_backups, source["name"], api, "backups"),
        )
        if backups.gap is not None:
            found.resource_gaps.setdefault(resource, []).append(backups.gap)
            continue
        for backup in (as_json(b) for b in backups.items):
            when = backup.get("consistencyTime") or backup.get("createTime")
            if backup.get("state") == "ACTIVE" and when:
                found.backups.setdefault(resource, []).append((rfc3339(when), vault_name))


def vault(answer: dict[str, Any], project: str) -> Vault:
    """A Backup and DR vault: a minimum enforced retention makes it immutable, locked
    from ``effectiveTime`` on (before, it can still be lowered)."""
    name = str(answer["name"])
    seconds = duration_seconds(answer.get("backupMinimumEnforcedRetentionDuration")) or 0.0
    effective = answer.get("effectiveTime")
    state = "disabled" if not seconds else "locked" if effective else "unlocked"
    key = (answer.get("encryptionConfig") or {}).get("kmsKeyName")
    return Vault(
        id=name,
        name=name.rsplit("/", 1)[-1],
        region=name.split("/locations/")[1].split("/")[0],
        account=project,
        key_type="customer_managed" if key else "provider_managed",
        key_id=key,
        immutability=Immutability(
            state=state,
            min_retention_days=int(seconds // 86400) if seconds else None,
            locked_since=rfc3339(effective) if effective else None,
        ),
        recovery_point_count=int(answer.get("backupCount") or 0),
        evidence=[
            Evidence(
                operation="backupdr:ListBackupVaults",
                region=name.split("/locations/")[1].split("/")[0],
                fields={
                    "backupMinimumEnforcedRetentionDuration": answer.get(
                        "backupMinimumEnforcedRetentionDuration"
                    ),
                    "effectiveTime": effective,
                    "accessRestriction": answer.get("accessRestriction"),
                    "state": answer.get("state"),
                    "encryptionConfig.kmsKeyName": key,
                },
            )
        ],
    )


def plan(answer: dict[str, Any]) -> BackupPlan:
    """A backup plan and its rules (recurrence, window, retention)."""
    name = str(answer["name"])
    return BackupPlan(
        id=name,
        name=name.rsplit("/", 1)[-1],
        region=name.split("/locations/")[1].split("/")[0],
        rules=[_rule(r, str(answer.get("backupVault", ""))) for r in answer.get("backupRules", [])],
        selections=[str(answer.get("resourceType", ""))],
    )


def _rule(rule: dict[str, Any], vault_name: str) -> BackupPlanRule:
    schedule = rule.get("standardSchedule") or {}
    recurrence = schedule.get("recurrenceType")
    return BackupPlanRule(
        name=str(rule.get("ruleId", "")),
        vault=vault_name,
        schedule=str(recurrence) if recurrence else None,
        frequency_hours=_interval_hours(schedule),
        retention_days=float(rule["backupRetentionDays"])
        if rule.get("backupRetentionDays")
        else None,
        window=_window(schedule),
    )


def _interval_hours(schedule: dict[str, Any]) -> float | None:
    """The longest time between two scheduled backups: ``hourlyFrequency`` for HOURLY,
    the widest gap between the chosen weekdays for WEEKLY, else the recurrence's period."""
    recurrence = str(schedule.get("recurrenceType"))
    if recurrence == "HOURLY":
        return float(schedule.get("hourlyFrequency") or 0) or None
    days = sorted({_WEEKDAYS.index(d) for d in schedule.get("daysOfWeek", []) if d in _WEEKDAYS})
    if recurrence == "WEEKLY" and days:
        gaps = [(b - a) % 7 or 7 for a, b in zip(days, [*days[1:], days[0]], strict=True)]
        return 24.0 * max(gaps)
    return _RECURRENCE_HOURS.get(recurrence)


def _window(schedule: dict[str, Any]) -> Window | None:
    """The backup window; an hour left out of the JSON is 0 (proto3 drops zeros)."""
    window = schedule.get("backupWindow")
    if not window or window.get("endHourOfDay") is None:
        return None
    start, end = int(window.get("startHourOfDay", 0)), int(window["endHourOfDay"])
    return Window(
        start=f"{start:02d}:00",
        duration_minutes=((end - start) % 24 or 24) * 60,
        timezone=str(schedule.get("timeZone") or "UTC"),
    )


def apply_backupdr(items: list[StoreResult], found: BackupDr) -> None:
    """Protections, recovery points and gaps of each store of a kind Backup and DR can
    protect; what it could not read is unknown for those stores only."""
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
        store.copies += vault_copies(mine, points)
        if not points and not found.gaps and store.id not in found.resource_gaps:
            item.note_listing(
                Evidence(
                    operation="backupdr:ListBackups",
                    region=store.region,
                    fields={"Backup and DR backups of this resource (every vault)": 0},
                )
            )
        if points:
            times = [when for when, _ in points]
            kept_in = sorted({v for _, v in points})
            evidence = Evidence(
                operation="backupdr:ListBackups",
                region=store.region,
                fields={"backups (state=ACTIVE)": len(times), "newest": times[-1].isoformat()},
            )
            key_type = weakest_key({vaults[v].key_type if v in vaults else None for v in kept_in})
            item.add_points(
                "backup_service", SOURCE, times, evidence, True, vaults=kept_in, key_type=key_type
            )
        for gap in [*found.gaps, *found.resource_gaps.get(store.id, [])]:
            protections = gap.attribute == "protections"
            unread = gap.model_copy(update={"role": "backup"}) if protections else gap
            store.gaps += gap_for(unread, gap.attribute, resource=store.id)


def vault_copies(
    associations: list[dict[str, Any]], points: list[tuple[datetime, str]]
) -> list[Copy]:
    """The vaults holding a resource's backups, as backup copies in the vault's location
    and project: observed where its backups were listed (``backups.list``) or where an
    association's data source last backed up successfully; configured where an active
    association's data source has no successful backup yet. A vault may sit in another
    region or project than the resource."""
    held: dict[str, tuple[bool, Evidence]] = {}
    for when, vault_id in points:
        fields = {"backup vault": vault_id, "newest backup (state=ACTIVE)": when.isoformat()}
        held[vault_id] = (True, Evidence(operation="backupdr:ListBackups", fields=fields))
    for association in associations:
        source = str(association.get("dataSource", ""))
        vault_id, last = source.split("/dataSources/")[0], _last_success(association)
        if not _VAULT.match(vault_id) or held.get(vault_id, (False,))[0]:
            continue
        if last is None and association.get("state") != "ACTIVE":
            continue
        read: dict[str, Scalar] = {
            "dataSource": source,
            "lastSuccessfulBackupConsistencyTime": last,
        }
        evidence = Evidence(operation="backupdr:ListBackupPlanAssociations", fields=read)
        held[vault_id] = (last is not None, evidence)
    return [_vault_copy(v, seen, evidence) for v, (seen, evidence) in sorted(held.items())]


def _last_success(association: dict[str, Any]) -> str | None:
    """The newest successful backup of any of the association's rules."""
    times = [
        str(r["lastSuccessfulBackupConsistencyTime"])
        for r in association.get("rulesConfigInfo", [])
        if r.get("lastSuccessfulBackupConsistencyTime")
    ]
    return max(times, key=rfc3339, default=None)


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
    found = plans.get(str(association.get("backupPlan", "")))
    if found is None:
        return []
    last = {r.get("ruleId"): r for r in association.get("rulesConfigInfo", [])}
    protections = []
    for rule in found.rules:
        kept = vaults.get(rule.vault)
        lock = kept.immutability if kept else None
        info = last.get(rule.name) or {}
        protections.append(
            Protection(
                role="backup",
                origin="backup_service",
                source=SOURCE,
                name=f"{found.name}/{rule.name}",
                enabled=association.get("state") == "ACTIVE",
                frequency_hours=rule.frequency_hours,
                retention_days=rule.retention_days,
                window=rule.window,
                immutable=None if lock is None else lock.state == "locked",
                vault=rule.vault or None,
                details={
                    "plan": found.id,
                    "last_backup_state": info.get("lastBackupState"),
                    "last_successful_backup": info.get("lastSuccessfulBackupConsistencyTime"),
                },
                evidence=[
                    Evidence(
                        operation="backupdr:ListBackupPlanAssociations",
                        region=found.region,
                        fields={
                            "resource": association.get("resource"),
                            "backupPlan": association.get("backupPlan"),
                            "state": association.get("state"),
                            "rulesConfigInfo[].lastBackupState": info.get("lastBackupState"),
                        },
                    )
                ],
            )
        )
    return protections
