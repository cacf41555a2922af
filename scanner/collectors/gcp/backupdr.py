"""Backup and DR Service: vaults, plans, what they protect, and the backups they hold.

Per project, over every location (``locations/-``): ``backupVaults.list`` (minimum
enforced retention and the time it locks → immutability; access restriction; CMEK),
``backupPlans.list`` (rules: recurrence, window, retention), and
``backupPlanAssociations.list`` (which resource a plan protects, and the last backup of
each rule); then per vault ``dataSources.list`` (each data source's last backup, failed
or not: backup jobs) and per data source ``backups.list``: each ACTIVE backup is a
recovery point of the resource the data source names, kept in that vault. A resource is
matched by its name (``//sqladmin.googleapis.com/projects/P/instances/I`` and
``projects/P/instances/I`` are the same instance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.gcp.api import GcpApi, as_json
from scanner.collectors.gcp.fields import duration_seconds, location_name, rfc3339
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.gcp.jobs import backupdr_jobs
from scanner.collectors.readonly import declare
from scanner.model import (
    BackupPlan,
    BackupPlanRule,
    Evidence,
    Gap,
    Immutability,
    JobRun,
    Vault,
    Window,
)

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


@dataclass
class BackupDr:
    """What Backup and DR holds in one project."""

    vaults: list[Vault] = field(default_factory=list)
    plans: list[BackupPlan] = field(default_factory=list)
    associations: list[dict[str, Any]] = field(default_factory=list)
    backups: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    #: each resource's last backups as the data sources report them
    jobs: dict[str, list[JobRun]] = field(default_factory=dict)
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
        found.jobs.setdefault(resource, []).extend(backupdr_jobs(source))
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
    region = location_name(name.split("/locations/")[1].split("/")[0])
    return Vault(
        id=name,
        name=name.rsplit("/", 1)[-1],
        region=region,
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
                region=region,
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
