"""One emulated collection, timed and reported: shared by the benches of the clouds
whose emulator runs in the bench's own process (Google Cloud, Azure)."""

from __future__ import annotations

import os
import resource
import time
from datetime import datetime
from typing import Any

from scanner.collectors.base import collect
from scanner.collectors.registry import CloudPlugin, CollectRequest


def run_and_report(
    cloud: CloudPlugin,
    estate: Any,
    now: datetime,
    options: dict[str, Any],
    workers: int,
    bound: int,
    what: str,
) -> None:
    """Collect the emulated ``estate`` with ``options`` (the emulator's endpoint added)
    and print the load, wall time, calls against ``bound`` per operation, and peak RSS."""
    with cloud.emulate(estate, now) as emulated:
        request = {**options, "endpoint": emulated.options["endpoint"]}
        collector = cloud.collector(CollectRequest(options=request, workers=workers))
        started = time.perf_counter()
        snapshot = collect(collector, lambda: now, workers=workers)
        wall = time.perf_counter() - started
    calls = sum(c.calls for c in snapshot.api_calls or [])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(snapshot.stores)} stores in {what}, {workers} workers")
    print(
        f"wall {wall:.2f} s; API calls {calls} vs lower bound {bound} (ratio {calls / bound:.3f})"
    )
    for call in snapshot.api_calls or []:
        print(f"  {call.service}:{call.operation}: {call.calls} calls, {call.retries} retries")
    print(f"peak RSS {peak:.0f} MiB (collector and fake, one process)")
