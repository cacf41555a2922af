"""Operations facts the engine derives for one store: its restores (``derived.restore``),
its failed backup and copy jobs (``derived.backup_jobs``), the alert paths that would
tell someone of a failure (``derived.alerting``) and the audit records kept of it
(``derived.audit``).

A fact is present only when the facts read decide it: a listing that failed (a gap), a
rule whose state or receivers are unknown, or an account whose audit trail could not be
read leaves the fact absent, so the rules reading it are not_assessed — unless a known
element already decides (a covering alert path that is certain; audit records that are
certainly kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.collectors.registry import StoreKind
from scanner.engine.period import Period
from scanner.model import AccountFacts, AlertRule, DataStore, JobRun, RestoreRun
from scanner.vocabulary import FAILED_OUTCOMES

HOUR = 3600.0


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _restore_text(run: RestoreRun) -> str:
    took = f", {run.duration_hours:.1f} h" if run.duration_hours is not None else ""
    how = "restore test" if run.test else "restore"
    check = {True: ", validated", False: ", validation failed", None: ""}[run.validated]
    return f"{how} {run.id} on {_when(run.started)}: {run.outcome}{check}{took} ({run.source})"


def restored(run: RestoreRun) -> bool:
    """A restore that succeeded and whose validation, if any, did not fail."""
    return run.outcome == "succeeded" and run.validated is not False


def restore_facts(store: DataStore, now: datetime) -> dict[str, Any]:
    """The latest finished restore, whether it succeeded, and the latest success: its
    age and its measured restore time. With a ``restores`` gap a later restore may be
    hidden, so only ``count`` and the known runs' text are given."""
    runs = sorted(
        (r for r in store.restores or [] if r.outcome != "running"),
        key=lambda r: (r.started, r.id),
    )
    facts: dict[str, Any] = {"count": len(runs), "runs": [_restore_text(r) for r in runs[-5:]]}
    if any(g.attribute == "restores" for g in store.gaps):
        return facts
    from_file = any(r.source == EVIDENCE_FILE for r in runs)
    unlisted = store.restores is None or any(UNLISTED in e.fields for e in store.evidence)
    facts["listed"] = (
        "no API lists this kind's restores: record tests in the restore-evidence file"
        if unlisted
        else "read: the provider's restore listing"
        + (" and the restore-evidence file" if from_file else "")
    )
    if not runs:
        facts |= {"latest_ok": False, "latest": "no restore on record"}
        return facts
    latest = runs[-1]
    facts |= {"latest_ok": restored(latest), "latest": _restore_text(latest)}
    successes = [r for r in runs if restored(r)]
    if successes:
        best = successes[-1]
        facts["last_success"] = _restore_text(best)
        facts["last_success_age_days"] = max((now - best.started).total_seconds(), 0) / 86400
        if best.duration_hours is not None:
            facts["last_success_hours"] = best.duration_hours
    return facts


#: The ``source`` of restores read from the restore-evidence file.
EVIDENCE_FILE = "restore-evidence file"
#: The evidence field that says a store's restores come from the file alone.
UNLISTED = "restores listed by the provider"


def _job_text(job: JobRun) -> str:
    why = f": {job.message}" if job.message else ""
    return f"{job.kind} job {job.id} {job.outcome} on {_when(job.started)}{why}"


def job_facts(
    store: DataStore, rpo_hours: float | None, period: Period, now: datetime
) -> dict[str, Any]:
    """Failed backup and copy jobs that started in the period, and those not followed by a
    success of the same kind (for backups: a later recovery point too) within the RPO
    once the RPO has passed. Absent when the jobs are not listed or could not be."""
    if store.backup_jobs is None or any(g.attribute == "backup_jobs" for g in store.gaps):
        return {}
    in_period = [
        j
        for j in sorted(store.backup_jobs, key=lambda j: (j.started, j.id))
        if j.outcome in FAILED_OUTCOMES and period.start <= j.started < period.end
    ]
    facts: dict[str, Any] = {
        "failures": [_job_text(j) for j in in_period],
        "failures_in_period": len(in_period),
    }
    if rpo_hours is None:
        return facts
    open_failures = [j for j in in_period if _unrecovered(store, j, rpo_hours, now)]
    points_hidden = any(g.attribute == "recovery_points" for g in store.gaps)
    if points_hidden and any(j.kind == "backup" for j in open_failures):
        return facts  # a recovery point that could not be listed may be the success
    facts["unrecovered"] = [
        _job_text(j) + f" — no successful {j.kind} within the RPO ({rpo_hours:g} h)"
        for j in open_failures
    ]
    return facts


