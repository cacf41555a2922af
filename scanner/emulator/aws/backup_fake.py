"""An API-faithful fake of the AWS Backup read operations moto lacks (REST-JSON).

Serves the paths, query parameters, response fields, pagination (``maxResults`` /
``nextToken``) and error shapes (``x-amzn-ErrorType`` header + JSON body) of the AWS
Backup API reference for: ListBackupPlans, GetBackupPlan, ListBackupSelections,
GetBackupSelection, ListBackupVaults, GetBackupVaultAccessPolicy,
GetBackupVaultNotifications, ListRecoveryPointsByBackupVault, ListProtectedResources,
ListBackupJobs, ListCopyJobs and ListRestoreJobs. Timestamps are epoch
seconds as in the REST-JSON protocol. The region comes from the SigV4 credential scope.
Every answer, errors included, carries a fresh ``x-amzn-RequestId`` header, as AWS's do.

Tests inject faults per (region, operation): AccessDenied, throttling, or a delay.
Every request is logged, so a test can prove a refused call never arrived.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from scanner.emulator.aws.sts_gate import DEFAULT_ACCOUNT, Accounts
from scanner.emulator.local import LocalServer

DEFAULT_PAGE = 100
#: The fault that delays an answer by SLOW_SECONDS instead of failing it (for timeouts).
SLOW = "Slow"
SLOW_SECONDS = 2.0
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")


@dataclass
class RegionState:
    """The AWS Backup state of one region."""

    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    selections: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    vaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    points: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    #: vault name → its notification configuration (``SNSTopicArn``, ``BackupVaultEvents``)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``BackupJobs``, ``CopyJobs`` and ``RestoreJobs`` members, as the listings return them
    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


class BackupState:
    """Every account's regions, fault injections and the request log (thread-safe enough
    for tests). An account's state is chosen by the access key that signed the request."""

    def __init__(self, accounts: Accounts | None = None) -> None:
        self.accounts = accounts or Accounts()
        self.regions: dict[tuple[str, str], RegionState] = defaultdict(RegionState)
        self.faults: dict[tuple[str, str], str] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def region(self, name: str, account: str = DEFAULT_ACCOUNT) -> RegionState:
        """The state of one region of one account, created empty on first use."""
        return self.regions[(account, name)]

    def fail(self, region: str, operation: str, code: str) -> None:
        """Make ``operation`` (``*``: every request) in ``region`` answer with error ``code``
        (AccessDeniedException, ThrottlingException …), or answer late with ``SLOW``."""
        self.faults[(region, operation)] = code

    def reset(self) -> None:
        """Forget everything."""
        with self.lock:
            self.regions.clear()
            self.faults.clear()
            self.requests.clear()


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _epoch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_epoch(v) for v in value]
    return value


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"__type": code, "Message": message, "message": message, "Code": code})
    return Response(
        body,
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/"},
    )


class _NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _page(items: list[Any], request: Request, key: str) -> dict[str, Any]:
    size = int(request.args.get("maxResults", DEFAULT_PAGE))
    start = int(request.args.get("nextToken", "0") or 0)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


