"""Applying AWS Backup's answers to each store: plan coverage, recovery points, copies.

A plan that covers a store becomes a protection per rule (role ``backup``, or
``continuous`` for continuous-backup rules; origin ``backup_service``) with frequency,
retention, window and immutability from its vault's lock; its copy actions become
configured copies. Completed recovery points in the store's own region become the
``backup_service`` recovery source; points for the store found in other regions' vaults are
observed copies. Any part AWS Backup could not answer becomes a gap on the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.aws.arn import arn_account, arn_region
from scanner.collectors.aws.backup import PlanFacts, RegionBackup, SelectionFacts
from scanner.collectors.aws.cron import max_interval_hours, start_time
from scanner.collectors.aws.selection import covers
from scanner.collectors.tasks import StoreResult, iso
from scanner.model import (
    BackupPlan,
    BackupPlanRule,
    Copy,
    Evidence,
    Gap,
    Protection,
    Scalar,
    Vault,
    Window,
)
from scanner.vocabulary import KeyType, weakest_key

DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
SOURCE = "AWS Backup"


def apply_backup(item: StoreResult, facts: dict[str, RegionBackup], now: datetime) -> None:
    """Add AWS Backup protections, recovery points and copies to one store."""
    local = facts.get(item.store.region)
    if local is None:
        return
    _apply_plans(item, local, {v.name: v for v in local.vaults}, now)
    _apply_points(item, facts)
    _apply_protected(item, local)


def _apply_plans(
    item: StoreResult, local: RegionBackup, vaults: dict[str, Vault], now: datetime
) -> None:
    store = item.store
    if local.plans_gap:
        store.gaps += gap_for(local.plans_gap, "protections", resource=store.id)
    seen: set[str] = set()
    for plan in local.plans:
        for selection in plan.selections:
            covered = covers(selection.body, store.id, store.tags)
            if covered is None:
                store.gaps.append(_tags_gap(store.id, local.region, selection))
            if not covered:
                continue
            for rule in plan.plan.get("BackupPlan", {}).get("Rules", []):
                protection = _rule_protection(plan, rule, selection, vaults, local.region, now)
                if protection.name not in seen:
                    seen.add(protection.name)
                    store.protections.append(protection)
                    store.copies += _configured_copies(plan, rule, local.region)


def _tags_gap(arn: str, region: str, selection: SelectionFacts) -> Gap:
    name = selection.body.get("SelectionName", "")
    return Gap(
        attribute="protections",
        operation="backup:GetBackupSelection",
        error_code="TagsUnknown",
        cause="dependent",
        message=f"backup selection {name!r} selects by tag and this resource's tags "
        "could not be read",
        permission=None,
        region=region,
        resource=arn,
        request_id=selection.request_id,
    )


def plan_rule(rule: dict[str, Any], now: datetime) -> BackupPlanRule:
    """The normalized form of one plan rule (its frequency as of ``now``)."""
    schedule = rule.get("ScheduleExpression") or DEFAULT_SCHEDULE
    delete_after = rule.get("Lifecycle", {}).get("DeleteAfterDays")
    return BackupPlanRule(
        name=rule.get("RuleName", ""),
        vault=rule.get("TargetBackupVaultName", ""),
        schedule=schedule,
        frequency_hours=max_interval_hours(schedule, now),
        retention_days=float(delete_after) if delete_after is not None else None,
        continuous=bool(rule.get("EnableContinuousBackup", False)),
        window=Window(
            start=start_time(schedule),
            duration_minutes=rule.get("StartWindowMinutes"),
            timezone=rule.get("ScheduleExpressionTimezone") or "UTC",
        ),
        copy_targets=[c["DestinationBackupVaultArn"] for c in rule.get("CopyActions", [])],
    )


def _rule_protection(
    plan: PlanFacts,
    rule: dict[str, Any],
    selection: SelectionFacts,
    vaults: dict[str, Vault],
    region: str,
    now: datetime,
) -> Protection:
    name = plan.plan.get("BackupPlan", {}).get("BackupPlanName", plan.plan.get("BackupPlanId", ""))
    normal = plan_rule(rule, now)
    vault = vaults.get(normal.vault)
    lock = vault.immutability if vault else None
    return Protection(
        role="continuous" if normal.continuous else "backup",
        origin="backup_service",
        source=SOURCE,
        name=f"{name}/{normal.name}",
        enabled=True,
        frequency_hours=normal.frequency_hours,
        retention_days=normal.retention_days,
        retention_unbounded=normal.retention_days is None,
        window=normal.window,
        immutable=None if lock is None else lock.state == "locked",
        vault=vault.id if vault else None,
        details={
            "plan_id": plan.plan.get("BackupPlanId"),
            "vault": normal.vault,
            "selection": selection.body.get("SelectionName"),
            "schedule": normal.schedule,
            "vault_lock": None if lock is None else lock.state,
            "completion_window_minutes": rule.get("CompletionWindowMinutes"),
        },
        evidence=[
            Evidence(
                operation="backup:GetBackupPlan",
                region=region,
                fields={
                    "BackupPlan.Rules[].ScheduleExpression": normal.schedule,
                    "BackupPlan.Rules[].Lifecycle.DeleteAfterDays": normal.retention_days,
                    "BackupPlan.Rules[].TargetBackupVaultName": normal.vault,
                    "BackupPlan.Rules[].EnableContinuousBackup": normal.continuous,
                },
                request_id=plan.request_id,
            ),
            Evidence(
                operation="backup:GetBackupSelection",
                region=region,
                fields={"BackupSelection.SelectionName": selection.body.get("SelectionName")},
                request_id=selection.request_id,
            ),
        ],
    )


def _configured_copies(plan: PlanFacts, rule: dict[str, Any], region: str) -> list[Copy]:
    copies = []
    plan_name = plan.plan.get("BackupPlan", {}).get("BackupPlanName")
    for action in rule.get("CopyActions", []):
        target = action.get("DestinationBackupVaultArn", "")
        copy_region = arn_region(target)
        copies.append(
            Copy(
                kind="backup_copy",
                target=target,
                region=copy_region,
                account=arn_account(target),
                resolved=copy_region is not None,
                state="configured",
                source=f"backup plan {plan_name} rule {rule.get('RuleName')}",
                evidence=[
                    Evidence(
                        operation="backup:GetBackupPlan",
                        region=region,
                        fields={
                            "BackupPlan.Rules[].CopyActions[].DestinationBackupVaultArn": target,
                            "BackupPlan.Rules[].CopyActions[].Lifecycle.DeleteAfterDays": (
                                action.get("Lifecycle", {}).get("DeleteAfterDays")
                            ),
                        },
                        request_id=plan.request_id,
                    )
                ],
            )
        )
    return copies


def _apply_points(item: StoreResult, facts: dict[str, RegionBackup]) -> None:
    store = item.store
    for region, region_facts in sorted(facts.items()):
        attribute = "recovery_points" if region == store.region else "copies"
        for gap in region_facts.points_gaps:
            store.gaps += gap_for(gap, attribute, resource=store.id)  # type: ignore[arg-type]
        done = [p for p in region_facts.points.get(store.id, []) if p.get("Status") == "COMPLETED"]
        local = [p for p in done if region == store.region and not p.get("SourceBackupVaultArn")]
        if local:
            _add_local_points(item, local, region, region_facts.points_request_id(local))
        if region == store.region and not region_facts.points_gaps:
            item.note_listing(_listing(region_facts, len(local), region))
        for vault_arn in sorted({p["BackupVaultArn"] for p in done if p not in local}):
            copies = [p for p in done if p["BackupVaultArn"] == vault_arn]
            request_id = region_facts.points_request_id(copies)
            store.copies.append(_observed_copy(vault_arn, copies, region, request_id))


def _listing(facts: RegionBackup, found: int, region: str) -> Evidence:
    """What the region's vault listings held for the store — an absence included. It
    cites the request ids of the vault listing and of every vault's point listing."""
    return Evidence(
        operation="backup:ListRecoveryPointsByBackupVault",
        region=region,
        fields={
            "vaults listed": len(facts.vaults),
            "completed recovery points of this resource": found,
        },
        request_id=facts.listings_request_id(),
    )


