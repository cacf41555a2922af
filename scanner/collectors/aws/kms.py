"""Telling AWS-managed from customer-managed KMS keys (one DescribeKey per distinct key).

Only the key *type* depends on ``DescribeKey``: a store whose answer says it is
encrypted stays known as encrypted when the lookup fails, and the failure is a gap on
``encryption_key`` alone. A key that is not found (deleted, or in another account) is
reported as such — not as a permission to grant.
"""

from __future__ import annotations

import threading

from scanner.collectors.answers import gap_for
from scanner.collectors.aws.api import AwsApi
from scanner.collectors.readonly import declare
from scanner.model import Encryption, Evidence, Gap
from scanner.vocabulary import KeyType

OPERATIONS = declare("kms", {"DescribeKey": "kms:DescribeKey"})

_MANAGERS: dict[str, KeyType] = {"AWS": "provider_managed", "CUSTOMER": "customer_managed"}


class KeyResolver:
    """Caches ``kms:DescribeKey`` answers so each key is described once per collection."""

    def __init__(self, api: AwsApi) -> None:
        self._api = api
        self._cache: dict[tuple[str, str], tuple[KeyType | None, Gap | None]] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}

    def encryption(
        self, region: str, key_id: str, evidence: Evidence, resource: str
    ) -> tuple[Encryption, list[Gap]]:
        """Encryption with a KMS key; the key type stays unknown (with a gap) if unreadable."""
        key_type, gap = self._manager(_key_region(key_id, region), key_id)
        enc = Encryption(enabled=True, key_type=key_type, key_id=key_id, evidence=[evidence])
        return enc, gap_for(gap, "encryption_key", resource=resource) if gap else []

    def _manager(self, region: str, key_id: str) -> tuple[KeyType | None, Gap | None]:
        if key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
            return "provider_managed", None
        key = (region, key_id)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one DescribeKey per key, even when many threads ask at once
            if key not in self._cache:
                answer = self._api.call(
                    "kms", region, "DescribeKey", "encryption_key", KeyId=key_id
                )
                manager = (answer.data or {}).get("KeyMetadata", {}).get("KeyManager")
                self._cache[key] = (_MANAGERS.get(str(manager)), answer.gap)
            return self._cache[key]


def _key_region(key_id: str, default: str) -> str:
    parts = key_id.split(":")
    return parts[3] if key_id.startswith("arn:") and len(parts) > 3 and parts[3] else default
