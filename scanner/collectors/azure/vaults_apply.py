"""Backup vaults applied to the stores they protect: a backup instance whose data source
is the store gives protections (its policy's schedule and retention), recovery points
kept in the vault, and the vault as a backup copy in its region; the vaults' jobs give
restores and backup jobs (:mod:`scanner.collectors.azure.vault_jobs`). What a failed
listing leaves unknown is unknown for the kinds Backup vaults protect, and only for
them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.regions import paired_copy
from scanner.collectors.azure.vault_jobs import apply_jobs
from scanner.collectors.azure.vault_tiers import Tier, tiers
from scanner.collectors.azure.vaults import PROTECTED_KINDS, SOURCE, BackupVaults
from scanner.collectors.tasks import StoreResult
from scanner.model import Copy, Evidence, Protection, Vault
from scanner.vocabulary import ProtectionRole


def apply_vaults(items: list[StoreResult], found: BackupVaults, now: datetime) -> None:
    """Protections, points, copies and gaps of each store a Backup vault can protect."""
    vaults = {v.id.lower(): v for v in found.vaults}
    for item in items:
        store = item.store
        if store.kind not in PROTECTED_KINDS:
            continue
        mine = [
            (vault_id, i)
            for vault_id, i in found.instances
            if _source(i).lower() == store.id.lower()
        ]
        for vault_id, instance in mine:
            kept_in = vaults.get(vault_id.lower())
            policy = found.policies.get(_policy_id(instance).lower())
            store.protections += protections(instance, policy, kept_in)
            _add_points(item, instance, kept_in, found)
        for gap in found.gaps:
            unread = gap.model_copy(update={"role": "backup"})
            store.gaps += gap_for(
                unread, "protections", "recovery_points", "copies", resource=store.id
            )
        if not mine and not found.gaps:
            item.note_listing(
                Evidence(
                    operation="dataprotection:ListBackupInstances",
                    region=store.region,
                    fields={"backup instances of this resource (every Backup vault)": 0},
                )
            )
    apply_jobs(items, found, now)


def _source(instance: dict[str, Any]) -> str:
    info = (instance.get("properties") or {}).get("dataSourceInfo") or {}
    return str(info.get("resourceID", ""))


def _policy_id(instance: dict[str, Any]) -> str:
    return str(((instance.get("properties") or {}).get("policyInfo") or {}).get("policyId", ""))


def protections(
    instance: dict[str, Any], policy: dict[str, Any] | None, vault: Vault | None
) -> list[Protection]:
    """One protection per tier of the instance's policy (each backup rule's default and
    tagged backups, kept as their retention rules say; an operational tier as continuous
    protection); a policy that could not be found leaves schedule and retention unknown."""
    props = instance.get("properties") or {}
    status = (props.get("protectionStatus") or {}).get("status")
    lock = vault.immutability.state if vault and vault.immutability else None
    evidence = Evidence(
        operation="dataprotection:ListBackupInstances",
        region=vault.region if vault else None,
        fields={
            "properties.dataSourceInfo.resourceID": _source(instance),
            "properties.policyInfo.policyId": _policy_id(instance),
            "properties.protectionStatus.status": status,
        },
    )

    def one(role: ProtectionRole, name: str, tier: Tier | None) -> Protection:
        return Protection(
            role=role,
            origin="backup_service",
            source=SOURCE,
            name=name,
            enabled=status == "ProtectionConfigured",
            frequency_hours=tier.hours if tier else None,
            retention_days=tier.kept_days if tier else None,
            immutable=None if lock is None else lock == "locked",
            vault=vault.id if vault else None,
            details={"policy": _policy_id(instance), "data_store": tier.data_store if tier else ""},
            evidence=[evidence],
        )

    if policy is None:
        return [one("backup", str(props.get("friendlyName") or instance.get("name")), None)]
    return [
        one("continuous" if t.continuous else "backup", f"{policy.get('name')}/{t.name}", t)
        for t in tiers(policy)
    ]


def _add_points(
    item: StoreResult, instance: dict[str, Any], vault: Vault | None, found: BackupVaults
) -> None:
    key = str(instance["id"]).lower()
    store = item.store
    if key in found.instance_gaps:
        store.gaps += gap_for(found.instance_gaps[key], "recovery_points", resource=store.id)
        return
    times = found.points.get(key, [])
    evidence = Evidence(
        operation="dataprotection:ListRecoveryPoints",
        region=vault.region if vault else None,
        fields={"backup instance": instance.get("name"), "recovery points": len(times)},
    )
    if not times:
        item.note_listing(evidence)
        return
    vault_ids = [vault.id] if vault else []
    key_type = vault.key_type if vault else None
    item.add_points(
        "backup_service", SOURCE, times, evidence, True, vaults=vault_ids, key_type=key_type
    )
    if vault is not None:
        store.copies += _vault_copies(vault, evidence)


def _vault_copies(vault: Vault, evidence: Evidence) -> list[Copy]:
    """The vault holding the points, and — for a geo-redundant vault — its secondary in
    the paired region, configured (no API shows the replicated copy)."""
    held = Copy(
        kind="backup_copy",
        target=vault.id,
        region=vault.region,
        account=vault.account,
        resolved=True,
        state="observed",
        source=SOURCE,
        evidence=[evidence],
    )
    if vault.redundancy not in ("geo", "geo_zone"):
        return [held]
    secondary = paired_copy(
        f"{vault.id} (secondary)",
        vault.region,
        vault.account,
        f"{SOURCE} geo-redundant vault storage",
        vault.evidence,
    )
    return [held, secondary]
