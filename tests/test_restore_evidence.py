"""The restore-evidence file: tests done outside the clouds' tools join the stores'
restores, are cited by file, digest and line, and are judged by RST-TESTED and RST-RTO;
entries the inventory cannot take are named in findings.json, never applied silently."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.findings import sha256_file
from scanner.findings_read import load_findings
from tests.conftest import cli
from tests.engine_helpers import POLICY, write_inputs
from tests.engine_helpers import store as table

EVIDENCE = """\
version: 1
restores:
  - store: arn:aws:dynamodb:eu-west-1:111122223333:table/tested
    date: 2025-12-20T12:00:00+02:00
    result: succeeded
    duration: 90m
    validated: true
    who: dba@example.com
    ticket: CHG-1042
  - store: arn:aws:dynamodb:eu-west-1:111122223333:table/broken
    date: 2025-11-01
    result: succeeded
    duration: 2h
    who: dba@example.com
  - store: arn:aws:dynamodb:eu-west-1:111122223333:table/broken
    date: 2025-12-28
    result: failed
    who: dba@example.com
    ticket: INC-7
  - store: arn:aws:dynamodb:eu-west-1:111122223333:table/elsewhere
    date: 2025-12-01
    result: succeeded
    who: dba@example.com
  - store: arn:aws:dynamodb:eu-west-1:111122223333:table/tested
    date: 2026-03-01
    result: succeeded
    who: dba@example.com
"""


def _evaluate(
    tmp_path: Path, text: str = EVIDENCE
) -> tuple[dict[tuple[str, str], dict[str, object]], Path, Path, str]:
    names = ("tested", "broken", "untested")  # kinds whose restores no API lists
    inventory, policy = write_inputs(
        tmp_path,
        [table(n, backup_jobs=[]) for n in names] + [table("listed", restores=[])],
        POLICY
        | {
            "tiers": {
                "standard": {
                    "rpo": "24h",
                    "rto": "4h",
                    "retention": "7d",
                    "restore_test_every": "90d",
                }
            }
        },
    )
    evidence = tmp_path / "restores.yaml"
    evidence.write_bytes(text.encode())
    out = tmp_path / "findings.json"
    result = cli(
        "evaluate", str(inventory), "--policy", str(policy), "-o", str(out),
        "--restore-evidence", str(evidence),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    findings = load_findings(out)
    by = {(r.resource.name, r.rule): r.as_json() for r in findings.results}
    return by, out, evidence, result.stderr


def test_recorded_restores_are_judged_and_cited_by_file_digest_and_line(tmp_path: Path) -> None:
    results, _, evidence, _ = _evaluate(tmp_path)
    tested = results[("tested", "RST-TESTED")]
    assert tested["status"] == "pass" and "restore-evidence file" in tested["message"]
    assert "on 2025-12-20 10:00 UTC" in tested["message"]  # its +02:00 time, in UTC
    cited = [e for e in tested["evidence"] if e["operation"] == "backup-audit:restore-evidence"]
    assert cited[0]["fields"] == {
        "file": "restores.yaml",
        "sha256": sha256_file(evidence),
        "line": 3,
        "who": "dba@example.com",
        "ticket": "CHG-1042",
        "notes": None,
    }
    assert results[("tested", "RST-RTO")]["status"] == "pass"  # 1.5 h within 4 h
    # an older success, then a failed test: the latest failed
    assert results[("broken", "RST-TESTED")]["status"] == "fail"
    broken = results[("broken", "RST-TESTED")]["message"]
    assert "failed" in broken and "no API lists this kind's restores" in broken
    assert results[("broken", "RST-RTO")]["status"] == "pass"  # its last success took 2 h
    untested = results[("untested", "RST-TESTED")]
    # no API lists its kind's restores and the file has none: unknown, not "never tested"
    assert untested["status"] == "not_assessed"
    assert "record tests in the restore-evidence file" in untested["message"]
    assert results[("untested", "RST-RTO")]["status"] == "not_assessed"
    listed = results[("listed", "RST-TESTED")]
    assert listed["status"] == "fail"
    assert "read: the provider's restore jobs" in listed["message"]


def test_entries_the_inventory_cannot_take_are_named_in_the_findings(tmp_path: Path) -> None:
    _, out, evidence, warned = _evaluate(tmp_path)
    header = json.loads(out.read_text())["restore_evidence"]
    assert header == {
        "file": "restores.yaml",
        "sha256": sha256_file(evidence),
        "entries": 5,
        "applied": 3,
        "stores_not_in_inventory": ["arn:aws:dynamodb:eu-west-1:111122223333:table/elsewhere"],
        "after_collection": [
            "arn:aws:dynamodb:eu-west-1:111122223333:table/tested (2026-03-01T00:00:00+00:00)"
        ],
    }
    # and the person running it is told, not only the findings file
    assert "warning: restores.yaml: no store arn:aws:dynamodb:eu-west-1:111122223333:" in warned
    assert "dated after the collection, not applied" in warned


def test_the_digest_is_of_the_bytes_on_disk(tmp_path: Path) -> None:
    _, out, evidence, _ = _evaluate(tmp_path, EVIDENCE.replace("\n", "\r\n"))
    assert b"\r\n" in evidence.read_bytes()
    recorded = json.loads(out.read_text())["restore_evidence"]["sha256"]
    assert recorded == sha256_file(evidence)


def test_the_file_has_a_json_schema() -> None:
    result = cli("schema", "restore-evidence")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    entry = schema["$defs"]["RecordedRestore"]
    assert set(entry["required"]) == {"store", "date", "result", "who"}
    assert entry["properties"]["result"]["enum"] == ["succeeded", "failed"]


def test_azure_ids_match_whatever_their_case_others_exactly(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from scanner.engine.cases import base_store
    from scanner.model import Snapshot
    from scanner.restore_evidence import RestorePlan, load_restore_evidence

    azure, aws = base_store("azure.storage.account"), base_store("aws.dynamodb.table")
    snapshot = Snapshot.model_validate(
        {
            "tool_version": "t",
            "collected_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
            "scope": {"clouds": ["aws", "azure"], "accounts": [], "regions": []},
            "stores": [azure, aws],
        }
    )
    entries = "".join(
        f"  - {{store: '{i}', date: 2025-12-20, result: succeeded, who: dba}}\n"
        for i in (azure["id"].upper(), aws["id"].upper())
    )
    path = tmp_path / "restores.yaml"
    path.write_text("version: 1\nrestores:\n" + entries)
    stores = [(s.id, s.cloud) for s in snapshot.stores]
    plan = RestorePlan.of(load_restore_evidence(path), stores, snapshot.collected_at)
    for store in snapshot.stores:
        plan.apply(store)
    applied = plan.applied
    assert applied["applied"] == 1  # the Azure id, written in capitals
    assert applied["stores_not_in_inventory"] == [aws["id"].upper()]
    assert [len(s.restores or []) for s in snapshot.stores] == [1, 0]
