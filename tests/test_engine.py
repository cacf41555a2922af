"""Evaluation end to end through files: verdicts, exceptions, coverage, hashes, determinism."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from scanner.engine.run import evaluate_files
from scanner.findings_read import load_findings
from tests.engine_helpers import (
    AS_OF,
    CACHE_EXCEPTION,
    GOOD_ACCOUNT,
    GOOD_TABLE,
    PACK,
    POLICY,
    STORE_RULES,
    evaluate,
    status,
    store,
    write_inputs,
)


def test_one_result_per_store_and_rule_with_citations_and_evidence(tmp_path: Path) -> None:
    findings, _ = evaluate(tmp_path, [store("good", **GOOD_TABLE), store("bare")])
    estate = [r for r in findings.results if r.resource.kind == "estate"]
    assert len(findings.results) == 2 * len(STORE_RULES) + len(estate)
    assert {r.rule for r in estate} == {r.id for r in PACK.rules if r.spec.check}
    first = [r.rule for r in findings.results[: len(STORE_RULES)]]
    assert first == sorted(r.id for r in STORE_RULES)
    good = next(r for r in findings.results if r.resource.name == "good" and r.rule == "BKP-EXISTS")
    assert good.status == "pass" and good.evidence is not None
    bare = next(r for r in findings.results if r.resource.name == "bare" and r.rule == "BKP-EXISTS")
    assert bare.status == "fail" and bare.severity == "critical"
    assert bare.message == "bare: no backup configured and none observed"


def test_frameworks_follow_classification(tmp_path: Path) -> None:
    findings, _ = evaluate(
        tmp_path,
        [
            store("phi", tags={"data-classification": "phi"}, **GOOD_TABLE),
            store("plain", **GOOD_TABLE),
        ],
    )
    exists = {r.resource.name: r for r in findings.results if r.rule == "BKP-EXISTS"}
    assert set(exists["phi"].frameworks) == {"hipaa", "gdpr", "policy"}
    assert set(exists["plain"].frameworks) == {"policy"}
    assert status(findings, "phi", "GDPR-RETENTION-MAX") == "pass"
    assert status(findings, "plain", "GDPR-RETENTION-MAX") == "not_applicable"


def test_gaps_and_unknown_tiers_are_never_covered(tmp_path: Path) -> None:
    gap = {
        "attribute": "protections",
        "operation": "dynamodb:DescribeContinuousBackups",
        "error_code": "AccessDeniedException",
        "cause": "denied",
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
    # The observed copy decides that a backup exists; how often it runs is unknown.
    assert status(findings, "denied", "BKP-EXISTS") == "pass"
    denied = next(
        r for r in findings.results if r.resource.name == "denied" and r.rule == "BKP-FREQUENCY"
    )
    assert denied.status == "not_assessed" and denied.missing == ["protections"]
    assert (
        denied.evidence
        and denied.evidence[-1]["fields"]["permission"] == "dynamodb:DescribeContinuousBackups"
    )
    # An unknown tier blocks what reads the tier, not what the facts decide alone.
    typo = {r.rule: r for r in findings.results if r.resource.name == "typo"}
    assert typo["BKP-RPO-OBSERVED"].status == "not_assessed"
    assert "platnum" in typo["BKP-RPO-OBSERVED"].message
    assert typo["ENC-AT-REST"].status == "pass"
    assert status(findings, "tagless", "BKP-RPO-OBSERVED") == "not_assessed"
    assert status(findings, "tagless", "GDPR-RETENTION-MAX") == "not_assessed"  # scope unknown
    assert summary.coverage["overall"] == {"in_scope": 3, "covered": 0, "ratio": 0.0}


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


def test_a_v1_inventory_re_evaluates_with_todays_rules(tmp_path: Path) -> None:
    v1 = Path(__file__).parent / "corpus" / "inventory-v1.json"
    policy = Path(__file__).parents[1] / "samples" / "policy.yaml"
    out = tmp_path / "findings.json"
    evaluate_files(v1, policy, PACK, out, lambda: AS_OF)
    findings = load_findings(out)
    stores = [r for r in findings.results if r.resource.kind != "estate"]
    assert len(stores) == 13 * len(STORE_RULES)
    assert findings.inventory["api_calls"] is None  # v1 did not record them
    verdict = {(r.resource.name, r.rule): r for r in findings.results}
    assert verdict[("reporting-mysql", "BKP-EXISTS")].status == "fail"
    assert verdict[("nw-clinical-images-dr", "RES-PRIMARY")].status == "fail"
    assert verdict[("nw-marketing-site", "DEL-PROTECTION")].status == "not_applicable"


def test_a_point_stamped_after_collection_has_age_zero_and_says_so(tmp_path: Path) -> None:
    later = "2026-01-01T12:00:02Z"  # two seconds after the inventory's collection time
    points = {
        "newest": later,
        "count": 1,
        "sources": [{"kind": "continuous", "source": "PITR", "newest": later}],
    }
    findings, _ = evaluate(tmp_path, [store("skewed", recovery_points=points)])
    (result,) = [r for r in findings.results if r.rule == "BKP-RPO-OBSERVED"]
    assert result.status == "pass"
    assert result.message.startswith("newest recovery point is 0 h old")
    (note,) = [e for e in result.evidence or [] if e["operation"] == "backup-audit:age"]
    assert note["fields"]["seconds after the collection time"] == 2.0
    assert note["fields"]["age used"] == 0


def test_untagged_stores_take_the_default_or_the_strictest_and_are_listed(
    tmp_path: Path,
) -> None:
    tagged = store("tagged", tags={"data-classification": "internal", "backup-tier": "standard"})
    stores = [store("untagged", **GOOD_TABLE), tagged | GOOD_TABLE]
    lenient, _ = evaluate(tmp_path, stores, name="lenient.json")
    untagged_id = next(r.resource.id for r in lenient.results if r.resource.name == "untagged")
    assert lenient.defaults == {"classification": [untagged_id], "tier": [untagged_id]}
    assert set(lenient.coverage.by_tier) == {"standard"}
    strict_policy = json.loads(json.dumps(POLICY))
    strict_policy["classification"]["untagged"] = "strictest"
    strict_policy["tiering"]["untagged"] = "strictest"
    strict, _ = evaluate(tmp_path, stores, strict_policy, name="strict.json")
    exists = {r.resource.name: r for r in strict.results if r.rule == "BKP-EXISTS"}
    # phi is in scope of the most frameworks; critical has the smallest RPO.
    assert set(exists["untagged"].frameworks) == {"hipaa", "gdpr", "policy"}
    assert set(exists["tagged"].frameworks) == {"policy"}
    assert set(strict.coverage.by_tier) == {"critical", "standard"}
    assert strict.defaults == lenient.defaults


def test_stagger_counts_stores_not_names(tmp_path: Path) -> None:
    def nightly(name: str, region: str, start: str) -> dict[str, object]:
        protection = GOOD_TABLE["protections"][0] | {
            "role": "backup",
            "origin": "backup_service",
            "name": f"plan {start}",
            "window": {"start": start, "duration_minutes": 60, "timezone": "UTC"},
        }
        return store(name) | {
            "id": f"arn:aws:dynamodb:{region}:111122223333:table/{name}",
            "region": region,
            "protections": [protection],
        }

    policy = POLICY | {"windows": {"peak": "07:00-22:00", "max_share_per_hour": 0.5}}
    stores = [
        nightly("orders", "eu-west-1", "02:00"),
        nightly("orders", "us-east-1", "02:00"),
        nightly("ledger", "eu-west-1", "03:00"),
    ]
    findings, _ = evaluate(tmp_path, stores, policy)
    (crowded,) = [r for r in findings.results if r.rule == "WIN-STAGGER"]
    # Two of three stores (the two named "orders") start at 02:00: more than half.
    assert crowded.status == "fail" and crowded.message.startswith("2 of 3 stores")


def test_a_copy_into_an_account_the_scan_listed_fails_when_never_observed(
    tmp_path: Path,
) -> None:
    copy = {
        "kind": "backup_copy",
        "target": "arn:aws:backup:eu-west-1:999988887777:backup-vault:a",
        "region": "eu-west-1",
        "account": "999988887777",
        "resolved": True,
        "state": "configured",
        "source": "plan",
    }
    stores = [store("orders", tags={"backup-tier": "critical"}, copies=[copy], **GOOD_TABLE)]
    policy = json.loads(json.dumps(POLICY))
    policy["tiers"]["critical"]["cross_account_copy"] = True

    def verdict(accounts: list[dict[str, object]], name: str) -> tuple[str, str]:
        findings, _ = evaluate(tmp_path, stores, policy, name=name, accounts=accounts)
        (result,) = [r for r in findings.results if r.rule == "COPY-CROSS-ACCOUNT"]
        return result.status, result.message

    unread = verdict([], "unread.json")
    assert unread[0] == "not_assessed" and "scan that account" in unread[1]
    listed = [{"cloud": "aws", "account": "999988887777", "regions": ["eu-west-1"]}]
    status, message = verdict(listed, "listed.json")
    assert status == "fail" and "999988887777" in message


def test_an_alert_verdict_left_open_says_why(tmp_path: Path) -> None:
    native = {
        "role": "backup",
        "origin": "native",
        "source": "DynamoDB on-demand backups",
        "name": "nightly",
        "enabled": True,
        "frequency_hours": 24,
    }
    rule = {
        "id": "arn:aws:events:eu-west-1:111122223333:rule/backup-failed",
        "name": "backup-failed",
        "kind": "event_rule",
        "enabled": True,
        "scopes": ["111122223333"],
        "condition": "{}",
        "backup_failures": True,
        "targets": [{"id": "t", "enabled": True, "receivers": ["email"]}],
        "source": "aws.events",
    }
    account = GOOD_ACCOUNT | {"alert_rules": [rule]}
    findings, _ = evaluate(tmp_path, [store("own", protections=[native])], accounts=[account])
    [result] = [r for r in findings.results if r.rule == "ALERT-BACKUP-FAILURES"]
    assert result.status == "not_assessed"
    assert "its own service's, whose failure alerts are not recognised" in result.message
