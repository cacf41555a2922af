"""Whether a Cloud Monitoring log-match condition certainly matches failed backup jobs.

Backup and DR writes one entry per backup and restore job of resources protected by
backup plans to the log ``backupdr.googleapis.com/bdr_backup_restore_jobs`` ("Backup and
restore job logs for vaulted backups"), with ``jsonPayload.jobStatus`` (SUCCESSFUL,
FAILED, RUNNING, SKIPPED) and ``jsonPayload.jobCategory`` (SCHEDULED_BACKUP,
ON_DEMAND_BACKUP, RESTORE). A filter counts when it is a conjunction (terms side by side
or joined by AND; no top-level OR, NOT or ``-``) of only these terms:

- the log, required: ``logName`` compared (``=`` or ``:``) with a value naming
  ``bdr_backup_restore_jobs``, or ``LOG_ID("backupdr.googleapis.com/bdr_backup_restore_jobs")``;
- ``jsonPayload.jobStatus`` ``=``/``:`` FAILED (or a parenthesised OR list holding it), or
  ``!=`` another status (``!="SUCCESSFUL"``);
- ``jsonPayload.jobCategory`` ``=``/``:`` a backup category (or a list holding one).

Each term then admits a failed scheduled backup's entry, so their conjunction does. Any
other term (severity, resource labels, text search) may drop those entries and is not
evaluated: the condition then claims nothing. Cloud SQL documents no log entry for a
failed automated backup that we could tie to a field, and no metric condition is
counted (a log-based metric's definition is not read).
"""

from __future__ import annotations

import re

LOG = "bdr_backup_restore_jobs"
_LOG_ID = re.compile(r'^LOG_ID\("backupdr\.googleapis\.com/bdr_backup_restore_jobs"\)$')
_OPERATOR = re.compile(r"\s*(!=|=~|!~|>=|<=|=|:|>|<)\s*")
_TERM = re.compile(r"^(?P<field>[A-Za-z_.]+)(?P<op>!=|=~|!~|>=|<=|=|:|>|<)(?P<value>.+)$")
_BACKUP_CATEGORIES = frozenset({"SCHEDULED_BACKUP", "ON_DEMAND_BACKUP"})


def matches_backup_failures(text: str) -> bool:
    """True only when the filter, as written, admits a failed backup job's log entry."""
    terms = _terms(text)
    if terms is None or not terms:
        return False
    has_log = False
    for term in terms:
        if _LOG_ID.match(term):
            has_log = True
            continue
        found = _TERM.match(term)
        if found is None:
            return False
        field, op, value = found["field"], found["op"], found["value"]
        if field == "logName" and op in ("=", ":") and LOG in value:
            has_log = True
        elif not _admits(field, op, _values(value)):
            return False
    return has_log


def _admits(field: str, op: str, values: list[str] | None) -> bool:
    if values is None:
        return False
    if field == "jsonPayload.jobStatus":
        if op == "!=":
            return values != ["FAILED"] and len(values) == 1
        return op in ("=", ":") and "FAILED" in values
    if field == "jsonPayload.jobCategory":
        return op in ("=", ":") and bool(_BACKUP_CATEGORIES & set(values))
    return False


def _values(value: str) -> list[str] | None:
    """``"FAILED"``, ``FAILED`` or ``("FAILED" OR "SKIPPED")`` → the values; None for
    anything else."""
    listed = value.startswith("(") and value.endswith(")")
    parts = value[1:-1].split(" OR ") if listed else [value]
    found = [p.strip().strip('"') for p in parts]
    if any(not re.fullmatch(r"[A-Z_]+", v) for v in found):
        return None
    return found


def _terms(text: str) -> list[str] | None:
    """Top-level terms of a conjunction, operators without spaces; None when the filter
    has a top-level OR or a negation."""
    squeezed = _OPERATOR.sub(lambda m: m.group(1), text.strip())
    terms, current, depth, quoted = [], "", 0, False
    for char in squeezed + " ":
        quoted = not quoted if char == '"' else quoted
        depth += 0 if quoted else (char == "(") - (char == ")")
        if char.isspace() and depth == 0 and not quoted:
            if current:
                terms.append(current)
            current = ""
        else:
            current += char
    if any(t in ("OR", "NOT") or t.startswith("-") for t in terms):
        return None
    return [t for t in terms if t != "AND"]
