"""An Azure SQL database's long-term retention backups — listed by location, server and
database (``longTermRetentionBackups``) — as recovery points held in the service's LTR
storage, recorded as a vault: immutable when the policy's time-based immutability is
on and locked, with the database's key."""

from __future__ import annotations

from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.api import AzureApi
from scanner.collectors.tasks import StoreResult
from scanner.collectors.times import api_time
from scanner.model import Evidence, Immutability, Vault

SOURCE = "SQL Database long-term retention backups"


def ltr_vault(item: StoreResult, policy: dict[str, Any]) -> Vault:
    """Where the database's LTR backups are kept, with the policy's immutability."""
    store = item.store
    props = policy.get("properties") or {}
    on = props.get("timeBasedImmutability") == "Enabled"
    mode = props.get("timeBasedImmutabilityMode")
    state = "locked" if on and mode == "Locked" else "unlocked" if on else "disabled"
    encryption = store.encryption
    return Vault(
        id=f"{store.id}/longTermRetentionBackups",
        name=f"Long-term retention backups of {store.name}",
        region=store.region,
        account=store.account,
        key_type=encryption.key_type if encryption else None,
        key_id=encryption.key_id if encryption else None,
        immutability=Immutability(state=state),
        evidence=[
            Evidence(
                operation="sql:GetLongTermRetentionPolicy",
                region=store.region,
                fields={
                    "properties.timeBasedImmutability": props.get("timeBasedImmutability"),
                    "properties.timeBasedImmutabilityMode": mode,
                },
            )
        ],
    )


def add_ltr_backups(
    api: AzureApi, client: Any, server: str, item: StoreResult, vault: Vault
) -> None:
    """The LTR backups that exist, as points in ``vault``; an unreadable listing leaves
    the database's recovery points unknown."""
    store = item.store
    listing = api.pages(
        "sql",
        "ListLongTermRetentionBackups",
        "recovery_points",
        lambda: client.long_term_retention_backups.list_by_database(
            store.region, server, store.name
        ),
        location=store.region,
    )
    if listing.gap is not None:
        store.gaps += gap_for(listing.gap, "recovery_points", resource=store.id)
        return
    made = sorted(
        api_time(b["properties"]["backupTime"])
        for b in listing.items
        if (b.get("properties") or {}).get("backupTime")
    )
    evidence = Evidence(
        operation="sql:ListLongTermRetentionBackups",
        region=store.region,
        fields={"long-term retention backups": len(made)},
    )
    if not made:
        item.note_listing(evidence)
        return
    encrypted = store.encryption.enabled if store.encryption else None
    item.add_points(
        "native_backup",
        SOURCE,
        made,
        evidence,
        encrypted,
        vaults=[vault.id],
        key_type=vault.key_type,
    )
