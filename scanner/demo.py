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
from scanner.engine.rules import load_pack
from scanner.pipeline import PipelineOptions, PipelineOutcome, after_collection
from scanner.progress import Progress


def default_estate() -> Estate:
    """The shipped example estate (``samples/estate.yaml``)."""
    with as_file(files("scanner.samples").joinpath("estate.yaml")) as path:
        return load_estate(path)


def sample_policy() -> Path:
    """The shipped example policy (``samples/policy.yaml``)."""
    return Path(str(files("scanner.samples").joinpath("policy.yaml")))


def run_demo(
    out_dir: Path,
    estate: Estate,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
    formats: tuple[str, ...] = ("html", "pdf"),
) -> tuple[CollectionRun, PipelineOutcome]:
    """Seed the emulator with ``estate``, collect it, evaluate it against the sample policy
    and write inventory, findings, CSV and the reports in ``out_dir``."""
    with EmulatedAws() as emulator:
        Seeder(dummy_session(), emulator.moto_url, estate, clock()).seed(emulator.backup_state)
        run = collect_aws(
            dummy_session(),
            clock,
            CollectOptions(regions=tuple(estate.regions)),
            ClientSettings(endpoints=emulator.endpoints),
            progress,
        )
    options = PipelineOptions(policy=sample_policy(), pack=load_pack(), formats=formats)
    return run, after_collection(run, out_dir, options, clock)
