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
from scanner.vocabulary import KeyType

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
    """The database's encryption: TDE's state, and the key type its own key or its
    server's protector says; either unreadable leaves that part unknown."""
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
    evidence = Evidence(
        operation="sql:GetTransparentDataEncryption",
        region=store.region,
        fields={"properties.state": state},
    )
    key_type, key_id, key_evidence = _key(store, protector)
    enabled = state == "Enabled"
    store.encryption = Encryption(
        enabled=enabled,
        key_type=key_type if enabled else None,
        key_id=key_id if enabled else None,
        evidence=[evidence, *key_evidence],
    )


def _key(
    store: DataStore, protector: Protector
) -> tuple[KeyType | None, str | None, list[Evidence]]:
    """The key that encrypts the database — its own Key Vault key, else its server's
    protector — as key type, key id and evidence; an unread protector is a gap."""
    own = store.attributes.get("encryption_protector")
    if own:
        fields = {"properties.encryptionProtector": str(own)}
        evidence = Evidence(operation="sql:ListDatabases", region=store.region, fields=fields)
        return "customer_managed", str(own), [evidence]
    found, unread = protector
    if found is None:
        store.gaps += gap_for(unread, "encryption_key", resource=store.id) if unread else []
        return None, None, []
    props = found.get("properties") or {}
    kind, uri = props.get("serverKeyType"), props.get("uri")
    evidence = Evidence(
        operation="sql:GetEncryptionProtector",
        fields={"properties.serverKeyType": kind, "properties.uri": uri},
    )
    if kind == "AzureKeyVault":
        return "customer_managed", uri, [evidence]
    return "provider_managed", None, [evidence]
