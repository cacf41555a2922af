"""A REST fake of the Google Cloud APIs backup-audit reads, on 127.0.0.1.

Answers are shaped as the REST references give them: field names in camelCase, enums as
names, durations as ``"604800s"``, paging with ``pageToken`` / ``nextPageToken``. Errors
follow each API: Cloud Storage's JSON API answers ``{"error": {"code", "message",
"errors": [{"reason", "domain", "message"}]}}``; the other APIs answer the standard
``{"error": {"code", "message", "status"}}``. A project (or one service of it) can be
made to refuse (403), to throttle a number of times (429) or to fail (503). Every
request is recorded, so tests can prove what was, and was not, sent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import SplitResult, parse_qs, unquote

from scanner.emulator.gcp.answers import Answer, page, status
from scanner.emulator.gcp.operations import OPERATION_ROUTES
from scanner.emulator.local import JsonHandler, serving

FaultKind = Literal["denied", "throttled", "unavailable"]
_FAULTS: dict[str, tuple[int, str, str, str]] = {
    "denied": (403, "forbidden", "PERMISSION_DENIED", "The caller does not have permission"),
    "throttled": (429, "rateLimitExceeded", "RESOURCE_EXHAUSTED", "Quota exceeded"),
    "unavailable": (503, "backendError", "UNAVAILABLE", "The service is unavailable"),
}


@dataclass
class Fault:
    """How a project misbehaves: ``times`` answers of this kind (for ``service`` only,
    e.g. ``firestore``, or every service; for paths ending with ``path_end`` only, e.g.
    ``/backups``), then normal ones."""

    kind: FaultKind
    times: int = 1_000_000
    service: str | None = None
    path_end: str | None = None


@dataclass
class FirestoreDatabase:
    """A Firestore database (``Database`` JSON) with its schedules and backups."""

    database: dict[str, Any]
    schedules: list[dict[str, Any]] = field(default_factory=list)
    backups: list[dict[str, Any]] = field(default_factory=list)
    #: its long-running operations (``Operation`` JSON: a restore into it, …)
    operations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BackupDrState:
    """Backup and DR in one project: vaults, plans and associations (JSON as listed),
    each vault's data sources and each data source's backups, by parent name."""

    vaults: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    associations: list[dict[str, Any]] = field(default_factory=list)
    data_sources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    backups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class GcpState:
    """What the fake holds, per project, and how it misbehaves."""

    buckets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    firestore: dict[str, list[FirestoreDatabase]] = field(default_factory=dict)
    sql_instances: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sql_backup_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: project → instance → its ``getLatestRecoveryTime`` answer (PITR on)
    sql_recovery: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    backupdr: dict[str, BackupDrState] = field(default_factory=dict)
    #: Each project's IAM policy (``Policy`` JSON: bindings, auditConfigs)
    iam_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Cloud Logging's log buckets (``LogBucket`` JSON) and sinks (``LogSink``)
    log_buckets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sinks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: intercepting sinks of a project's folders and organisation, listed only with
    #: ``filter=in_scope("ALL")`` or ``in_scope("ANCESTOR")``
    ancestor_sinks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Cloud Monitoring's alert policies (``AlertPolicy`` JSON) and notification channels
    alert_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notification_channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Resource Manager's projects (``projects.search`` items); refused if None
    projects: list[dict[str, Any]] | None = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    page_size: int = 50
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


Handler = Callable[[GcpState, dict[str, str], dict[str, str]], Answer]


def _storage_buckets(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    items = sorted(state.buckets.get(query.get("project", ""), []), key=lambda b: b["name"])
    return 200, {"kind": "storage#buckets", **page(items, query, state.page_size, "items")}


def _databases(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    found = state.firestore.get(path["project"], [])
    return 200, {"databases": [d.database for d in found]}


def _schedules(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    # the client sends ``(default)`` percent-encoded
    name = f"projects/{path['project']}/databases/{unquote(path['database'])}"
    for found in state.firestore.get(path["project"], []):
        if found.database["name"] == name:
            return 200, {"backupSchedules": found.schedules}
    return status(404, "NOT_FOUND", f"Database {name} not found")


def _backups(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    location = path["location"]
    backups = [
        b
        for found in state.firestore.get(path["project"], [])
        for b in found.backups
        if location == "-" or f"/locations/{location}/" in b["name"]
    ]
    return 200, {"backups": sorted(backups, key=lambda b: b["name"])}


def _sql_instances(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    items = sorted(state.sql_instances.get(path["project"], []), key=lambda i: i["name"])
    return 200, {"kind": "sql#instancesList", **page(items, query, state.page_size, "items")}


def _sql_backup_runs(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    runs = [
        r
        for r in state.sql_backup_runs.get(path["project"], [])
        if path["instance"] == "-" or r["instance"] == path["instance"]
    ]
    runs.sort(key=lambda r: (r["instance"], r.get("startTime", "")), reverse=True)
    return 200, {"kind": "sql#backupRunsList", **page(runs, query, state.page_size, "items")}


def _sql_recovery(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    found = state.sql_recovery.get(path["project"], {}).get(path["instance"])
    if found is None:
        message = f"Point-in-time recovery is not enabled for {path['instance']}"
        return status(400, "FAILED_PRECONDITION", message)
    return 200, {"kind": "sql#getLatestRecoveryTime", **found}


def _in_location(items: list[dict[str, Any]], location: str) -> list[dict[str, Any]]:
    return sorted(
        (i for i in items if location == "-" or f"/locations/{location}/" in i["name"]),
        key=lambda i: i["name"],
    )


def _bdr_list(key: str, attribute: str) -> Handler:
    def answer(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
        found = state.backupdr.get(path["project"], BackupDrState())
        items = _in_location(getattr(found, attribute), path["location"])
        return 200, {**page(items, query, state.page_size, key), "unreachable": []}

    return answer


def _bdr_children(key: str, attribute: str) -> Handler:
    def answer(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
        found = state.backupdr.get(path["project"], BackupDrState())
        parent = path["parent"]
        items = sorted(getattr(found, attribute).get(parent, []), key=lambda i: i["name"])
        return 200, page(items, query, state.page_size, key)

    return answer


_BDR = r"/v1/(?P<parent>projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"


def _search_projects(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    if state.projects is None:
        return status(403, "PERMISSION_DENIED", "The caller cannot search projects")
    items = sorted(state.projects, key=lambda p: p["projectId"])
    return 200, page(items, query, state.page_size, "projects")


def _iam_policy(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    return 200, state.iam_policies.get(path["project"], {"version": 1, "etag": "BwYAAAAAAAA="})


def _log_buckets(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    items = _in_location(state.log_buckets.get(path["project"], []), path["location"])
    return 200, page(items, query, state.page_size, "buckets")


def _sinks(state: GcpState, path: dict[str, str], query: dict[str, str]) -> Answer:
    scope = query.get("filter") or 'in_scope("DEFAULT")'
    own = state.sinks.get(path["project"], []) if "ANCESTOR" not in scope else []
    ancestors = state.ancestor_sinks.get(path["project"], []) if "DEFAULT" not in scope else []
    items = sorted([*own, *ancestors], key=lambda s: s["name"])
    return 200, page(items, query, state.page_size, "sinks")


ROUTES: tuple[tuple[str, str, re.Pattern[str], Handler], ...] = (
    ("storage", "GET", re.compile(r"/storage/v1/b"), _storage_buckets),
    ("cloudresourcemanager", "GET", re.compile(r"/v3/projects:search"), _search_projects),
    (
        "cloudresourcemanager",
        "POST",
        re.compile(r"/v3/projects/(?P<project>[^/]+):getIamPolicy"),
        _iam_policy,
    ),
    (
        "logging",
        "GET",
        re.compile(r"/v2/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/buckets"),
        _log_buckets,
    ),
    ("logging", "GET", re.compile(r"/v2/projects/(?P<project>[^/]+)/sinks"), _sinks),
    (
        "firestore",
        "GET",
        re.compile(r"/v1/projects/(?P<project>[^/]+)/databases"),
        _databases,
    ),
    (
        "sqladmin",
        "GET",
        re.compile(r"/sql/v1beta4/projects/(?P<project>[^/]+)/instances"),
        _sql_instances,
    ),
    ("backupdr", "GET", re.compile(_BDR + r")/backupVaults"), _bdr_list("backupVaults", "vaults")),
    ("backupdr", "GET", re.compile(_BDR + r")/backupPlans"), _bdr_list("backupPlans", "plans")),
    (
        "backupdr",
        "GET",
        re.compile(_BDR + r")/backupPlanAssociations"),
        _bdr_list("backupPlanAssociations", "associations"),
    ),
    (
        "backupdr",
        "GET",
        re.compile(_BDR + r"/backupVaults/[^/]+)/dataSources"),
        _bdr_children("dataSources", "data_sources"),
    ),
    (
        "backupdr",
        "GET",
        re.compile(_BDR + r"/backupVaults/[^/]+/dataSources/[^/]+)/backups"),
        _bdr_children("backups", "backups"),
    ),
    (
        "sqladmin",
        "GET",
        re.compile(
            r"/sql/v1beta4/projects/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/backupRuns"
        ),
        _sql_backup_runs,
    ),
    (
        "sqladmin",
        "GET",
        re.compile(
            r"/sql/v1beta4/projects/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)"
            r"/getLatestRecoveryTime"
        ),
        _sql_recovery,
    ),
    (
        "firestore",
        "GET",
        re.compile(
            r"/v1/projects/(?P<project>[^/]+)/databases/(?P<database>[^/]+)/backupSchedules"
        ),
        _schedules,
    ),
    (
        "firestore",
        "GET",
        re.compile(r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/backups"),
        _backups,
    ),
    *OPERATION_ROUTES,
)


class _Handler(JsonHandler):
    state: GcpState

    def answer(self, method: str, url: SplitResult) -> None:
        with self.state.lock:
            self.state.requests.append((method, url.path))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        for service, verb, pattern, handler in ROUTES:
            found = pattern.fullmatch(url.path)
            if found and verb == method:
                project = found.groupdict().get("project") or query.get("project", "")
                fault = self._fault(project, service, url.path)
                code, body = fault or handler(self.state, found.groupdict(), query)
                return self.send_json(code, body)
        return self.send_json(*status(404, "NOT_FOUND", f"No such route: {method} {url.path}"))

    def _fault(self, project: str, service: str, path: str) -> Answer | None:
        with self.state.lock:
            fault = self.state.faults.get(project)
            if fault is None or fault.times <= 0 or fault.service not in (None, service):
                return None
            if fault.path_end is not None and not path.endswith(fault.path_end):
                return None
            fault.times -= 1
        code, reason, said, message = _FAULTS[fault.kind]
        text = f"{message} ({project})"
        if service == "storage":
            errors = [{"message": text, "domain": "global", "reason": reason}]
            return code, {"error": {"code": code, "message": text, "errors": errors}}
        return status(code, said, text)


@contextmanager
def gcp_fake(state: GcpState) -> Iterator[str]:
    """Serve ``state`` on 127.0.0.1 (a free port) for the block; yields the endpoint."""
    with serving(_Handler, state) as endpoint:
        yield endpoint
