"""Largest recovery gap, durations, gap causes and the call counter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scanner.collectors.answers import cause_of
from scanner.collectors.readonly import CallCounter
from scanner.collectors.recovery import largest_gap_hours
from scanner.durations import parse_duration

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_largest_gap() -> None:
    points = [(T0 + timedelta(hours=h),) * 2 for h in (0, 1, 2, 10)]
    assert largest_gap_hours(points) == 8.0
    assert largest_gap_hours([]) is None
    assert largest_gap_hours([(T0, T0)]) is None  # one point: no gap can be observed
    window = (T0, T0 + timedelta(days=3))
    assert largest_gap_hours([window]) == 0.0
    assert largest_gap_hours([window, (T0 + timedelta(days=1),) * 2]) == 0.0
    assert largest_gap_hours([window, (T0 + timedelta(days=4),) * 2]) == 24.0


def test_durations() -> None:
    assert parse_duration("35d") == timedelta(days=35)
    assert parse_duration("7y") == timedelta(days=7 * 365)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        ("AccessDeniedException", "denied"),
        ("AccessDenied", "denied"),
        ("UnauthorizedOperation", "denied"),
        ("PERMISSION_DENIED", "denied"),
        ("AuthorizationFailed", "denied"),
        ("NotFoundException", "not_found"),
        ("NoSuchBucket", "not_found"),
        ("ResourceNotFoundException", "not_found"),
        ("ThrottlingException", "throttled"),
        ("TooManyRequestsException", "throttled"),
        ("ReadTimeoutError", "timeout"),
        ("EndpointConnectionError", "unreachable"),
        ("InternalFailure", "error"),
    ],
)
def test_gap_causes(code: str, cause: str) -> None:
    assert cause_of(code) == cause


def test_call_counter_counts_retries_apart() -> None:
    counter = CallCounter()
    for _ in range(2):
        counter.call("backup", "ListBackupVaults")
    for _ in range(5):
        counter.attempt("backup", "ListBackupVaults")
    counter.call("s3", "ListBuckets")
    counter.attempt("s3", "ListBuckets")
    assert counter.counts() == {
        ("backup", "ListBackupVaults"): (2, 3),
        ("s3", "ListBuckets"): (1, 0),
    }
    assert counter.total == 3


def test_message_numbers_are_never_in_scientific_notation() -> None:
    from scanner.engine.template import Template

    template = Template("{a} {b} {c} {d}")
    rendered = template.render({"a": 61320.4, "b": 12.3456, "c": 0.00001234, "d": 1e-9})
    assert rendered == "61,320 12.35 0.000012 0"


def test_rules_may_read_complete_for_every_gap_attribute() -> None:
    """``derived.complete`` holds a key per gap attribute; a rule naming one must pass
    path validation (a new attribute once went missing here)."""
    from scanner.engine.facts import Complete
    from scanner.vocabulary import GAP_ATTRIBUTES

    assert set(GAP_ATTRIBUTES) <= set(Complete.model_fields)


def test_job_listings_show_history_from_the_later_start_and_none_listed_from_now() -> None:
    from scanner.collectors.jobs import listed_from
    from scanner.model import DataStore, JobRun

    store = DataStore(
        id="s",
        cloud="gcp",
        account="p",
        region="r",
        regions=None,
        kind="gcp.sql.instance",
        name="s",
    )
    day = datetime(2026, 11, 1, tzinfo=timezone.utc)

    def job(start: datetime) -> JobRun:
        return JobRun(id=str(start), kind="backup", outcome="succeeded", started=start, source="x")

    listed_from(store, [job(day), job(day + timedelta(days=3))], day)
    listed_from(store, [job(day - timedelta(days=20))], day)  # the other listing reaches further
    assert store.backup_jobs_from == day  # before it, the first listing shows nothing
    listed_from(store, [job(day + timedelta(days=5))], day)
    assert store.backup_jobs_from == day + timedelta(days=5)
    alone = store.model_copy(update={"backup_jobs_from": None})
    listed_from(alone, [], day + timedelta(days=9))  # none listed: none seen before now
    assert alone.backup_jobs_from == day + timedelta(days=9)
