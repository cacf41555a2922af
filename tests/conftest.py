"""Shared fixtures: one emulated AWS (moto server + AWS Backup fake) per test session,
reset before each test that uses it; helpers to seed an estate and collect it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from scanner.collectors.aws.api import ClientSettings
from scanner.collectors.aws.collect import CollectionRun, CollectOptions, collect_aws
from scanner.emulator.estate import Estate
from scanner.emulator.seed import Seeder
from scanner.emulator.server import EmulatedAws, dummy_session
from scanner.model import DataStore, Snapshot

NOW = datetime.now(timezone.utc).replace(microsecond=0)
ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def _emulator() -> Iterator[EmulatedAws]:
    with EmulatedAws() as emulator:
        yield emulator


@pytest.fixture()
def aws(_emulator: EmulatedAws) -> EmulatedAws:
    """The emulated AWS, emptied."""
    _emulator.reset()
    return _emulator


def seed(aws: EmulatedAws, **estate: Any) -> Estate:
    """Seed an estate given as the keyword arguments of an estate file."""
    spec = Estate.model_validate(
        {"organisation": "Test", "regions": ["eu-west-1", "us-east-1"]} | estate
    )
    Seeder(dummy_session(), aws.moto_url, spec, NOW).seed(aws.backup_state)
    return spec


def collect(
    aws: EmulatedAws, regions: tuple[str, ...] | None = ("eu-west-1", "us-east-1"), **settings: Any
) -> CollectionRun:
    """Collect the emulated account with the real collectors (``regions=None``: all enabled)."""
    options = {"endpoints": aws.endpoints, "max_attempts": 2} | settings
    return collect_aws(
        dummy_session(), lambda: NOW, CollectOptions(regions=regions), ClientSettings(**options)
    )


def store(snapshot: Snapshot, name: str) -> DataStore:
    """The store called ``name``."""
    found = [s for s in snapshot.stores if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in snapshot.stores]}"
    return found[0]


def arn(service: str, region: str, resource: str) -> str:
    """An ARN in the test account."""
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"
