"""AWS cron schedules, ARNs, RDS windows, bucket locations, Vault Lock and access policies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scanner.collectors.aws.arn import arn_account, arn_region, hhmm_window
from scanner.collectors.aws.backup import denies_deletion, lock_state
from scanner.collectors.aws.cron import max_interval_hours, start_time
from scanner.collectors.aws.s3 import location_region

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
        # The month field counts: the 1st of every third month is ~92 days apart, not 31.
        ("cron(0 5 1 */3 ? *)", 2208),
        ("cron(0 5 1 1 ? *)", 8784),  # yearly: the longest span holds a leap day (2028)
        ("cron(0 3 L * ? *)", 744),  # last day of the month: July 31 → August 31
        ("cron(0 5 ? * 6#3 *)", 35 * 24),  # third Friday of the month
        ("cron(0/5 8-17 ? * MON-FRI *)", 62 + 5 / 60),  # Friday 17:55 → Monday 08:00
    ],
)
def test_cron_longest_interval(expression: str, hours: float) -> None:
    assert max_interval_hours(expression, T0) == pytest.approx(hours)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 day)",  # not a cron expression
        "cron(0 3 ? *)",  # too few fields
        "cron(0 25 ? * * *)",  # no hour 25
        "cron(0 5 * * * *)",  # day-of-month and day-of-week both set: AWS refuses it
        "cron(0 5 1 1 ? 2027)",  # runs once: no interval
        "cron(0 5 1 1 ? 2020)",  # never runs again
        "cron(0 5 ? * 2-6 2026-2027)",  # runs on weekdays, then stops at the end of 2027
    ],
)
def test_cron_we_cannot_evaluate_is_unknown(expression: str) -> None:
    assert max_interval_hours(expression, T0) is None


def test_cron_start_time() -> None:
    assert start_time("cron(30 2 ? * * *)") == "02:30"
    assert start_time("cron(0 * ? * * *)") is None


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


def test_vault_lock_states() -> None:
    assert lock_state({"Locked": False}, T0) == "disabled"
    assert lock_state({"Locked": True}, T0) == "unlocked"  # governance mode
    assert lock_state({"Locked": True, "LockDate": T0 + timedelta(days=1)}, T0) == "unlocked"
    assert lock_state({"Locked": True, "LockDate": T0 - timedelta(days=1)}, T0) == "locked"


def test_access_policy_deny() -> None:
    deny = '{"Statement": [{"Effect": "Deny", "Action": "backup:*", "Principal": "*"}]}'
    allow = '{"Statement": [{"Effect": "Allow", "Action": "backup:DeleteRecoveryPoint"}]}'
    assert denies_deletion({"Policy": deny}) is True
    assert denies_deletion({"Policy": allow}) is False
    assert denies_deletion({"Policy": "{not json"}) is None
