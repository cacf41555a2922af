"""AWS Backup, per region: plans and rules, selections, vaults (key, lock, access policy),
protected resources and recovery points.

Calls: ``ListBackupPlans``, ``GetBackupPlan``×P, ``ListBackupSelections``×P,
``GetBackupSelection``×S, ``ListBackupVaults``, ``GetBackupVaultAccessPolicy``×V,
``ListRecoveryPointsByBackupVault``×V (one listing per vault instead of one per
resource) and ``ListProtectedResources``; then, as a follow-up, each vault's
notifications (:mod:`scanner.collectors.aws.alerting`). What these answers mean for each store is
decided in :mod:`scanner.collectors.aws.backup_merge`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from scanner.collectors.answers import join_request_ids
from scanner.collectors.aws import alerting
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.aws.arn import arn_account
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.aws.selection import glob_match
from scanner.collectors.readonly import declare
from scanner.collectors.tasks import TaskResult
from scanner.model import Evidence, Gap, Immutability, Vault
from scanner.vocabulary import ImmutabilityState, KeyType

OPERATIONS = declare(
    "backup",
    {
        "ListBackupPlans": "backup:ListBackupPlans",
        "GetBackupPlan": "backup:GetBackupPlan",
        "ListBackupSelections": "backup:ListBackupSelections",
        "GetBackupSelection": "backup:GetBackupSelection",
        "ListBackupVaults": "backup:ListBackupVaults",
        "GetBackupVaultAccessPolicy": "backup:GetBackupVaultAccessPolicy",
        "ListRecoveryPointsByBackupVault": "backup:ListRecoveryPointsByBackupVault",
        "ListProtectedResources": "backup:ListProtectedResources",
    },
)


@dataclass(frozen=True)
class SelectionFacts:
    """One ``GetBackupSelection`` answer and its request id."""

    answer: dict[str, Any]
    request_id: str | None = None

    @property
    def body(self) -> dict[str, Any]:
        """The ``BackupSelection`` itself (name, resources, tags, conditions)."""
        return dict(self.answer.get("BackupSelection", {}))


@dataclass
class PlanFacts:
    """One backup plan as read: the plan answer, its request id and its selections."""

    plan: dict[str, Any]
    selections: list[SelectionFacts] = field(default_factory=list)
    request_id: str | None = None


@dataclass
class RegionBackup:
    """Everything AWS Backup answered in one region, and what it could not answer; the
    request ids of the vault listing and of each vault's recovery point listing."""

    region: str
    plans: list[PlanFacts] = field(default_factory=list)
    plans_gap: Gap | None = None
    vaults: list[Vault] = field(default_factory=list)
    vaults_gap: Gap | None = None
    vaults_request_id: str | None = None
    points: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    points_gaps: list[Gap] = field(default_factory=list)
    points_request_ids: dict[str, str | None] = field(default_factory=dict)  # by vault name
    protected: dict[str, dict[str, Any]] = field(default_factory=dict)
    protected_gap: Gap | None = None

    def listings_request_id(self) -> str | None:
        """The request ids of the vault listing and of every vault's point listing."""
        return join_request_ids(self.vaults_request_id, *self.points_request_ids.values())

    def points_request_id(self, points: list[dict[str, Any]]) -> str | None:
        """The request ids of the point listings of the vaults that hold ``points``."""
        vaults = sorted({str(p.get("BackupVaultName")) for p in points})
        return join_request_ids(*(self.points_request_ids.get(v) for v in vaults))


def collect_region(api: AwsApi, ctx: AccountContext, region: str, now: datetime) -> TaskResult:
    """Read AWS Backup in one region."""
    facts = RegionBackup(region)
    _read_plans(api, region, facts)
    _read_vaults(api, ctx, region, facts, now)
    protected = api.pages("backup", region, "ListProtectedResources", "recovery_points", "Results")
    facts.protected_gap = protected.gap
    facts.protected = {p["ResourceArn"]: p for p in protected.items}
    named = [(v.name, v.id) for v in facts.vaults]
    notifications = partial(alerting.vault_notifications, api, region, named)
    unlisted = facts.vaults_gap  # vaults not listed: their notifications are unknown too
    return TaskResult(
        facts=[facts],
        gaps=[unlisted.model_copy(update={"attribute": "alerting"})] if unlisted else [],
        followups=[notifications] if named else [],
    )


