"""``backup-audit demo``: the real collectors against an emulated estate on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

from scanner.collectors.aws.api import ClientSettings
from scanner.collectors.aws.collect import CollectionRun, CollectOptions, collect_aws
from scanner.emulator.estate import Estate, load_estate
from scanner.emulator.seed import Seeder
from scanner.emulator.server import EmulatedAws, dummy_session
from scanner.engine.rules import load_pack
from scanner.engine.run import EvaluationSummary, evaluate_files
from scanner.inventory import write_snapshot
from scanner.progress import Progress


def default_estate() -> Estate:
    """The shipped example estate (``samples/estate.yaml``)."""
    with as_file(files("scanner.samples").joinpath("estate.yaml")) as path:
        return load_estate(path)


@dataclass
class DemoOutcome:
    """Where the demo wrote its outputs, and what they hold."""

    inventory: Path
    csv: Path
    run: CollectionRun
    evaluation: EvaluationSummary


def sample_policy() -> Path:
    """The shipped example policy (``samples/policy.yaml``)."""
    return Path(str(files("scanner.samples").joinpath("policy.yaml")))


def run_demo(
    out_dir: Path,
    estate: Estate,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
) -> DemoOutcome:
    """Seed the emulator with ``estate``, collect it and evaluate it against the sample
    policy: ``inventory.json``, ``findings.json`` and ``results.csv`` in ``out_dir``."""
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
    csv = out_dir / "results.csv"
    evaluation = evaluate_files(
        path, sample_policy(), load_pack(), out_dir / "findings.json", clock, csv
    )
    return DemoOutcome(path, csv, run, evaluation)
