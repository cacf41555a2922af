"""The audit period: parsing, the facts judged over it, and where it is recorded."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result

from scanner.engine.cases import base_store
from scanner.engine.period import Retention, parse_period, period_facts
from scanner.errors import InputError
from scanner.findings_read import load_findings
from scanner.model import DataStore
from tests.conftest import cli
from tests.engine_helpers import GOOD_TABLE, evaluate, store, write_inputs

AS_OF = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
KEPT = Retention(None, True)


def test_period_text_and_default() -> None:
    period = parse_period("2025-10-01..2025-12-31", AS_OF)
    assert period.start == datetime(2025, 10, 1, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 1, 1, tzinfo=timezone.utc)  # the last day included
    default = parse_period(None, AS_OF)
    assert (default.start, default.end) == (AS_OF - timedelta(days=30), AS_OF)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-12-31..2025-10-01", "ends before it starts"),
        ("Q3 2025", "is not FIRST..LAST"),
        ("2025-02-30..2025-03-01", "day is out of range"),
        ("2026-02-01..2026-03-01", "starts after the inventory was collected"),
    ],
)
def test_bad_periods_are_refused(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse_period(text, AS_OF)


def _store(points: list[str], created: str, **more: object) -> DataStore:
    source = {"kind": "backup_service", "source": "vault", "count": len(points), "points": points}
    data = base_store("aws.dynamodb.table") | {"created_at": created} | more
    data["recovery_points"] = {"sources": [source]}
    return DataStore.model_validate(data)


def test_gaps_and_days_are_judged_from_creation_on() -> None:
    period = parse_period("2025-12-01..2025-12-31", AS_OF)
    days = [20, 21, *range(25, 32)]
    points = [f"2025-12-{d:02d}T05:00:00Z" for d in days]
    facts = period_facts(_store(points, "2025-12-20T00:00:00Z"), period, KEPT, AS_OF)
    assert facts["evaluated_from_reason"] == "creation" and facts["points"] == len(days)
    assert facts["largest_gap_hours"] == 4 * 24  # the 21st to the 25th
    # Days 20..31 of December: no new copy on the 22nd, 23rd and 24th.
    assert facts["days_without_new_copy"] == 3
    tail = period_facts(_store(points[:3], "2025-12-20T00:00:00Z"), period, KEPT, AS_OF)
    assert tail["largest_gap_hours"] == 163.0  # from the 25th 05:00 to the period's end


def test_the_default_look_back_stops_where_points_expire() -> None:
    points = [f"2025-12-{d:02d}T05:00:00Z" for d in range(25, 32)] + ["2026-01-01T05:00:00Z"]
    store_ = _store(points, "2024-01-01T00:00:00Z")
    facts = period_facts(store_, parse_period(None, AS_OF), Retention(7, True), AS_OF)
    assert facts["evaluated_from_reason"] == "retention" and facts["history_complete"]
    assert facts["evaluated_from"] == "2025-12-25T12:00:00+00:00"
    assert facts["largest_gap_hours"] == facts["largest_visible_gap_hours"] == 24.0


def test_an_asked_period_behind_the_horizon_is_not_wholly_visible() -> None:
    points = [f"2025-12-{d:02d}T05:00:00Z" for d in range(25, 32)]
    store_ = _store(points, "2024-01-01T00:00:00Z")
    october = parse_period("2025-10-01..2025-10-31", AS_OF)
    facts = period_facts(store_, october, Retention(7, True), AS_OF)
    # The horizon is counted back from the collection, not from the period's end.
    assert facts["visible_from"] == october.end.isoformat() and not facts["history_complete"]
    assert facts["largest_gap_hours"] == 31 * 24 and facts["largest_visible_gap_hours"] == 0.0
    assert facts["restorable_observed"] is False
    unknown = period_facts(store_, parse_period(None, AS_OF), Retention(7, False), AS_OF)
    assert unknown["evaluated_from_reason"] == "period" and not unknown["history_complete"]


DAILY_PLAN = {
    "role": "backup",
    "origin": "backup_service",
    "source": "AWS Backup",
    "name": "plan/daily",
    "enabled": True,
    "frequency_hours": 24,
    "retention_days": 7,
}


def _planned(name: str, days: list[int], **plan: object) -> dict[str, object]:
    points = [f"2025-12-{d:02d}T05:00:00Z" for d in days] + ["2026-01-01T05:00:00Z"]
    source = {"kind": "backup_service", "source": "AWS Backup", "count": len(points)}
    return store(name) | {
        "protections": [DAILY_PLAN | plan],
        "recovery_points": {
            "newest": points[-1],
            "oldest": points[0],
            "count": len(points),
            "sources": [source | {"points": points, "newest": points[-1], "oldest": points[0]}],
        },
    }


def _evaluate(
    tmp_path: Path, stores: list[dict[str, object]], period: str | None
) -> tuple[Result, Path]:
    """``backup-audit evaluate`` of ``stores`` (with ``--period`` when given)."""
    inventory, policy = write_inputs(tmp_path, stores)
    out = tmp_path / "findings.json"
    args = ["evaluate", str(inventory), "--policy", str(policy), "-o", str(out)]
    return cli(*args, *(["--period", period] if period else [])), out


def _rpo_gap(tmp_path: Path, stores: list[dict[str, object]], period: str | None) -> dict[str, str]:
    ran, out = _evaluate(tmp_path, stores, period)
    assert ran.exit_code == 0, ran.output
    return {
        r.resource.name: r.status for r in load_findings(out).results if r.rule == "BKP-RPO-GAP"
    }


def test_expired_history_is_unknown_and_a_visible_hole_fails(tmp_path: Path) -> None:
    stores = [
        _planned("daily", list(range(25, 32))),
        _planned("hole", [25, 26, 30, 31]),
        _planned("unknown-retention", list(range(25, 32)), retention_days=None),
    ]
    # Default look-back: cut at the 7 days the plan keeps; an unknown retention cannot cut.
    assert _rpo_gap(tmp_path, stores, None) == {
        "daily": "pass",
        "hole": "fail",
        "unknown-retention": "not_assessed",
    }
    # October, long expired at collection: nothing visible decides it — never a failure.
    october = _rpo_gap(tmp_path, stores, "2025-10-01..2025-10-31")
    assert set(october.values()) == {"not_assessed"}
    # December: the hole lies in the visible part, so it fails whatever expired before.
    december = _rpo_gap(tmp_path, stores, "2025-12-01..2025-12-31")
    assert december["hole"] == "fail" and december["daily"] == "not_assessed"


def test_the_period_reaches_findings_csv_and_the_command_line(tmp_path: Path) -> None:
    findings, _ = evaluate(tmp_path, [store("good", **GOOD_TABLE)], csv=True)
    assert findings.period["label"].startswith("30 days to 2026-01-01")
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert {row["period"] for row in rows} == {findings.period["label"]}
    ok, _ = _evaluate(tmp_path, [store("good", **GOOD_TABLE)], "2025-10-01..2025-12-31")
    assert ok.exit_code == 0, ok.output
    bad, _ = _evaluate(tmp_path, [store("good", **GOOD_TABLE)], "2025-12-31..2025-10-01")
    assert bad.exit_code == 2 and "--period" in bad.stderr and "ends before it starts" in bad.stderr


def test_a_store_created_after_the_period_is_not_judged_over_it(tmp_path: Path) -> None:
    young = store("young", **GOOD_TABLE) | {"created_at": "2025-12-15T00:00:00Z"}
    ran, out = _evaluate(tmp_path, [young], "2025-07-01..2025-09-30")
    assert ran.exit_code == 0, ran.output
    (gap,) = [r for r in load_findings(out).results if r.rule == "BKP-RPO-GAP"]
    assert gap.status == "not_applicable" and "in_period" in gap.message
    facts = period_facts(
        _store([], "2025-12-15T00:00:00Z"),
        parse_period("2025-07-01..2025-09-30", AS_OF),
        KEPT,
        AS_OF,
    )
    assert facts["in_period"] is False and "largest_gap_hours" not in facts
    # The rule's condition spans several YAML lines; the message is one line (CSV rows).
    assert "\n" not in gap.message and "  " not in gap.message


def test_an_unknown_retention_never_turns_a_hole_into_a_pass(tmp_path: Path) -> None:
    long_plan = DAILY_PLAN | {"name": "plan/monthly-kept", "retention_days": 35}
    known = _planned("known", [7, 26, 27, 28, 29, 30, 31])
    known["protections"] = [DAILY_PLAN, long_plan]
    unknown = known | {
        "name": "unknown",
        "protections": [DAILY_PLAN, long_plan | {"retention_days": None}],
    }
    unread = known | {
        "name": "unread",
        "protections": [DAILY_PLAN],
        "gaps": [
            {
                "attribute": "protections",
                "operation": "backup:GetBackupPlan",
                "error_code": "AccessDeniedException",
                "cause": "denied",
                "message": "denied",
            }
        ],
    }
    for variant in (unknown, unread):
        variant["id"] = str(known["id"]).replace("known", str(variant["name"]))
    # Both plans run daily and one keeps 35 days: the 19-day hole is a missed backup.
    assert _rpo_gap(tmp_path, [known, unknown, unread], None) == {
        "known": "fail",
        "unknown": "not_assessed",
        "unread": "not_assessed",
    }


def test_a_period_reaching_past_the_collection_is_cut_and_says_so() -> None:
    period = parse_period("2025-12-01..2026-03-31", AS_OF)
    assert period.end == AS_OF
    assert (
        period.label
        == "2025-12-01 to 2026-01-01 12:00 UTC (the collection time; 2026-03-31 was asked)"
    )