class BackupFakeApp:
    """The WSGI application."""

    _ROUTES: ClassVar[list[tuple[re.Pattern[str], str]]] = [
        (re.compile(r"^/backup/plans/$"), "ListBackupPlans"),
        (re.compile(r"^/backup/plans/(?P<plan>[^/]+)/$"), "GetBackupPlan"),
        (re.compile(r"^/backup/plans/(?P<plan>[^/]+)/selections/$"), "ListBackupSelections"),
        (
            re.compile(r"^/backup/plans/(?P<plan>[^/]+)/selections/(?P<sel>[^/]+)$"),
            "GetBackupSelection",
        ),
        (re.compile(r"^/backup-vaults/$"), "ListBackupVaults"),
        (
            re.compile(r"^/backup-vaults/(?P<vault>[^/]+)/access-policy$"),
            "GetBackupVaultAccessPolicy",
        ),
        (
            re.compile(r"^/backup-vaults/(?P<vault>[^/]+)/notification-configuration$"),
            "GetBackupVaultNotifications",
        ),
        (
            re.compile(r"^/backup-vaults/(?P<vault>[^/]+)/recovery-points/$"),
            "ListRecoveryPointsByBackupVault",
        ),
        (re.compile(r"^/resources/$"), "ListProtectedResources"),
        (re.compile(r"^/backup-jobs/$"), "ListBackupJobs"),
        (re.compile(r"^/copy-jobs/$"), "ListCopyJobs"),
        (re.compile(r"^/restore-jobs/$"), "ListRestoreJobs"),
    ]

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        # Like AWS, every answer (an error too) carries the request's id in this header.
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization", "")
        match = _SCOPE.search(authorization)
        region = match.group(1) if match else "us-east-1"
        account = self.state.accounts.of_request(authorization)
        operation, params = self._route(request)
        with self.state.lock:
            self.state.requests.append((region, request.method, operation or request.path))
        faults = self.state.faults
        fault = faults.get((region, operation or "")) or faults.get((region, "*"))
        if fault == SLOW:
            time.sleep(SLOW_SECONDS)
        elif fault:
            status = 403 if "AccessDenied" in fault else 400
            return _error(status, fault, f"injected {fault} for {operation or request.path}")
        if operation is None or request.method != "GET":
            return _error(404, "UnknownOperationException", f"{request.method} {request.path}")
        try:
            st = self.state.region(region, account)
            body = getattr(self, f"_{operation}")(st, request, **params)
        except _NotFound as exc:
            return _error(404, "ResourceNotFoundException", exc.message)
        return Response(json.dumps(_epoch(body)), content_type="application/json")

    def _route(self, request: Request) -> tuple[str | None, dict[str, str]]:
        for pattern, operation in self._ROUTES:
            found = pattern.match(request.path)
            if found:
                return operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None, {}

    def _ListBackupPlans(self, st: RegionState, request: Request) -> dict[str, Any]:
        summaries = [
            {
                k: p[k]
                for k in (
                    "BackupPlanArn",
                    "BackupPlanId",
                    "CreationDate",
                    "VersionId",
                    "LastExecutionDate",
                )
                if k in p
            }
            | {"BackupPlanName": p["BackupPlan"]["BackupPlanName"]}
            for p in st.plans.values()
        ]
        return _page(summaries, request, "BackupPlansList")

    def _GetBackupPlan(self, st: RegionState, request: Request, plan: str) -> dict[str, Any]:
        if plan not in st.plans:
            raise _NotFound(f"Failed reading Backup plan with provided version (id {plan})")
        return st.plans[plan]

    def _ListBackupSelections(self, st: RegionState, request: Request, plan: str) -> dict[str, Any]:
        if plan not in st.plans:
            raise _NotFound(f"Backup plan {plan} not found")
        rows = [
            {
                "SelectionId": sid,
                "SelectionName": s["BackupSelection"]["SelectionName"],
                "BackupPlanId": plan,
                "CreationDate": s["CreationDate"],
                "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
            }
            for sid, s in st.selections[plan].items()
        ]
        return _page(rows, request, "BackupSelectionsList")

    def _GetBackupSelection(
        self, st: RegionState, request: Request, plan: str, sel: str
    ) -> dict[str, Any]:
        if sel not in st.selections.get(plan, {}):
            raise _NotFound(f"Selection {sel} not found")
        return st.selections[plan][sel]

    def _ListBackupVaults(self, st: RegionState, request: Request) -> dict[str, Any]:
        rows = [
            v | {"NumberOfRecoveryPoints": len(st.points[name])} for name, v in st.vaults.items()
        ]
        return _page(rows, request, "BackupVaultList")

    def _GetBackupVaultAccessPolicy(
        self, st: RegionState, request: Request, vault: str
    ) -> dict[str, Any]:
        if vault not in st.vaults or vault not in st.policies:
            raise _NotFound(f"Backup vault {vault} has no access policy")
        return {
            "BackupVaultName": vault,
            "BackupVaultArn": st.vaults[vault]["BackupVaultArn"],
            "Policy": st.policies[vault],
        }

    def _GetBackupVaultNotifications(
        self, st: RegionState, request: Request, vault: str
    ) -> dict[str, Any]:
        if vault not in st.vaults or vault not in st.notifications:
            raise _NotFound(f"Backup vault {vault} has no notification configuration")
        return {
            "BackupVaultName": vault,
            "BackupVaultArn": st.vaults[vault]["BackupVaultArn"],
            **st.notifications[vault],
        }

    def _ListRecoveryPointsByBackupVault(
        self, st: RegionState, request: Request, vault: str
    ) -> dict[str, Any]:
        if vault not in st.vaults:
            raise _NotFound(f"Backup vault {vault} does not exist")
        return _page(st.points[vault], request, "RecoveryPoints")

    def _ListProtectedResources(self, st: RegionState, request: Request) -> dict[str, Any]:
        latest: dict[str, dict[str, Any]] = {}
        for points in st.points.values():
            for p in points:
                if p["Status"] != "COMPLETED" or p.get("SourceBackupVaultArn"):
                    continue
                known = latest.get(p["ResourceArn"])
                if known is None or p["CreationDate"] > known["LastBackupTime"]:
                    latest[p["ResourceArn"]] = {
                        "ResourceArn": p["ResourceArn"],
                        "ResourceType": p["ResourceType"],
                        "LastBackupTime": p["CreationDate"],
                        "ResourceName": p.get("ResourceName", ""),
                        "LastBackupVaultArn": p["BackupVaultArn"],
                        "LastRecoveryPointArn": p["RecoveryPointArn"],
                    }
        return _page(sorted(latest.values(), key=lambda r: r["ResourceArn"]), request, "Results")

    def _ListBackupJobs(self, st: RegionState, request: Request) -> dict[str, Any]:
        # AWS answers "for the last 30 days" only
        since = datetime.now(timezone.utc) - timedelta(days=30)
        recent = [j for j in st.jobs["BackupJobs"] if j["CreationDate"] >= since]
        return _page(recent, request, "BackupJobs")

    def _ListCopyJobs(self, st: RegionState, request: Request) -> dict[str, Any]:
        return _page(st.jobs["CopyJobs"], request, "CopyJobs")

    def _ListRestoreJobs(self, st: RegionState, request: Request) -> dict[str, Any]:
        return _page(st.jobs["RestoreJobs"], request, "RestoreJobs")


class BackupFakeServer(LocalServer):
    """Runs the fake on 127.0.0.1 in a background thread."""

    def __init__(self, state: BackupState | None = None, port: int = 0) -> None:
        self.state = state or BackupState()
        super().__init__(BackupFakeApp(self.state), port)
