"""Google Cloud's plugin: options, store kinds, region syntax, the custom IAM role, the
collector and the emulator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.collectors.registry import (
    CloudPlugin,
    CollectorOption,
    CollectRequest,
    Emulated,
    StoreKind,
)
from scanner.vocabulary import REGION_SYNTAX, Capability, Cloud

if TYPE_CHECKING:
    from scanner.collectors.base import Collector
    from scanner.collectors.readonly import ReadOperation

_REGION = re.compile(REGION_SYNTAX["gcp"])
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_DATABASE: frozenset[Capability] = frozenset({"deletion_protection", "backup", "continuous"})
_BUCKET: frozenset[Capability] = frozenset({"versioning", "soft_delete", "retention_lock"})

KINDS = (
    StoreKind(
        "gcp.storage.bucket",
        "gcp",
        "Cloud Storage bucket",
        _BUCKET,
        "gs://{name}",
        ("storage.googleapis.com",),
    ),
    StoreKind(
        "gcp.firestore.database",
        "gcp",
        "Firestore database",
        _DATABASE,
        "projects/{account}/databases/{name}",
        ("firestore.googleapis.com", "datastore.googleapis.com"),
    ),
    StoreKind(
        "gcp.sql.instance",
        "gcp",
        "Cloud SQL instance",
        _DATABASE | {"replication"},
        "projects/{account}/instances/{name}",
    ),
)

OPTIONS = (
    CollectorOption(
        "--projects",
        "Google Cloud project IDs to read, comma-separated. Default: every active project "
        "the credentials can list (Application Default Credentials).",
        kind="list",
        metavar="ID,…",
    ),
)


class GcpPlugin(CloudPlugin):
    """Google Cloud: Cloud Storage, Firestore, Cloud SQL and Backup and DR."""

    name: Cloud = "gcp"
    title = "Google Cloud"
    account_word = "project"
    region_example = "europe-west1"
    example_account = "northwind-prod"
    example_region = "europe-west1"
    options = OPTIONS
    kinds = KINDS

    def is_region(self, text: str) -> bool:
        """``europe-west1``, ``us-central1``, a multi-region such as ``EU`` or ``eur3``."""
        return _REGION.match(text) is not None

    def collector(self, request: CollectRequest) -> Collector:
        """A GcpCollector for the projects asked for (or every active one)."""
        from scanner.collectors.gcp.api import GcpSettings
        from scanner.collectors.gcp.collect import GcpCollector

        projects = request.account_ids("projects", _PROJECT, "a Google Cloud project ID")
        settings = GcpSettings(endpoint=request.option("endpoint"))
        return GcpCollector(settings, projects or None)

    def operations(self) -> tuple[ReadOperation, ...]:
        """Every operation the Google Cloud collectors may call."""
        from scanner.collectors.gcp.collect import OPERATIONS

        return OPERATIONS

    def permissions_document(self) -> str:
        """A custom IAM role (``gcloud iam roles create --file``) with exactly the
        permissions the declared operations need."""
        import yaml

        role = {
            "title": "backup-audit read-only",
            "description": "What backup-audit reads: no write, no data access.",
            "stage": "GA",
            "includedPermissions": sorted({op.permission for op in self.operations()}),
        }
        return yaml.safe_dump(role, sort_keys=False)

    def load_estate(self, section: Any, path: Path, text: str, prefix: str) -> Any:
        """The ``gcp:`` section of a demo estate file."""
        from scanner.emulator.gcp.estate import GcpEstate
        from scanner.fileio import validate_section

        return validate_section(GcpEstate, section, path, text, prefix)

    @contextmanager
    def emulate(self, estate: Any, now: datetime) -> Iterator[Emulated]:
        """The REST fake on 127.0.0.1 seeded with ``estate``."""
        from scanner.emulator.gcp.seed import seed
        from scanner.emulator.gcp.server import gcp_fake

        with gcp_fake(seed(estate, now)) as endpoint:
            projects = [p.id for p in estate.projects]
            yield Emulated((), {"endpoint": endpoint, "projects": projects})


PLUGIN = GcpPlugin()