def _read_plans(api: AwsApi, region: str, facts: RegionBackup) -> None:
    plans = api.pages("backup", region, "ListBackupPlans", "protections", "BackupPlansList")
    facts.plans_gap = plans.gap
    for summary in sorted(plans.items, key=lambda p: p["BackupPlanId"]):
        plan_id = summary["BackupPlanId"]
        answer = api.call("backup", region, "GetBackupPlan", "protections", BackupPlanId=plan_id)
        selections = api.pages(
            "backup",
            region,
            "ListBackupSelections",
            "protections",
            "BackupSelectionsList",
            BackupPlanId=plan_id,
        )
        gap = answer.gap or selections.gap
        if gap or answer.data is None:
            facts.plans_gap = facts.plans_gap or gap
            continue
        item = PlanFacts(answer.data, request_id=answer.request_id)
        for sel in sorted(selections.items, key=lambda s: s["SelectionId"]):
            got = api.call(
                "backup",
                region,
                "GetBackupSelection",
                "protections",
                BackupPlanId=plan_id,
                SelectionId=sel["SelectionId"],
            )
            if got.gap or got.data is None:
                facts.plans_gap = facts.plans_gap or got.gap
                continue
            item.selections.append(SelectionFacts(got.data, got.request_id))
        facts.plans.append(item)


def _read_vaults(
    api: AwsApi, ctx: AccountContext, region: str, facts: RegionBackup, now: datetime
) -> None:
    vaults = api.pages("backup", region, "ListBackupVaults", "recovery_points", "BackupVaultList")
    facts.vaults_gap, facts.vaults_request_id = vaults.gap, vaults.request_id
    if vaults.gap:
        facts.points_gaps.append(vaults.gap)
    for raw in sorted(vaults.items, key=lambda v: v["BackupVaultName"]):
        name = raw["BackupVaultName"]
        policy = api.call(
            "backup",
            region,
            "GetBackupVaultAccessPolicy",
            "protections",
            absent=("ResourceNotFoundException",),
            BackupVaultName=name,
        )
        denies: bool | None = None
        if not policy.gap:  # absent (no access policy) means nothing denies deletion
            denies = denies_deletion(policy.data) if policy.data else False
        request_id = join_request_ids(vaults.request_id, policy.request_id)
        facts.vaults.append(_vault(raw, ctx, region, now, denies, request_id))
        points = api.pages(
            "backup",
            region,
            "ListRecoveryPointsByBackupVault",
            "recovery_points",
            "RecoveryPoints",
            BackupVaultName=name,
        )
        if points.gap:
            facts.points_gaps.append(points.gap)
        facts.points_request_ids[name] = points.request_id
        for point in points.items:
            facts.points[point.get("ResourceArn", "")].append(point)


_KEY_TYPES: dict[str, KeyType] = {
    "AWS_OWNED_KMS_KEY": "provider_owned",
    "CUSTOMER_MANAGED_KMS_KEY": "customer_managed",
}


def lock_state(raw: dict[str, Any], now: datetime) -> ImmutabilityState:
    """Vault Lock: locked (compliance mode) once LockDate has passed; unlocked (governance
    mode, or before LockDate) while it can still be removed; disabled without a lock."""
    if not raw.get("Locked"):
        return "disabled"
    lock_date = raw.get("LockDate")
    return "locked" if lock_date and lock_date <= now else "unlocked"


def _vault(
    raw: dict[str, Any],
    ctx: AccountContext,
    region: str,
    now: datetime,
    denies: bool | None,
    request_id: str | None,
) -> Vault:
    """A listed vault; its evidence cites the vault listing and the access policy read."""
    arn = raw["BackupVaultArn"]
    state = lock_state(raw, now)
    return Vault(
        id=arn,
        name=raw["BackupVaultName"],
        region=region,
        account=arn_account(arn) or ctx.account,
        key_type=_KEY_TYPES.get(str(raw.get("EncryptionKeyType"))),
        key_id=raw.get("EncryptionKeyArn"),
        immutability=Immutability(
            state=state,
            min_retention_days=raw.get("MinRetentionDays"),
            max_retention_days=raw.get("MaxRetentionDays"),
            locked_since=raw.get("LockDate") if state == "locked" else None,
        ),
        denies_recovery_point_deletion=denies,
        recovery_point_count=raw.get("NumberOfRecoveryPoints"),
        evidence=[
            Evidence(
                operation="backup:ListBackupVaults",
                region=region,
                fields={
                    "Locked": raw.get("Locked"),
                    "MinRetentionDays": raw.get("MinRetentionDays"),
                    "MaxRetentionDays": raw.get("MaxRetentionDays"),
                    "LockDate": raw["LockDate"].isoformat() if raw.get("LockDate") else None,
                    "EncryptionKeyArn": raw.get("EncryptionKeyArn"),
                    "EncryptionKeyType": raw.get("EncryptionKeyType"),
                    "access policy denies backup:DeleteRecoveryPoint": denies,
                },
                request_id=request_id,
            )
        ],
    )


def denies_deletion(answer: dict[str, Any]) -> bool | None:
    """Whether a vault access policy has a Deny covering ``backup:DeleteRecoveryPoint``;
    None when the policy document cannot be read."""
    try:
        policy = json.loads(answer.get("Policy") or "{}")
    except json.JSONDecodeError:
        return None
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Deny" and any(
            glob_match(a.lower(), "backup:deleterecoverypoint") for a in actions
        ):
            return True
    return False
