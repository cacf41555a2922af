"""An Azure SQL database's long-term retention backups — listed by location, server and
database (``longTermRetentionBackups``) — as recovery points held in the service's LTR
storage, recorded as a vault: immutable when the policy's time-based immutability is
on and locked, with the database's key. A backup whose own immutability differs (taken
before immutability was turned on, or whose lock differs) is held in a vault of its own
state, so no point is judged by the policy of today alone."""

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
) -> list[Vault]:
    """The LTR backups that exist, as points in ``vault`` — or, for backups whose own
    immutability (``isBackupImmutable``, ``timeBasedImmutabilityMode``) differs from the
    policy's, in a vault of that immutability, returned. An unreadable listing leaves the
    database's recovery points unknown."""
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
        return []
    made = [b for b in listing.items if (b.get("properties") or {}).get("backupTime")]
    if not made:
        item.note_listing(_listed(store.region, 0))
        return []
    by_state: dict[str | None, list[Any]] = {}
    for backup in made:
        state = backup_immutability(backup["properties"])
        by_state.setdefault(state, []).append(api_time(backup["properties"]["backupTime"]))
    held = {state: _vault_in_state(vault, state) for state in by_state}
    encrypted = store.encryption.enabled if store.encryption else None
    for state, times in sorted(by_state.items(), key=lambda kv: str(kv[0])):
        item.add_points(
            "native_backup",
            SOURCE,
            sorted(times),
            _listed(store.region, len(times), state),
            encrypted,
            vaults=[held[state].id],
            key_type=vault.key_type,
        )
    return [v for v in held.values() if v.id != vault.id]


def backup_immutability(props: dict[str, Any]) -> str | None:
    """One backup's own immutability: disabled when it is not immutable; locked or
    unlocked by its time-based immutability mode; ``None`` (unknown) when the answer
    does not say — never the policy's state of today."""
    immutable = props.get("isBackupImmutable")
    if immutable is False:
        return "disabled"
    mode = props.get("timeBasedImmutabilityMode")
    if immutable is None or props.get("timeBasedImmutability") == "Disabled" or mode is None:
        return None
    return {"Locked": "locked", "Unlocked": "unlocked"}.get(str(mode))


def _vault_in_state(vault: Vault, state: str | None) -> Vault:
    """The LTR storage as it holds backups of one immutability state (``None``:
    unknown, a vault whose immutability is unknown)."""
    if vault.immutability is not None and vault.immutability.state == state:
        return vault
    word = state or "unknown"
    return vault.model_copy(
        update={
            "id": f"{vault.id}#{word}",
            "name": f"{vault.name} ({word} immutability)",
            "immutability": Immutability.model_validate({"state": state}) if state else None,
            "evidence": [_listed(vault.region, None, word)],
        }
    )


def _listed(region: str, count: int | None, state: str | None = None) -> Evidence:
    fields: dict[str, Any] = {}
    if count is not None:
        fields["long-term retention backups"] = count
    if state is not None:
        fields["isBackupImmutable / timeBasedImmutabilityMode (per backup)"] = state
    return Evidence(operation="sql:ListLongTermRetentionBackups", region=region, fields=fields)
