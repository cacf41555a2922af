"""Cron frequency, largest recovery gap, ARNs, windows and durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scanner.collectors.aws.arn import arn_account, arn_region, hhmm_window
from scanner.collectors.aws.backup import denies_deletion, lock_mode
from scanner.collectors.aws.cron import max_interval_hours, start_time
from scanner.collectors.aws.s3 import location_region
from scanner.collectors.recovery import largest_gap_hours
from scanner.durations import parse_duration

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("expression", "hours"),
    [
        ("cron(0 5 ? * * *)", 24),
        ("cron(0 * ? * * *)", 1),
        ("cron(0 */6 ? * * *)", 6),
        ("cron(0 0,12 ? * * *)", 12),
        ("cron(0 3 ? * SUN *)", 168),
        ("cron(0 3 ? * MON-FRI *)", 72),
        ("cron(15,45 * ? * * *)", 0.5),
    ],
)
def test_cron_longest_interval(expression: str, hours: float) -> None:
    assert max_interval_hours(expression) == hours


@pytest.mark.parametrize("expression", ["cron(0 3 L * ? *)", "rate(1 day)", "cron(0 3 ? *)"])
def test_cron_we_cannot_evaluate_is_unknown(expression: str) -> None:
    assert max_interval_hours(expression) is None


def test_cron_start_time() -> None:
    assert start_time("cron(30 2 ? * * *)") == "02:30"
    assert start_time("cron(0 * ? * * *)") is None


def test_largest_gap() -> None:
    points = [(T0 + timedelta(hours=h),) * 2 for h in (0, 1, 2, 10)]
    assert largest_gap_hours(points) == 8.0
    assert largest_gap_hours([]) is None
    assert largest_gap_hours([(T0, T0)]) is None  # one point: no gap can be observed
    window = (T0, T0 + timedelta(days=3))
    assert largest_gap_hours([window]) == 0.0
    assert largest_gap_hours([window, (T0 + timedelta(days=1),) * 2]) == 0.0
    assert largest_gap_hours([window, (T0 + timedelta(days=4),) * 2]) == 24.0


def test_arn_parts_and_windows() -> None:
    vault = "arn:aws:backup:eu-central-1:999988887777:backup-vault:x"
    assert (arn_region(vault), arn_account(vault)) == ("eu-central-1", "999988887777")
    assert arn_region("arn:aws:s3:::bucket") is None
    window = hhmm_window("23:30-00:15")
    assert window is not None and (window.start, window.duration_minutes) == ("23:30", 45)
    assert hhmm_window("garbage") is None


def test_bucket_location_semantics() -> None:
    assert location_region(None) == "us-east-1"
    assert location_region("EU") == "eu-west-1"
    assert location_region("eu-central-1") == "eu-central-1"


def test_vault_lock_modes() -> None:
    assert lock_mode({"Locked": False}, T0) == "none"
    assert lock_mode({"Locked": True}, T0) == "governance"
    assert lock_mode({"Locked": True, "LockDate": T0 + timedelta(days=1)}, T0) == "governance"
    assert lock_mode({"Locked": True, "LockDate": T0 - timedelta(days=1)}, T0) == "compliance"


def test_access_policy_deny() -> None:
    deny = '{"Statement": [{"Effect": "Deny", "Action": "backup:*", "Principal": "*"}]}'
    allow = '{"Statement": [{"Effect": "Allow", "Action": "backup:DeleteRecoveryPoint"}]}'
    assert denies_deletion({"Policy": deny}) is True
    assert denies_deletion({"Policy": allow}) is False
    assert denies_deletion({"Policy": "{not json"}) is None


def test_durations() -> None:
    assert parse_duration("35d") == timedelta(days=35)
    assert parse_duration("7y") == timedelta(days=7 * 365)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
