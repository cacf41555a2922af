"""The registry of clouds: a cloud's name → its plugin, imported only when asked for.

A plugin (one per cloud, in ``scanner/collectors/<cloud>/plugin.py``) declares the
cloud's command-line options, its region syntax, its store kinds with their
capabilities, the read operations and the permission document generated from them, how
to build a collector, and how to run the cloud's emulator for the demo. Nothing outside a
cloud's folders imports them: the CLI, the demo, the pipeline, the engine, the renderers
and the benches go through :func:`plugin`. Adding a cloud is one line in ``PLUGINS``.
"""

from __future__ import annotations

import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scanner.errors import InputError
from scanner.vocabulary import Capability, Cloud

if TYPE_CHECKING:  # kept out of import time: ``--help`` reads the options only
    from scanner.collectors.base import Collector
    from scanner.collectors.readonly import ReadOperation

#: cloud name → "module:attribute" of its plugin instance.
PLUGINS: dict[str, str] = {
    "aws": "scanner.collectors.aws.plugin:PLUGIN",
    "gcp": "scanner.collectors.gcp.plugin:PLUGIN",
    "azure": "scanner.collectors.azure.plugin:PLUGIN",
}


@dataclass(frozen=True)
class StoreKind:
    """A kind of store (``aws.dynamodb.table``), what it can have, and how its ids look.

    ``example_id`` is a template with ``{account}``, ``{region}`` and ``{name}``: rule
    cases build their base store of this kind from it. ``audit_services``: the names
    under which an account's audit-log configurations record data access to this kind
    (``{id}``: the store's own id); empty when its data access is recorded by no
    configuration the collector reads (a database engine's own audit log).
    """

    id: str
    cloud: Cloud
    title: str
    capabilities: frozenset[Capability]
    example_id: str
    audit_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectorOption:
    """A command-line option a cloud's collector takes (``--profile``)."""

    flag: str
    help: str
    kind: Literal["text", "list", "flag"] = "text"
    metavar: str | None = None

    @property
    def key(self) -> str:
        """The option's name as a Python identifier (``--role-name`` → ``role_name``)."""
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class CollectRequest:
    """What the user asked for: regions (validated), workers, and the cloud's options."""

    regions: tuple[str, ...] | None = None
    workers: int = 16
    options: Mapping[str, Any] | None = None

    def option(self, key: str) -> Any:
        """One of the cloud's options by key (``role_name``); None when not given."""
        return (self.options or {}).get(key)

    def account_ids(self, key: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
        """A list option of account IDs (``projects``, ``subscriptions``), duplicates
        dropped in order; one that is not ``what`` (matches no ``pattern``) is bad input."""
        chosen = tuple(dict.fromkeys(self.option(key) or ()))
        bad = [a for a in chosen if not pattern.match(a)]
        if bad:
            flag = "--" + key.replace("_", "-")
            raise InputError(f"{flag}: {', '.join(bad)} is not {what}")
        return chosen


class CloudPlugin(ABC):
    """Everything the rest of backup-audit needs to know about one cloud."""

    name: Cloud
    title: str
    #: What the cloud calls an account: account, project, subscription.
    account_word: str
    region_example: str
    example_account: str
    example_region: str
    options: tuple[CollectorOption, ...]
    kinds: tuple[StoreKind, ...]
    #: Whether the cloud's resource ids name the same resource whatever their case (Azure)
    ids_ignore_case: bool = False

    def known_regions(self) -> tuple[str, ...] | None:
        """Every region name the cloud's SDK knows (None: no list to check against)."""
        return None

    @abstractmethod
    def is_region(self, text: str) -> bool:
        """Whether ``text`` is written the way this cloud writes region names."""

    @abstractmethod
    def collector(self, request: CollectRequest) -> Collector:
        """A collector for one run (bad options raise InputError)."""

    @abstractmethod
    def operations(self) -> tuple[ReadOperation, ...]:
        """Every read operation the cloud's collectors may call."""

    @abstractmethod
    def permissions_document(self) -> str:
        """The least-privilege policy (or role) for those operations, as text."""

    @abstractmethod
    def load_estate(self, section: Any, path: Path, text: str, prefix: str) -> Any:
        """Validate the cloud's section of a demo estate file (errors name file and line)."""

    @abstractmethod
    def emulate(self, estate: Any, now: datetime) -> AbstractContextManager[Emulated]:
        """Start the cloud's emulator on 127.0.0.1 seeded with ``estate`` (ages relative
        to ``now``); stopped when the context ends."""


@dataclass(frozen=True)
class Emulated:
    """A running emulator: the regions it holds, and the collector options (JSON-able,
    not command-line flags) that point a collector at it with dummy credentials."""

    regions: tuple[str, ...]
    options: dict[str, Any]

    def request(self, workers: int = 16) -> CollectRequest:
        """The collect request that reads the emulated estate."""
        return CollectRequest(regions=self.regions, workers=workers, options=self.options)


def known_clouds() -> tuple[str, ...]:
    """The clouds this version can collect."""
    return tuple(sorted(PLUGINS))


@cache
def plugin(name: str) -> CloudPlugin:
    """The plugin of cloud ``name`` (imported on first use); unknown names are bad input."""
    if name not in PLUGINS:
        raise InputError(
            f"unknown cloud {name!r}: this version collects {', '.join(known_clouds())}"
        )
    module, attribute = PLUGINS[name].split(":")
    found: CloudPlugin = getattr(importlib.import_module(module), attribute)
    return found


def plugins() -> tuple[CloudPlugin, ...]:
    """Every registered cloud's plugin."""
    return tuple(plugin(name) for name in known_clouds())


@cache
def store_kinds() -> dict[str, StoreKind]:
    """Every store kind of every registered cloud, by id."""
    return {kind.id: kind for p in plugins() for kind in p.kinds}
