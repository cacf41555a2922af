"""How an Azure SQL database is encrypted at rest: transparent data encryption on the
database (``transparentDataEncryption/current``) with the server's protector
(``encryptionProtector/current``: a service-managed key, or a Key Vault key) — unless
the database names a key of its own (``properties.encryptionProtector``: database-level
customer-managed keys), which then encrypts it whatever the server's protector is."""

from __future__ import annotations

from typing import Any

from scanner.collectors.answers import gap_for
from scanner.collectors.azure.api import AzureApi
from scanner.model import DataStore, Encryption, Evidence, Gap

Protector = tuple[dict[str, Any] | None, Gap | None]


def read_protector(api: AzureApi, client: Any, group: str, server: dict[str, Any]) -> Protector:
    """The server's encryption protector, or the gap reading it left."""
    return api.call(
        "sql",
        "GetEncryptionProtector",
        "encryption_key",
        lambda: client.encryption_protectors.get(group, server["name"], "current"),
    )


def read_encryption(
    api: AzureApi, client: Any, group: str, server: str, store: DataStore, protector: Protector
) -> None:
    """The database's encryption: TDE's state, and the key type its server's protector
    says; either unreadable leaves that part unknown."""
    tde, gap = api.call(
        "sql",
        "GetTransparentDataEncryption",
        "encryption",
        lambda: client.transparent_data_encryptions.get(group, server, store.name, "current"),
        location=store.region,
    )
    if tde is None:
        store.gaps += gap_for(gap, "encryption", resource=store.id) if gap else []
        return
    state = (tde.get("properties") or {}).get("state")
    own = store.attributes.get("encryption_protector")
    found, unread = protector
    if own:  # the database's own Key Vault key
        found, unread = {"properties": {"serverKeyType": "AzureKeyVault", "uri": own}}, None
    props = (found or {}).get("properties") or {}
    kind = props.get("serverKeyType")
    evidence = [
        Evidence(
            operation="sql:GetTransparentDataEncryption",
            region=store.region,
            fields={"properties.state": state},
        )
    ]
    if own:
        evidence.append(
            Evidence(
                operation="sql:ListDatabases",
                region=store.region,
                fields={"properties.encryptionProtector": str(own)},
            )
        )
    elif found is not None:
        evidence.append(
            Evidence(
                operation="sql:GetEncryptionProtector",
                fields={"properties.serverKeyType": kind, "properties.uri": props.get("uri")},
            )
        )
    elif unread is not None:
        store.gaps += gap_for(unread, "encryption_key", resource=store.id)
    key_type = (
        None
        if found is None
        else "customer_managed"
        if kind == "AzureKeyVault"
        else "provider_managed"
    )
    store.encryption = Encryption(
        enabled=state == "Enabled",
        key_type=key_type if state == "Enabled" else None,
        key_id=props.get("uri") if kind == "AzureKeyVault" else None,
        evidence=evidence,
    )
