"""One emulated AWS (moto server + AWS Backup fake) per test session, emptied before each
test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.emulator.aws.server import EmulatedAws


@pytest.fixture(scope="session")
def _emulator() -> Iterator[EmulatedAws]:
    with EmulatedAws() as emulator:
        yield emulator


@pytest.fixture()
def aws(_emulator: EmulatedAws) -> EmulatedAws:
    """The emulated AWS, emptied."""
    _emulator.reset()
    return _emulator
