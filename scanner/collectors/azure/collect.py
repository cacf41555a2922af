"""The Azure collector: one target per subscription, five tasks each.

Subscriptions come from ``--subscriptions`` or from the subscriptions the credential can
list. Each subscription is read with five tasks — Cosmos DB accounts, storage accounts
(then each account's blob settings), SQL servers (then each server's databases, then
each database's backups), Backup vaults, and Azure Monitor (where the activity log goes,
Log Analytics workspaces, alert rules) — that list subscription-wide; every store found
is followed by a read of its diagnostic settings. The finish step applies the vaults to
the stores they protect and assembles the audit trail and alert rules. A subscription
that refuses a listing keeps the gap in its account facts: its population is then
incomplete, never silently empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from scanner.collectors.azure import (
    alerts,
    cosmos,
    diagnostics,
    sql,
    storage,
    subscriptions,
    vaults,
)
from scanner.collectors.azure.api import AzureApi, AzureSettings
from scanner.collectors.azure.diagnostic_client import DiagnosticSettingsClient
from scanner.collectors.azure.vaults_apply import apply_vaults
from scanner.collectors.base import Collector, Target, Targets
from scanner.collectors.http_routes import Route
from scanner.collectors.readonly import CallCounter, ReadOperation
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.model import (
    AccountFacts,
    AlertRule,
    AuditTrail,
    LogRoute,
    LogStore,
    Principal,
    Vault,
)
from scanner.vocabulary import Cloud

ROUTES: tuple[Route, ...] = (
    *subscriptions.ROUTES,
    *cosmos.ROUTES,
    *storage.ROUTES,
    *sql.ROUTES,
    *vaults.ROUTES,
    *diagnostics.ROUTES,
    *alerts.ROUTES,
)
OPERATIONS: tuple[ReadOperation, ...] = tuple(sorted({r.operation for r in ROUTES}))


class AzureCollector(Collector):
    """Reads the given subscriptions (or every active one the credential can list)."""

    cloud: Cloud = "azure"

    def __init__(self, settings: AzureSettings, subscription_ids: tuple[str, ...] | None):
        super().__init__(CallCounter())
        self.api = AzureApi(settings, ROUTES, self.counter)
        self.subscription_ids = subscription_ids

    def targets(self) -> Targets:
        """The subscriptions asked for, or every active one listed (the credential is
        tried first: none is exit 3 before any call)."""
        self.api.settings.resolved_credential()
        found = self.subscription_ids or subscriptions.active_subscriptions(self.api)
        return Targets(reachable=[Target(s, ()) for s in found])

    def tasks(self, target: Target, now: datetime) -> list[Task]:
        """Cosmos DB, storage accounts, SQL (each store then its diagnostic settings),
        Backup vaults and Azure Monitor of one subscription."""
        subscription, api = target.account, self.api
        settings = api.client(DiagnosticSettingsClient, subscription)
        return [
            _and_diagnostics(api, settings, partial(_cosmos, api, subscription, now)),
            _and_diagnostics(api, settings, partial(_storage, api, subscription, now)),
            _and_diagnostics(api, settings, partial(_sql, api, subscription, now)),
            partial(_vaults, self.api, subscription),
            partial(_monitor, self.api, subscription),
        ]

    def finish(
        self, target: Target, results: list[TaskResult], now: datetime
    ) -> tuple[list[StoreResult], AccountFacts]:
        """Backup vaults applied to the subscription's stores; its vaults and gaps."""
        items = [s for r in results for s in r.stores]
        found = next(
            (f for r in results for f in r.facts if isinstance(f, vaults.BackupVaults)),
            vaults.BackupVaults(),
        )
        apply_vaults(items, found, now)
        kept = [f for r in results for f in r.facts if isinstance(f, Vault)]  # SQL LTR storage
        monitor = next(f for r in results for f in r.facts if isinstance(f, Monitor))
        regions = {r for i in items for r in (i.store.regions or [])}
        regions |= {v.region for v in [*found.vaults, *kept]}
        return items, AccountFacts(
            cloud="azure",
            account=target.account,
            regions=sorted(regions),
            vaults=sorted([*found.vaults, *kept], key=lambda v: v.id),
            audit_trail=_audit_trail(monitor, results),
            alert_rules=sorted([*monitor.alert_rules, *found.alerts], key=lambda a: a.id),
            gaps=[g for r in results for g in r.gaps] + found.gaps + found.alert_gaps,
        )

    def release(self, target: Target) -> None:
        """Nothing is held per subscription: clients are made per listing."""

    def principals(self) -> list[Principal]:
        """Who collected is not stated by the credential without a further call; none."""
        return []


@dataclass
class Monitor:
    """A subscription's Azure Monitor reads: where the activity log goes, the stores of
    records and the alert rules (what a failed read hid is named by its gap)."""

    activity_routes: list[LogRoute]
    log_stores: list[LogStore]
    alert_rules: list[AlertRule]


def _audit_trail(monitor: Monitor, results: list[TaskResult]) -> AuditTrail:
    """The activity log, then each store's diagnostic settings as read (a store whose
    read failed carries its own ``audit_trail`` gap)."""
    stores = [f for r in results for f in r.facts if isinstance(f, diagnostics.StoreDiagnostics)]
    stores.sort(key=lambda d: d.config.service)
    return AuditTrail(
        configs=[diagnostics.activity_log_config(), *(d.config for d in stores)],
        log_stores=monitor.log_stores,
        routes=[*monitor.activity_routes, *(route for d in stores for route in d.routes)],
    )


def _and_diagnostics(api: AzureApi, client: DiagnosticSettingsClient, task: Task) -> Task:
    """``task``, with a read of the diagnostic settings of every store it (or any of its
    follow-ups) finds."""

    def run() -> TaskResult:
        result = task()
        result.followups = [_and_diagnostics(api, client, f) for f in result.followups] + [
            partial(diagnostics.read_store_settings, api, client, item) for item in result.stores
        ]
        return result

    return run


def _monitor(api: AzureApi, subscription: str) -> TaskResult:
    routes, stores, gaps = diagnostics.read_subscription_trail(api, subscription)
    rules, alert_gaps = alerts.read_alert_rules(api, subscription)
    return TaskResult(facts=[Monitor(routes, stores, rules)], gaps=gaps + alert_gaps)


def _cosmos(api: AzureApi, subscription: str, now: datetime) -> TaskResult:
    items, gap = cosmos.list_accounts(api, subscription, now)
    return TaskResult(stores=items, gaps=[gap] if gap else [])


def _storage(api: AzureApi, subscription: str, now: datetime) -> TaskResult:
    items, gap, reads = storage.list_accounts(api, subscription, now)
    return TaskResult(stores=items, gaps=[gap] if gap else [], followups=reads)


def _sql(api: AzureApi, subscription: str, now: datetime) -> TaskResult:
    gap, reads = sql.list_servers(api, subscription, now)
    return TaskResult(gaps=[gap] if gap else [], followups=reads)


def _vaults(api: AzureApi, subscription: str) -> TaskResult:
    return TaskResult(facts=[vaults.read_vaults(api, subscription)])