def _unrecovered(store: DataStore, failed: JobRun, rpo_hours: float, now: datetime) -> bool:
    deadline = failed.started.timestamp() + rpo_hours * HOUR
    if deadline > now.timestamp():
        return False  # the next success is not due yet
    later = [
        j.started  # the moment a backup captures, as a recovery point's creation time
        for j in store.backup_jobs or []
        if j.kind == failed.kind and j.outcome == "succeeded" and j.started > failed.started
    ]
    if failed.kind == "backup":
        for source in store.recovery_points.sources:
            if source.kind != "continuous":
                later += [p for p in source.points if p > failed.started]
                later += [source.newest] if source.newest and source.newest > failed.started else []
    return not any(t.timestamp() <= deadline for t in later)


def alerting_facts(store: DataStore, account: AccountFacts | None) -> dict[str, Any]:
    """The enabled backup-failure alert rules that watch the store and notify someone
    (``paths``); ``covered`` when decided — true on one certain path, false when every
    rule was read and none can be a path."""
    rules = [] if account is None or account.alert_rules is None else account.alert_rules
    watching = [r for r in rules if r.backup_failures and _watches(r, store)]
    certain = [r for r in watching if r.enabled and _notifies(r) is True]
    facts: dict[str, Any] = {"paths": [_rule_text(r) for r in certain]}
    facts["unknown_paths"] = [
        _rule_text(r)
        for r in watching
        if r not in certain and r.enabled is not False and _notifies(r) is not False
    ]
    read = account is not None and account.alert_rules is not None
    gapped = read and any(g.attribute == "alerting" for g in account.gaps)  # type: ignore[union-attr]
    if certain:
        facts["covered"] = True
    elif read and not gapped and not facts["unknown_paths"]:
        facts["covered"] = False
    return facts


def _rule_text(rule: AlertRule) -> str:
    return f"{rule.name} ({rule.kind}, {rule.source})"


def _notifies(rule: AlertRule) -> bool | None:
    """True when a target not turned off has a receiver (a target without an on/off
    state, such as a queue, counts by its receivers); None when that is unknown."""
    if rule.targets is None:
        return None
    live = [t for t in rule.targets if t.enabled is not False]
    if any(t.receivers for t in live):
        return True
    return None if any(t.receivers is None for t in live) else False


def _watches(rule: AlertRule, store: DataStore) -> bool:
    if rule.regions is not None and store.region not in rule.regions:
        return False
    vaults = {p.vault for p in store.protections if p.vault}
    vaults |= {v for s in store.recovery_points.sources for v in s.vaults}
    for scope in rule.scopes:
        low = scope.lower().rstrip("/")
        if low in (store.account.lower(), store.id.lower()) or scope in vaults:
            return True
        if store.id.lower().startswith(low + "/") or low == f"projects/{store.account}":
            return True
    return False


def audit_facts(
    store: DataStore, account: AccountFacts | None, kind: StoreKind | None
) -> dict[str, Any]:
    """Whether the store's control-plane changes (``admin_write``) and its data reads and
    writes are recorded by an audit-log configuration that covers it (all services, its
    service, or the store itself, in its region). Absent when the account's trail could
    not be read and nothing known decides; data access is absent for a kind whose data
    access no configuration read records (a database engine's own audit log)."""
    trail = None if account is None else account.audit_trail
    configs = None if trail is None else trail.configs
    if configs is None:
        return {}
    services = {"*"} | {s.replace("{id}", store.id) for s in (kind.audit_services if kind else ())}
    covering = [
        c
        for c in configs
        if c.service in services and (c.regions is None or store.region in c.regions)
    ]
    events = {e for c in covering for e in c.events}
    gapped = any(g.attribute == "audit_trail" for g in account.gaps)  # type: ignore[union-attr]
    gapped |= any(g.attribute == "audit_trail" for g in store.gaps)
    facts: dict[str, Any] = {"configs": sorted({f"{c.service} ({c.source})" for c in covering})}
    if "admin_write" in events or not gapped:
        facts["control_plane"] = "admin_write" in events
    data = {"data_read", "data_write"} <= events
    if kind is not None and kind.audit_services and (data or not gapped):
        facts["data_access"] = data
    return facts