_VAULT_KEYS: dict[str, KeyType] = {
    "AWS_OWNED_KMS_KEY": "provider_owned",
    "CUSTOMER_MANAGED_KMS_KEY": "customer_managed",
}


def _add_local_points(
    item: StoreResult, points: list[dict[str, Any]], region: str, request_id: str | None
) -> None:
    times = sorted(p["CreationDate"] for p in points)
    delete_at = [p.get("CalculatedLifecycle", {}).get("DeleteAt") for p in points]
    encrypted = all(p.get("IsEncrypted", False) for p in points)
    key_types = {_VAULT_KEYS.get(str(p.get("EncryptionKeyType"))) for p in points}
    evidence = Evidence(
        operation="backup:ListRecoveryPointsByBackupVault",
        region=region,
        fields={
            "RecoveryPoints[].CreationDate (newest)": iso(times[-1]),
            "RecoveryPoints[].CreationDate (oldest)": iso(times[0]),
            "count (Status=COMPLETED)": len(times),
            "all IsEncrypted": encrypted,
            "RecoveryPoints[].EncryptionKeyType": ",".join(sorted(str(k) for k in key_types)),
        },
        request_id=request_id,
    )
    details: dict[str, Scalar] = {
        "latest_delete_at": iso(max((d for d in delete_at if d), default=None)),
        "vaults": ",".join(sorted({p["BackupVaultName"] for p in points})),
    }
    item.add_points(
        "backup_service",
        SOURCE,
        times,
        evidence,
        encrypted,
        details,
        vaults=[p["BackupVaultArn"] for p in points],
        key_type=weakest_key(key_types),
    )


