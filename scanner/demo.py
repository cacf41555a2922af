"""``backup-audit demo``: the real collectors against an emulated estate on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

from scanner.collectors.aws.api import ClientSettings
from scanner.collectors.aws.collect import CollectionRun, CollectOptions, collect_aws
from scanner.emulator.estate import Estate, load_estate
from scanner.emulator.seed import Seeder
from scanner.emulator.server import EmulatedAws, dummy_session
from scanner.inventory import write_snapshot
from scanner.progress import Progress


def default_estate() -> Estate:
    """The shipped example estate (``samples/estate.yaml``)."""
    with as_file(files("scanner.samples").joinpath("estate.yaml")) as path:
        return load_estate(path)


def run_demo(
    out_dir: Path,
    estate: Estate,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
) -> tuple[Path, CollectionRun]:
    """Seed the emulator with ``estate``, collect it, write ``inventory.json`` in ``out_dir``."""
    with EmulatedAws() as emulator:
        Seeder(dummy_session(), emulator.moto_url, estate, clock()).seed(emulator.backup_state)
        run = collect_aws(
            dummy_session(),
            clock,
            CollectOptions(regions=tuple(estate.regions)),
            ClientSettings(endpoints=emulator.endpoints),
            progress,
        )
    path = out_dir / "inventory.json"
    write_snapshot(run.snapshot, path)
    return path, run
