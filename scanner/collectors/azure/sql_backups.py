"""One Azure SQL database's backups: point-in-time restore (short-term retention and the
database's ``earliestRestoreDate``), long-term retention and geo-replicas — three reads,
each of which leaves only its own facts unknown when it fails."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import isodate

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.api import AzureApi
from scanner.collectors.azure.regions import region_name
from scanner.collectors.tasks import StoreResult, TaskResult
from scanner.collectors.times import api_time
from scanner.model import Copy, Evidence, Protection

PITR = "SQL Database point-in-time restore"
#: How often each long-term retention tier keeps a backup (the first of its period).
_TIER_HOURS = (("weeklyRetention", 168.0), ("monthlyRetention", 744.0), ("yearlyRetention", 8784.0))


def read_backups(
    api: AzureApi, client: Any, group: str, server: str, item: StoreResult, now: datetime
) -> TaskResult:
    """Short-term and long-term retention and replication links of one database."""
    store = item.store
    name = store.name
    short, short_gap = api.call(
        "sql",
        "GetShortTermRetentionPolicy",
        "protections",
        lambda: client.backup_short_term_retention_policies.get(group, server, name, "default"),
        location=store.region,
    )
    if short_gap is not None:
        unread = short_gap.model_copy(update={"role": "continuous"})
        store.gaps += gap_for(unread, "protections", resource=store.id)
    else:
        store.protections.append(_short_term(short or {}, store.region))
    _add_window(item, now)
    long, long_gap = api.call(
        "sql",
        "GetLongTermRetentionPolicy",
        "protections",
        lambda: client.long_term_retention_policies.get(group, server, name, "default"),
        location=store.region,
    )
    if long_gap is not None:
        store.gaps += gap_for(
            long_gap.model_copy(update={"role": "backup"}), "protections", resource=store.id
        )
    else:
        store.protections.append(_long_term(long or {}, store.region))
    links = api.pages(
        "sql",
        "ListReplicationLinks",
        "copies",
        lambda: client.replication_links.list_by_database(group, server, name),
        location=store.region,
    )
    if links.gap is not None:
        store.gaps += gap_for(links.gap, "copies", resource=store.id)
    else:
        store.copies += [_replica(link, store.region) for link in links.items if _is_primary(link)]
    return TaskResult()


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
    item.add_window(PITR, oldest, now, evidence, True, None)


def _days(period: object) -> float | None:
    """An ISO 8601 period (``P4W``, ``P12M``, ``P5Y``) in days; ``PT0S`` or none is None.
    Months and years count as 30 and 365 days."""
    if not period:
        return None
    parsed = isodate.parse_duration(str(period))
    if isinstance(parsed, timedelta):
        total = parsed.total_seconds() / 86400
    else:
        extra = parsed.tdelta.total_seconds() / 86400
        total = float(parsed.years) * 365 + float(parsed.months) * 30 + extra
    return total or None


def _long_term(policy: dict[str, Any], region: str) -> Protection:
    """Long-term retention: backups kept weekly, monthly or yearly for their periods;
    immutable when time-based immutability is on and locked."""
    props = policy.get("properties") or {}
    kept = {tier: _days(props.get(tier)) for tier, _ in _TIER_HOURS}
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