def _observed_copy(
    vault_arn: str, points: list[dict[str, Any]], region: str, request_id: str | None
) -> Copy:
    newest = max(p["CreationDate"] for p in points)
    return Copy(
        kind="backup_copy",
        target=vault_arn,
        region=arn_region(vault_arn) or region,
        account=arn_account(vault_arn),
        resolved=True,
        state="observed",
        source="recovery points in another vault",
        evidence=[
            Evidence(
                operation="backup:ListRecoveryPointsByBackupVault",
                region=region,
                fields={
                    "BackupVaultArn": vault_arn,
                    "count (Status=COMPLETED)": len(points),
                    "RecoveryPoints[].CreationDate (newest)": iso(newest),
                    "RecoveryPoints[].SourceBackupVaultArn": points[0].get("SourceBackupVaultArn"),
                },
                request_id=request_id,
            )
        ],
    )


def _apply_protected(item: StoreResult, local: RegionBackup) -> None:
    store = item.store
    if local.protected_gap:
        store.gaps += gap_for(local.protected_gap, "recovery_points", resource=store.id)
        return
    record = local.protected.get(store.id)
    store.attributes["aws_backup_last_backup"] = (
        iso(record.get("LastBackupTime")) if record else None
    )


def account_plans(facts: dict[str, RegionBackup], now: datetime) -> list[BackupPlan]:
    """All plans of the account, normalized, in a stable order."""
    plans = []
    for region, region_facts in sorted(facts.items()):
        for plan in region_facts.plans:
            body = plan.plan.get("BackupPlan", {})
            plans.append(
                BackupPlan(
                    id=plan.plan.get("BackupPlanId", ""),
                    name=body.get("BackupPlanName", ""),
                    region=region,
                    rules=[plan_rule(r, now) for r in body.get("Rules", [])],
                    selections=sorted(s.body.get("SelectionName", "") for s in plan.selections),
                    last_execution=plan.plan.get("LastExecutionDate"),
                )
            )
    return plans
