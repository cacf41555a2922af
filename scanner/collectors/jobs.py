"""What a collector keeps of a store's job history: every job that did not succeed, and
of the successful ones only those a rule reads — the first after each failure (it closes
the failure) and the latest of each kind — so a store's record stays small however
often it is backed up."""

from __future__ import annotations

from scanner.model import JobRun


def keep_relevant(jobs: list[JobRun]) -> list[JobRun]:
    """The jobs worth keeping, oldest first (see the module docstring)."""
    ordered = sorted(jobs, key=lambda j: (j.started, j.id))
    kept: list[JobRun] = []
    open_kinds: set[str] = set()
    for job in ordered:
        if job.outcome != "succeeded":
            kept.append(job)
            open_kinds.add(job.kind)
        elif job.kind in open_kinds:
            kept.append(job)
            open_kinds.discard(job.kind)
    for kind in {j.kind for j in ordered}:
        latest = [j for j in ordered if j.kind == kind and j.outcome == "succeeded"][-1:]
        kept += [j for j in latest if j not in kept]
    return sorted(kept, key=lambda j: (j.started, j.id))
