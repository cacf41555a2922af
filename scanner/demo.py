"""``backup-audit demo``: the real collectors against an emulated estate on 127.0.0.1.

Each cloud section of the estate file is run by its cloud's plugin (emulator started,
seeded, collected, stopped); the snapshots are merged and go through the same stages
as ``scan``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

from scanner.collectors.base import collect
from scanner.collectors.registry import plugin
from scanner.emulator.estate import Estate, load_estate, restore_evidence_text
from scanner.engine.rules import load_pack
from scanner.merge import merge_snapshots
from scanner.model import Snapshot
from scanner.pipeline import PipelineOptions, PipelineOutcome, after_collection
from scanner.progress import Progress
from scanner.restore_evidence import EVIDENCE_NAME, RestoreEvidence, load_restore_evidence


def default_estate() -> Estate:
    """The shipped example estate (``samples/estate.yaml``)."""
    with as_file(files("scanner.samples").joinpath("estate.yaml")) as path:
        return load_estate(path)


def sample_policy() -> Path:
    """The shipped example policy (``samples/policy.yaml``)."""
    return Path(str(files("scanner.samples").joinpath("policy.yaml")))


def emulate(
    estate: Estate, clock: Callable[[], datetime], progress: Progress | None = None
) -> Snapshot:
    """Every cloud of ``estate`` emulated, seeded and collected, in one snapshot."""
    snapshots = []
    for cloud, section in sorted(estate.clouds.items()):
        emulator = plugin(cloud)
        with emulator.emulate(section, clock()) as emulated:
            collector = emulator.collector(emulated.request())
            snapshots.append((cloud, collect(collector, clock, progress=progress)))
    return snapshots[0][1] if len(snapshots) == 1 else merge_snapshots(snapshots)


def _recorded_restores(estate: Estate, now: datetime) -> RestoreEvidence | None:
    """The estate's recorded restore tests as a restore-evidence file, dated from ``now``
    and read back as any user's file is (the pipeline keeps it beside the outputs)."""
    if not estate.restore_evidence:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / EVIDENCE_NAME
        path.write_text(restore_evidence_text(estate.restore_evidence, now))
        return load_restore_evidence(path)


def run_demo(
    out_dir: Path,
    estate: Estate,
    clock: Callable[[], datetime],
    progress: Progress | None = None,
    formats: tuple[str, ...] = ("html", "pdf"),
) -> tuple[Snapshot, PipelineOutcome]:
    """Emulate and collect ``estate``, evaluate it against the sample policy and write
    inventory, findings, CSV and the reports in ``out_dir``."""
    snapshot = emulate(estate, clock, progress)
    options = PipelineOptions(
        policy=sample_policy(),
        pack=load_pack(),
        formats=formats,
        restore_evidence=_recorded_restores(estate, snapshot.collected_at),
    )
    return snapshot, after_collection(snapshot, out_dir, options, clock)
