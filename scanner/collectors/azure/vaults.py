"""Azure Backup vaults (Data Protection): vaults, their policies, the backup instances
they hold and each instance's recovery points.

Per subscription one ``backupVaults`` listing (storage redundancy, immutability — locked,
unlocked or disabled — soft delete, cross-region restore, the encryption key); per vault
its ``backupPolicies``, ``backupInstances`` (which resource each protects:
``dataSourceInfo.resourceID``) and ``backupJobs`` (backups and restores run, with their
outcome: :mod:`scanner.collectors.azure.vault_jobs`); per instance its
``recoveryPoints``. Backup vaults protect
blobs and Cosmos DB accounts among the stores collected; Azure SQL Database keeps its
backups itself, and Recovery Services vaults protect none of these kinds (VMs, SQL
Server in VMs, Azure Files), so they are not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from scanner.collectors.azure.alerts import vault_alerts
from scanner.collectors.azure.api import AzureApi, resource_group
from scanner.collectors.azure.regions import region_name
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.collectors.times import api_time
from scanner.model import AlertRule, Evidence, Gap, Immutability, SoftDelete, Vault

OPERATIONS = declare(
    "dataprotection",
    {
        "ListBackupVaults": "Microsoft.DataProtection/backupVaults/read",
        "ListBackupPolicies": "Microsoft.DataProtection/backupVaults/backupPolicies/read",
        "ListBackupInstances": "Microsoft.DataProtection/backupVaults/backupInstances/read",
        "ListRecoveryPoints": (
            "Microsoft.DataProtection/backupVaults/backupInstances/recoveryPoints/read"
        ),
        "ListBackupJobs": "Microsoft.DataProtection/backupVaults/backupJobs/read",
    },
)
_GROUP = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers"
_VAULT = _GROUP + r"/Microsoft\.DataProtection/backupVaults/[^/]+"
ROUTES: tuple[Route, ...] = (
    route(
        OPERATIONS[0],
        "GET",
        r"/subscriptions/[^/]+/providers/Microsoft\.DataProtection/backupVaults",
    ),
    route(OPERATIONS[1], "GET", _VAULT + r"/backupPolicies"),
    route(OPERATIONS[2], "GET", _VAULT + r"/backupInstances"),
    route(OPERATIONS[3], "GET", _VAULT + r"/backupInstances/[^/]+/recoveryPoints"),
    route(OPERATIONS[4], "GET", _VAULT + r"/backupJobs"),
)
SOURCE = "Azure Backup"
#: The kinds of store Backup vaults can protect (of those collected).
PROTECTED_KINDS = frozenset({"azure.storage.account", "azure.cosmosdb.account"})
_REDUNDANCY = {"GeoRedundant": "geo", "ZoneRedundant": "zone", "LocallyRedundant": "local"}
_LOCK = {"Locked": "locked", "Unlocked": "unlocked", "Disabled": "disabled"}


@dataclass
class BackupVaults:
    """What the Backup vaults of one subscription hold."""

    vaults: list[Vault] = field(default_factory=list)
    #: policy id (lower case) → the policy as ARM wrote it
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (vault id, backup instance as ARM wrote it)
    instances: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: backup instance id (lower case) → recovery point times
    points: dict[str, list[Any]] = field(default_factory=dict)
    #: listings that failed for the whole subscription or a vault
    gaps: list[Gap] = field(default_factory=list)
    #: the vault listing's gap: no vault, instance or job of the subscription is known
    listing_gap: Gap | None = None
    #: vault ids (lower case) whose backup instances could not be listed
    unlisted: set[str] = field(default_factory=set)
    #: (vault id, job as ARM wrote it), from every vault whose jobs were listed
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: job listings that failed, by vault id (lower case)
    job_gaps: dict[str, Gap] = field(default_factory=dict)
    #: recovery-point listings that failed, by backup instance id (lower case)
    instance_gaps: dict[str, Gap] = field(default_factory=dict)
    #: the vaults' own job-failure alerts, and the gap when the vaults were not listed
    alerts: list[AlertRule] = field(default_factory=list)
    alert_gaps: list[Gap] = field(default_factory=list)


def read_vaults(api: AzureApi, subscription: str) -> BackupVaults:
    """Every vault with its policies, backup instances and their recovery points; what
    cannot be read is a gap."""
    from azure.mgmt.dataprotection import DataProtectionMgmtClient

    client = api.client(DataProtectionMgmtClient, subscription)
    found = BackupVaults()
    listing = api.pages(
        "dataprotection",
        "ListBackupVaults",
        "protections",
        client.backup_vaults.get_in_subscription,
    )
    if listing.gap is not None:
        found.listing_gap = listing.gap
        found.gaps.append(listing.gap)
        found.alert_gaps.append(listing.gap.model_copy(update={"attribute": "alerting"}))
        return found
    for answer in listing.items:
        found.vaults.append(vault(answer, subscription))
        alerts = vault_alerts(answer)
        if isinstance(alerts, Gap):
            found.alert_gaps.append(alerts)
        else:
            found.alerts.append(alerts)
        _read_vault(api, client, answer, found)
    return found


def _read_vault(api: AzureApi, client: Any, answer: dict[str, Any], found: BackupVaults) -> None:
    vault_id, name = str(answer["id"]), str(answer["name"])
    group = resource_group(vault_id)
    where = region_name(answer.get("location", ""))
    policies = api.pages(
        "dataprotection",
        "ListBackupPolicies",
        "protections",
        partial(client.backup_policies.list, group, name),
        location=where,
    )
    instances = api.pages(
        "dataprotection",
        "ListBackupInstances",
        "protections",
        partial(client.backup_instances.list, group, name),
        location=where,
    )
    for gap in (policies.gap, instances.gap):
        if gap is not None:
            found.gaps.append(gap.model_copy(update={"resource": vault_id}))
    if instances.gap is not None:
        found.unlisted.add(vault_id.lower())
    _read_jobs(api, client, vault_id, found, where)
    found.policies |= {str(p["id"]).lower(): p for p in policies.items}
    for instance in instances.items:
        found.instances.append((vault_id, instance))
        points = api.pages(
            "dataprotection",
            "ListRecoveryPoints",
            "recovery_points",
            partial(client.recovery_points.list, group, name, instance["name"]),
            location=where,
        )
        key = str(instance["id"]).lower()
        if points.gap is not None:
            found.instance_gaps[key] = points.gap
            continue
        found.points[key] = sorted(
            api_time(p["properties"]["recoveryPointTime"])
            for p in points.items
            if (p.get("properties") or {}).get("recoveryPointTime")
        )


def _read_jobs(
    api: AzureApi, client: Any, vault_id: str, found: BackupVaults, where: str | None
) -> None:
    """The vault's ``backupJobs`` (every page), or the gap of the listing."""
    name = vault_id.rstrip("/").rsplit("/", 1)[-1]
    jobs = api.pages(
        "dataprotection",
        "ListBackupJobs",
        "restores",
        partial(client.jobs.list, resource_group(vault_id), name),
        location=where,
    )
    if jobs.gap is not None:
        found.job_gaps[vault_id.lower()] = jobs.gap.model_copy(update={"resource": vault_id})
        return
    found.jobs += [(vault_id, job) for job in jobs.items]


