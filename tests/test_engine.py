"""Evaluation end to end through files: verdicts, exceptions, coverage, hashes, determinism."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from engine_helpers import (
    AS_OF,
    CACHE_EXCEPTION,
    GOOD_TABLE,
    PACK,
    POLICY,
    evaluate,
    status,
    store,
    write_inputs,
)

from scanner.engine.run import evaluate_files


def test_one_result_per_store_and_rule_with_citations_and_evidence(tmp_path: Path) -> None:
    findings, _ = evaluate(tmp_path, [store("good", **GOOD_TABLE), store("bare")])
    assert len(findings.results) == 2 * len(PACK.rules)
    assert [r.rule for r in findings.results[: len(PACK.rules)]] == sorted(r.id for r in PACK.rules)
    good = next(r for r in findings.results if r.resource.name == "good" and r.rule == "BKP-EXISTS")
    assert good.status == "pass" and good.evidence is not None
    bare = next(r for r in findings.results if r.resource.name == "bare" and r.rule == "BKP-EXISTS")
    assert bare.status == "fail" and bare.severity == "critical"
    assert "bare has no enabled" in bare.message


def test_frameworks_follow_classification(tmp_path: Path) -> None:
    findings, _ = evaluate(
        tmp_path,
        [
            store("phi", tags={"data-classification": "phi"}, **GOOD_TABLE),
            store("plain", **GOOD_TABLE),
        ],
    )
    exists = {r.resource.name: r for r in findings.results if r.rule == "BKP-EXISTS"}
    assert set(exists["phi"].frameworks) == {"hipaa", "gdpr"}
    assert exists["plain"].frameworks == {}
    assert status(findings, "phi", "GDPR-RETENTION-MAX") == "pass"
    assert status(findings, "plain", "GDPR-RETENTION-MAX") == "not_applicable"


def test_gaps_and_unknown_tiers_are_never_covered(tmp_path: Path) -> None:
    gap = {
        "attribute": "protections",
        "operation": "dynamodb:DescribeContinuousBackups",
        "error_code": "AccessDeniedException",
        "message": "denied",
        "permission": "dynamodb:DescribeContinuousBackups",
    }
    findings, summary = evaluate(
        tmp_path,
        [
            store("denied", gaps=[gap], recovery_points=GOOD_TABLE["recovery_points"]),
            store("typo", tags={"backup-tier": "platnum"}, **GOOD_TABLE),
            store("tagless", tags=None, **GOOD_TABLE),
        ],
    )
    denied = next(
        r for r in findings.results if r.resource.name == "denied" and r.rule == "BKP-EXISTS"
    )
    assert denied.status == "not_assessed" and denied.missing == ["protections"]
    assert (
        denied.evidence
        and denied.evidence[-1]["fields"]["permission"] == "dynamodb:DescribeContinuousBackups"
    )
    typo = [
        r for r in findings.results if r.resource.name == "typo" and r.status != "not_applicable"
    ]
    assert {r.status for r in typo} == {"not_assessed"} and "platnum" in typo[0].message
    assert status(findings, "tagless", "BKP-EXISTS") == "not_assessed"
    assert summary.coverage["overall"] == {"in_scope": 3, "covered": 0, "ratio": 0.0}
    assert all(
        r.status != "pass" for r in findings.results if r.resource.name in ("typo", "tagless")
    )


def test_exceptions_apply_until_they_expire_and_are_registered(tmp_path: Path) -> None:
    policy = POLICY | {
        "exceptions": [
            CACHE_EXCEPTION,
            {
                "resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/old*",
                "rules": ["*"],
                "reason": "legacy",
                "approved_by": "joe@example.com",
                "expires": "2025-12-31",
            },
        ]
    }
    findings, summary = evaluate(tmp_path, [store("cache"), store("old-1")], policy)
    cache = next(
        r for r in findings.results if r.resource.name == "cache" and r.rule == "BKP-EXISTS"
    )
    assert cache.status == "excepted" and cache.exception is not None
    assert (
        cache.exception.original_status == "fail"
        and cache.exception.approved_by == "jane@example.com"
    )
    assert status(findings, "cache", "BKP-RPO-OBSERVED") == "fail"  # not in the exception
    assert status(findings, "old-1", "BKP-EXISTS") == "fail"  # expired on 2025-12-31
    register = {e["reason"]: e for e in summary.exceptions}
    assert register["rebuildable"]["state"] == "active" and register["rebuildable"]["applied"] == 1
    assert register["legacy"]["state"] == "expired" and register["legacy"]["applied"] == 0


def test_coverage_by_framework_and_tier(tmp_path: Path) -> None:
    _, summary = evaluate(
        tmp_path,
        [
            store("a", tags={"data-classification": "phi"}, **GOOD_TABLE),
            store("b", tags={"data-classification": "phi"}),
            store("c", **GOOD_TABLE),
        ],
    )
    coverage = summary.coverage
    assert coverage["overall"] == {"in_scope": 3, "covered": 2, "ratio": 0.6667}
    assert coverage["by_framework"]["hipaa"] == {"in_scope": 2, "covered": 1, "ratio": 0.5}
    assert coverage["by_tier"]["standard"]["in_scope"] == 3
    assert coverage["by_cloud"]["aws"]["covered"] == 2


def test_hashes_and_deterministic_bytes(tmp_path: Path) -> None:
    inventory, policy = write_inputs(tmp_path, [store("a", **GOOD_TABLE), store("b")])
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for out in (first, second):
        evaluate_files(inventory, policy, PACK, out, lambda: AS_OF)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["inventory"]["sha256"] == hashlib.sha256(inventory.read_bytes()).hexdigest()
    assert data["policy"]["sha256"] == hashlib.sha256(policy.read_bytes()).hexdigest()
    assert data["rule_pack"]["sha256"] == PACK.sha256 and data["as_of"] == AS_OF.isoformat()


def test_csv_has_one_row_per_result(tmp_path: Path) -> None:
    findings, _ = evaluate(tmp_path, [store("a", **GOOD_TABLE), store("b")], csv=True)
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert len(rows) == len(findings.results)
    assert {r["status"] for r in rows} >= {"pass", "fail"}
    assert rows[0]["resource_id"] == findings.results[0].resource.id


def test_failed_evaluation_leaves_no_output(tmp_path: Path) -> None:
    inventory, policy = write_inputs(tmp_path, [store("a")])
    policy.write_text("version: 1\ntiers: {}\n")
    out = tmp_path / "findings.json"
    try:
        evaluate_files(inventory, policy, PACK, out, lambda: AS_OF, tmp_path / "results.csv")
    except Exception as exc:
        assert "classification" in str(exc)
    assert not out.exists() and not (tmp_path / "results.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == sorted(["inventory.json", "policy.yaml"])
