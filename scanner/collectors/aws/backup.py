"""AWS Backup, per region: plans and rules, selections, vaults (key, lock, access policy),
protected resources and recovery points.

Calls: ``ListBackupPlans``, ``GetBackupPlan``×P, ``ListBackupSelections``×P,
``GetBackupSelection``×S, ``ListBackupVaults``, ``GetBackupVaultAccessPolicy``×V,
``ListRecoveryPointsByBackupVault``×V (one listing per vault instead of one per
resource) and ``ListProtectedResources``. What these answers mean for each store is
decided in :mod:`scanner.collectors.aws.backup_merge`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


@dataclass
class PlanFacts:
    """One backup plan as read: the plan answer and its selections."""

    plan: dict[str, Any]
    selections: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RegionBackup:
    """Everything AWS Backup answered in one region, and what it could not answer."""

    region: str
    plans: list[PlanFacts] = field(default_factory=list)
    plans_gap: Gap | None = None
    vaults: list[Vault] = field(default_factory=list)
    vaults_gap: Gap | None = None
    points: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    points_gaps: list[Gap] = field(default_factory=list)
    protected: dict[str, dict[str, Any]] = field(default_factory=dict)
    protected_gap: Gap | None = None


def collect_region(api: AwsApi, ctx: AccountContext, region: str, now: datetime) -> TaskResult:
    """Read AWS Backup in one region."""
    facts = RegionBackup(region)
    _read_plans(api, region, facts)
    _read_vaults(api, ctx, region, facts, now)
    protected, facts.protected_gap = api.pages(
        "backup", region, "ListProtectedResources", "recovery_points", "Results"
    )
    facts.protected = {p["ResourceArn"]: p for p in protected}
    return TaskResult(facts=[facts])


def _read_plans(api: AwsApi, region: str, facts: RegionBackup) -> None:
    plans, facts.plans_gap = api.pages(
        "backup", region, "ListBackupPlans", "protections", "BackupPlansList"
    )
    for summary in sorted(plans, key=lambda p: p["BackupPlanId"]):
        plan_id = summary["BackupPlanId"]
        answer = api.call("backup", region, "GetBackupPlan", "protections", BackupPlanId=plan_id)
        selections, sel_gap = api.pages(
            "backup",
            region,
            "ListBackupSelections",
            "protections",
            "BackupSelectionsList",
            BackupPlanId=plan_id,
        )
        gap = answer.gap or sel_gap
        if gap or answer.data is None:
            facts.plans_gap = facts.plans_gap or gap
            continue
        item = PlanFacts(answer.data)
        for sel in sorted(selections, key=lambda s: s["SelectionId"]):
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
            item.selections.append(got.data)
        facts.plans.append(item)


def _read_vaults(
    api: AwsApi, ctx: AccountContext, region: str, facts: RegionBackup, now: datetime
) -> None:
    vaults, facts.vaults_gap = api.pages(
        "backup", region, "ListBackupVaults", "recovery_points", "BackupVaultList"
    )
    if facts.vaults_gap:
        facts.points_gaps.append(facts.vaults_gap)
    for raw in sorted(vaults, key=lambda v: v["BackupVaultName"]):
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
        facts.vaults.append(_vault(raw, ctx, region, now, denies))
        points, gap = api.pages(
            "backup",
            region,
            "ListRecoveryPointsByBackupVault",
            "recovery_points",
            "RecoveryPoints",
            BackupVaultName=name,
        )
        if gap:
            facts.points_gaps.append(gap)
        for point in points:
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
    raw: dict[str, Any], ctx: AccountContext, region: str, now: datetime, denies: bool | None
) -> Vault:
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
