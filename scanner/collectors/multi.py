"""Collecting one or several clouds in one run, through the registry.

Every cloud's collector is built first (so a bad option of any cloud fails before a
minute is spent reading another), then each is collected and the snapshots are merged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from scanner.collectors.base import collect
from scanner.collectors.registry import CollectRequest, known_clouds, plugin
from scanner.errors import InputError
from scanner.merge import merge_snapshots
from scanner.model import Snapshot
from scanner.progress import Progress


def split_regions(values: list[str] | None, clouds: list[str]) -> dict[str, tuple[str, ...] | None]:
    """``--regions`` per cloud. ``cloud:region`` names the cloud; a bare region goes to the
    one cloud whose syntax it has. A cloud given no region reads all of its regions."""
    chosen: dict[str, set[str]] = {cloud: set() for cloud in clouds}
    tokens = [t.strip() for v in values or [] for t in v.split(",") if t.strip()]
    if values is not None and not tokens:
        raise InputError("--regions: no region given (leave the flag out to read every region)")
    for token in tokens:
        cloud, _, region = token.rpartition(":")
        if cloud:
            if cloud not in known_clouds():
                raise InputError(
                    f"--regions: {token} names an unknown cloud {cloud!r}"
                    f" (this version collects {', '.join(known_clouds())})"
                )
            if cloud not in chosen:
                raise InputError(
                    f"--regions: {token} names {cloud!r}, which is not being collected"
                )
            owners = [cloud] if plugin(cloud).is_region(region) else []
        else:
            owners = [c for c in clouds if plugin(c).is_region(region)]
        if not owners:
            raise InputError(
                f"--regions: {region} is not a region name of {_examples(cloud or clouds)}"
            )
        if len(owners) > 1:
            raise InputError(
                f"--regions: {region} could be {' or '.join(owners)}: write cloud:{region}"
            )
        chosen[owners[0]].add(region)
    return {cloud: tuple(sorted(r)) or None for cloud, r in chosen.items()}


def _examples(clouds: str | list[str]) -> str:
    names = [clouds] if isinstance(clouds, str) else clouds
    return ", ".join(f"{plugin(c).title} (e.g. {plugin(c).region_example})" for c in names)


def collect_clouds(
    requests: Mapping[str, CollectRequest],
    clock: Callable[[], datetime],
    progress: Progress | None = None,
) -> Snapshot:
    """Collect every requested cloud into one snapshot."""
    collectors = {cloud: plugin(cloud).collector(request) for cloud, request in requests.items()}
    snapshots = [
        (cloud, collect(collector, clock, requests[cloud].workers, progress))
        for cloud, collector in collectors.items()
    ]
    return snapshots[0][1] if len(snapshots) == 1 else merge_snapshots(snapshots)
