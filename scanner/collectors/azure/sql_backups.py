"""One Azure SQL database's backups: point-in-time restore (short-term retention and the
database's ``earliestRestoreDate``), long-term retention (the policy, and the backups it
kept, in LTR storage recorded as a vault), geo-replicas and encryption — each read
leaves only its own facts unknown when it fails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.api import AzureApi
from scanner.collectors.azure.periods import period_days
from scanner.collectors.azure.regions import region_name
from scanner.collectors.azure.sql_keys import Protector, read_encryption
from scanner.collectors.azure.sql_ltr import add_ltr_backups, ltr_vault
from scanner.collectors.tasks import StoreResult, TaskResult
from scanner.collectors.times import api_time
from scanner.model import Copy, Evidence, Protection, Vault

PITR = "SQL Database point-in-time restore"
#: How often each long-term retention tier keeps a backup (the first of its period).
_TIER_HOURS = (("weeklyRetention", 168.0), ("monthlyRetention", 744.0), ("yearlyRetention", 8784.0))


def read_backups(
    api: AzureApi,
    client: Any,
    group: str,
    server: str,
    item: StoreResult,
    protector: Protector,
    now: datetime,
) -> TaskResult:
    """Encryption, short-term and long-term retention (with LTR backups) and replication
    links of one database; the LTR storage as a vault."""
    store = item.store
    read_encryption(api, client, group, server, store, protector)
    _read_short_term(api, client, group, server, item, now)
    vaults = _read_long_term(api, client, group, server, item)
    links = api.pages(
        "sql",
        "ListReplicationLinks",
        "copies",
        lambda: client.replication_links.list_by_database(group, server, store.name),
        location=store.region,
    )
    if links.gap is not None:
        store.gaps += gap_for(links.gap, "copies", resource=store.id)
    else:
        store.copies += [_replica(link, store.region) for link in links.items if _is_primary(link)]
    return TaskResult(facts=vaults)


def _read_short_term(
    api: AzureApi, client: Any, group: str, server: str, item: StoreResult, now: datetime
) -> None:
    store = item.store
    short, gap = api.call(
        "sql",
        "GetShortTermRetentionPolicy",
        "protections",
        lambda: client.backup_short_term_retention_policies.get(
            group, server, store.name, "default"
        ),
        location=store.region,
    )
    if gap is not None:
        unread = gap.model_copy(update={"role": "continuous"})
        store.gaps += gap_for(unread, "protections", resource=store.id)
    else:
        store.protections.append(_short_term(short or {}, store.region))
    _add_window(item, now)


def _read_long_term(
    api: AzureApi, client: Any, group: str, server: str, item: StoreResult
) -> list[Vault]:
    """The LTR policy as a protection and, when it keeps backups, those that exist as
    points in the LTR storage (returned as a vault)."""
    store = item.store
    policy, gap = api.call(
        "sql",
        "GetLongTermRetentionPolicy",
        "protections",
        lambda: client.long_term_retention_policies.get(group, server, store.name, "default"),
        location=store.region,
    )
    if policy is None:
        unread = gap.model_copy(update={"role": "backup"}) if gap else None
        store.gaps += gap_for(unread, "protections", resource=store.id) if unread else []
        return []
    protection = _long_term(policy, store.region)
    store.protections.append(protection)
    if not protection.enabled:
        return []
    vault = ltr_vault(item, policy)
    protection.vault = vault.id
    return [vault, *add_ltr_backups(api, client, server, item, vault)]


def _short_term(policy: dict[str, Any], region: str) -> Protection:
    props = policy.get("properties") or {}
    days = props.get("retentionDays")
    return Protection(
        role="continuous",
        origin="native",
        source=PITR,
        name="Point-in-time restore",
        enabled=bool(days),
        retention_days=float(days) if days else None,
        immutable=False,
        details={"differential_backup_hours": props.get("diffBackupIntervalInHours")},
        evidence=[
            Evidence(
                operation="sql:GetShortTermRetentionPolicy",
                region=region,
                fields={
                    "properties.retentionDays": days,
                    "properties.diffBackupIntervalInHours": props.get("diffBackupIntervalInHours"),
                },
            )
        ],
    )


def _add_window(item: StoreResult, now: datetime) -> None:
    """The database's restorable window, from ``earliestRestoreDate`` to the present."""
    earliest = item.store.attributes.get("earliest_restore_date")
    if not earliest:
        return
    evidence = Evidence(
        operation="sql:ListDatabases",
        region=item.store.region,
        fields={"properties.earliestRestoreDate": earliest},
    )
    oldest = api_time(earliest)
    encryption = item.store.encryption
    key_type = encryption.key_type if encryption else None
    item.add_window(
        PITR, oldest, now, evidence, encryption.enabled if encryption else None, key_type
    )


def _long_term(policy: dict[str, Any], region: str) -> Protection:
    """Long-term retention: backups kept weekly, monthly or yearly for their periods;
    immutable when time-based immutability is on and locked."""
    props = policy.get("properties") or {}
    kept = {tier: period_days(props.get(tier)) for tier, _ in _TIER_HOURS}
    often = next((hours for tier, hours in _TIER_HOURS if kept[tier]), None)
    longest = max((d for d in kept.values() if d), default=None)
    locked = props.get("timeBasedImmutability") == "Enabled"
    return Protection(
        role="backup",
        origin="native",
        source="SQL Database long-term retention",
        name="Long-term retention",
        enabled=longest is not None,
        frequency_hours=often,
        retention_days=longest,
        immutable=(locked and props.get("timeBasedImmutabilityMode") == "Locked")
        if longest
        else None,
        evidence=[
            Evidence(
                operation="sql:GetLongTermRetentionPolicy",
                region=region,
                fields={
                    "properties.weeklyRetention": props.get("weeklyRetention"),
                    "properties.monthlyRetention": props.get("monthlyRetention"),
                    "properties.yearlyRetention": props.get("yearlyRetention"),
                    "properties.timeBasedImmutability": props.get("timeBasedImmutability"),
                    "properties.timeBasedImmutabilityMode": props.get("timeBasedImmutabilityMode"),
                },
            )
        ],
    )


def _is_primary(link: dict[str, Any]) -> bool:
    return (link.get("properties") or {}).get("role") == "Primary"


def _replica(link: dict[str, Any], region: str) -> Copy:
    """A geo-replica this database is primary to (its server may be in another
    subscription: the link does not say, so the account stays unknown)."""
    props = link.get("properties") or {}
    partner = props.get("partnerLocation")
    where = region_name(partner) if partner else None
    return Copy(
        kind="replica",
        target=f"{props.get('partnerServer')}/{props.get('partnerDatabase')}",
        region=where,
        account=None,
        resolved=where is not None,
        state="observed",
        source=f"SQL Database {props.get('linkType', 'GEO')} replica",
        evidence=[
            Evidence(
                operation="sql:ListReplicationLinks",
                region=region,
                fields={
                    "properties.partnerServer": props.get("partnerServer"),
                    "properties.partnerLocation": partner,
                    "properties.partnerRole": props.get("partnerRole"),
                    "properties.replicationState": props.get("replicationState"),
                },
            )
        ],
    )
