"""The Google Cloud collector: one target per project, six tasks each.

Projects come from ``--projects`` or from Resource Manager (``projects.search``: every
active project the credentials can see). Each project is read with six tasks — Cloud
Storage, Firestore, Cloud SQL, Backup and DR, its audit trail (audit-log configuration,
log buckets, sinks) and its alerting (Cloud Monitoring alert policies and notification
channels) — that list project-wide (every location at once);
its finish step applies Backup and DR to the stores it protects. A project
that refuses a listing keeps the gap in its account facts: its population is then
incomplete, never silently empty.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from scanner.collectors.base import Collector, Target, Targets
from scanner.collectors.gcp import (
    auditlogs,
    backupdr,
    firestore,
    monitoring,
    projects,
    sql,
    storage,
)
from scanner.collectors.gcp.api import GcpApi, GcpSettings
from scanner.collectors.gcp.backupdr_apply import apply_backupdr
from scanner.collectors.gcp.guard import Route
from scanner.collectors.readonly import CallCounter, ReadOperation
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.model import AccountFacts, AuditTrail, Gap, Principal, Vault
from scanner.vocabulary import Cloud

ROUTES: tuple[Route, ...] = (
    *projects.ROUTES,
    *storage.ROUTES,
    *firestore.ROUTES,
    *sql.ROUTES,
    *backupdr.ROUTES,
    *auditlogs.ROUTES,
    *monitoring.ROUTES,
)
OPERATIONS: tuple[ReadOperation, ...] = tuple(sorted({r.operation for r in ROUTES}))


class GcpCollector(Collector):
    """Reads the given projects (or every active one the credentials can list)."""

    cloud: Cloud = "gcp"

    def __init__(self, settings: GcpSettings, project_ids: tuple[str, ...] | None) -> None:
        super().__init__(CallCounter())
        self.api = GcpApi(settings, ROUTES, self.counter)
        self.project_ids = project_ids

    def targets(self) -> Targets:
        """The projects asked for, or every active project Resource Manager lists (the
        credentials are found first: none is exit 3 before any call)."""
        self.api.settings.resolved_credentials()
        found = self.project_ids or projects.active_projects(self.api)
        return Targets(reachable=[Target(p, ()) for p in found])

    def tasks(self, target: Target, now: datetime) -> list[Task]:
        """Cloud Storage, Firestore, Cloud SQL, Backup and DR, the audit trail and the
        alerting of one project."""
        project = target.account
        return [
            partial(_storage, self.api, project),
            partial(_firestore, self.api, project, now),
            partial(_sql, self.api, project, now),
            partial(_backupdr, self.api, project),
            partial(_audit_trail, self.api, project),
            partial(_alerting, self.api, project),
        ]

    def finish(
        self, target: Target, results: list[TaskResult], now: datetime
    ) -> tuple[list[StoreResult], AccountFacts]:
        """Backup and DR applied to the project's stores; its vaults, plans, audit trail,
        alert rules and gaps."""
        items = [s for r in results for s in r.stores]
        found = next(
            (f for r in results for f in r.facts if isinstance(f, backupdr.BackupDr)),
            backupdr.BackupDr(),
        )
        apply_backupdr(items, found, now)
        storage = [f for r in results for f in r.facts if isinstance(f, Vault)]
        # Every location was listed: the project's regions are where its stores and
        # vaults are (a vault's backups elsewhere were looked for).
        held = {v.region for v in [*found.vaults, *storage]}
        regions = sorted({r for i in items for r in (i.store.regions or [])} | held)
        trail = next((f for r in results for f in r.facts if isinstance(f, AuditTrail)), None)
        alerting = next(
            (f for r in results for f in r.facts if isinstance(f, monitoring.Alerting)),
            monitoring.Alerting(),
        )
        return items, AccountFacts(
            cloud="gcp",
            account=target.account,
            regions=regions,
            backup_plans=found.plans,
            vaults=sorted([*found.vaults, *storage], key=lambda v: v.id),
            audit_trail=trail,
            alert_rules=alerting.rules,
            gaps=[g for r in results for g in r.gaps] + found.gaps,
        )

    def release(self, target: Target) -> None:
        """Nothing is held per project: clients are made per listing."""

    def principals(self) -> list[Principal]:
        """The service account the credentials name, where they name one."""
        email = getattr(self.api.settings.resolved_credentials(), "service_account_email", None)
        return [Principal(cloud="gcp", account="-", principal=str(email))] if email else []


def _stores(listed: tuple[list[StoreResult], Gap | None]) -> TaskResult:
    items, gap = listed
    return TaskResult(stores=items, gaps=[gap] if gap else [])


def _storage(api: GcpApi, project: str) -> TaskResult:
    return _stores(storage.list_buckets(api, project))


def _firestore(api: GcpApi, project: str, now: datetime) -> TaskResult:
    return _stores(firestore.list_databases(api, project, now))


def _sql(api: GcpApi, project: str, now: datetime) -> TaskResult:
    items, gap, vaults = sql.list_instances(api, project, now)
    windows = sql.recovery_windows(api, project, items)
    return TaskResult(stores=items, gaps=[gap] if gap else [], facts=vaults, followups=windows)


def _backupdr(api: GcpApi, project: str) -> TaskResult:
    return TaskResult(facts=[backupdr.read_backupdr(api, project)])


def _alerting(api: GcpApi, project: str) -> TaskResult:
    alerting = monitoring.read_alerting(api, project)
    return TaskResult(facts=[alerting], gaps=alerting.gaps)


def _audit_trail(api: GcpApi, project: str) -> TaskResult:
    trail, gaps = auditlogs.read_audit_trail(api, project)
    return TaskResult(facts=[trail], gaps=gaps)
