"""Reading version-1 inventories: ``backup-audit/inventory/v1`` converted to v2 on read.

Version 1 was written by the AWS-only collectors. Every v1 word has one v2 meaning, so
the conversion is exact: protection kinds become roles and origins, recovery-source and
copy kinds their neutral names, vault lock modes immutability states; a store's
location is its one region; a gap's cause is classified from its error code, and a
``kms:DescribeKey`` gap moves from ``encryption`` to ``encryption_key`` (only the key
type depended on it). v1 did not record the API calls made: ``api_calls`` is null.
"""

from __future__ import annotations

from typing import Any, Final

from scanner.collectors.answers import cause_of

V1_SCHEMA: Final = "backup-audit/inventory/v1"

#: v1 protection kind → (role, origin, source)
_PROTECTIONS: dict[str, tuple[str, str, str]] = {
    "pitr": ("continuous", "native", "point-in-time recovery"),
    "automated_backup": ("backup", "native", "automated backups"),
    "backup_plan": ("backup", "backup_service", "AWS Backup"),
    "versioning": ("versioning", "native", "versioning"),
    "replication": ("replication", "native", "replication"),
    "object_lock": ("retention_lock", "native", "Object Lock"),
}
_SOURCES = {"pitr": "continuous", "aws_backup": "backup_service", "on_demand": "manual"}
_COPIES = {
    "replica": "replica",
    "replication": "replication",
    "backup_copy": "backup_copy",
    "automated_backup_replica": "backup_copy",
    "read_replica": "replica",
    "global_cluster_member": "replica",
}
_LOCKS = {"compliance": "locked", "governance": "unlocked", "none": "disabled"}
_VAULT_KEYS = {
    "AWS_OWNED_KMS_KEY": "provider_owned",
    "CUSTOMER_MANAGED_KMS_KEY": "customer_managed",
}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 snapshot (parsed JSON) as v2 data, ready to validate."""
    out = dict(data, schema="backup-audit/inventory/v2", api_calls=None)
    out["stores"] = [_store(s) for s in data.get("stores", [])]
    out["accounts"] = [_account(a) for a in data.get("accounts", [])]
    return out


def _store(store: dict[str, Any]) -> dict[str, Any]:
    out = dict(store)
    out["regions"] = [store.get("region")]
    out["protections"] = [_protection(p) for p in store.get("protections", [])]
    points = dict(store.get("recovery_points") or {})
    points["sources"] = [_source(s) for s in points.get("sources", [])]
    out["recovery_points"] = points
    out["copies"] = [
        dict(c, kind=_COPIES.get(c.get("kind"), c.get("kind"))) for c in store.get("copies", [])
    ]
    out["gaps"] = [_gap(g) for g in store.get("gaps", [])]
    return out


def _protection(protection: dict[str, Any]) -> dict[str, Any]:
    out = dict(protection)
    kind = out.pop("kind", None)
    continuous = out.pop("continuous", False)
    role, origin, source = _PROTECTIONS.get(str(kind), (kind, "native", str(kind)))
    if role == "backup" and continuous:
        role = "continuous"
    return out | {"role": role, "origin": origin, "source": source}


def _source(source: dict[str, Any]) -> dict[str, Any]:
    out = dict(source)
    out.pop("continuous", None)
    kind = str(out.get("kind"))
    if kind == "snapshot":
        automated = "automated" in str(out.get("details", {}).get("types", ""))
        out["kind"] = "native_backup" if automated else "manual"
    else:
        out["kind"] = _SOURCES.get(kind, kind)
    out["source"] = kind
    return out


def _gap(gap: dict[str, Any]) -> dict[str, Any]:
    out = dict(gap)
    if out.get("error_code") == "TagsUnknown":
        out["cause"] = "dependent"
    else:
        out["cause"] = cause_of(str(out.get("error_code", "")))
    if out.get("operation") == "kms:DescribeKey" and out.get("attribute") == "encryption":
        out["attribute"] = "encryption_key"
    return out


def _account(facts: dict[str, Any]) -> dict[str, Any]:
    out = dict(facts)
    out["vaults"] = [_vault(v) for v in facts.get("vaults", [])]
    out["gaps"] = [_gap(g) for g in facts.get("gaps", [])]
    return out


def _vault(vault: dict[str, Any]) -> dict[str, Any]:
    out = dict(vault)
    key_type = out.pop("encryption_key_type", None)
    out["key_id"] = out.pop("encryption_key", None)
    out["key_type"] = _VAULT_KEYS.get(str(key_type))
    mode = out.pop("lock_mode", None)
    lock_date = out.pop("lock_date", None)
    out.pop("locked", None)
    immutability = {
        "min_retention_days": out.pop("min_retention_days", None),
        "max_retention_days": out.pop("max_retention_days", None),
    }
    if mode is not None:
        state = _LOCKS[mode]
        locked_since = lock_date if state == "locked" else None
        out["immutability"] = immutability | {"state": state, "locked_since": locked_since}
    return out