def vault(answer: dict[str, Any], subscription: str) -> Vault:
    """A Backup vault: storage redundancy, immutability, soft delete and key."""
    props = answer.get("properties") or {}
    security = props.get("securitySettings") or {}
    lock = (security.get("immutabilitySettings") or {}).get("state")
    soft = security.get("softDeleteSettings") or {}
    key = ((security.get("encryptionSettings") or {}).get("keyVaultProperties") or {}).get("keyUri")
    stores = {s.get("type") for s in props.get("storageSettings", [])}
    redundancy = next((_REDUNDANCY[t] for t in _REDUNDANCY if t in stores), None)
    region = region_name(answer.get("location", ""))
    return Vault(
        id=str(answer["id"]),
        name=str(answer["name"]),
        region=region,
        account=subscription,
        key_type="customer_managed" if key else "provider_managed",
        key_id=key,
        immutability=Immutability(state=_LOCK.get(str(lock), "disabled")),
        soft_delete=SoftDelete(
            enabled=soft.get("state") in ("On", "AlwaysOn"),
            retention_days=int(soft["retentionDurationInDays"])
            if soft.get("retentionDurationInDays")
            else None,
        ),
        redundancy=redundancy,
        evidence=[
            Evidence(
                operation="dataprotection:ListBackupVaults",
                region=region,
                fields={
                    "properties.storageSettings[].type": ", ".join(sorted(str(s) for s in stores)),
                    "securitySettings.immutabilitySettings.state": lock,
                    "securitySettings.softDeleteSettings.state": soft.get("state"),
                    "softDeleteSettings.retentionDurationInDays": soft.get(
                        "retentionDurationInDays"
                    ),
                    "featureSettings.crossRegionRestoreSettings.state": (
                        (props.get("featureSettings") or {}).get("crossRegionRestoreSettings") or {}
                    ).get("state"),
                },
            )
        ],
    )
