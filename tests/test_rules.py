"""The rule pack: every case beside every rule, catalog meta-tests, and broken inputs.

Broken rule files and policies live in tests/corpus/; each starts with
``# expect: [line N: ]message`` and must fail to load with exactly that location and text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scanner.collectors.registry import store_kinds
from scanner.engine.cases import CaseOutcome, run_cases
from scanner.engine.rules import RulePack, load_pack
from scanner.errors import InputFileError
from scanner.policy import load_policy

CORPUS = Path(__file__).parent / "corpus"
PACK = load_pack()
OUTCOMES = run_cases(PACK)


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: f"{o.rule}: {o.case}")
def test_rule_case(outcome: CaseOutcome) -> None:
    assert outcome.actual == outcome.expected, outcome.message


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_has_a_pass_and_a_fail_case_and_remediation_per_cloud(rule: object) -> None:
    spec = rule.spec  # type: ignore[attr-defined]
    expected = {case.expect for case in spec.cases}
    assert {"pass", "fail"} <= expected
    assert set(spec.remediation) == {"aws", "gcp", "azure"}
    assert spec.citations, "every rule cites at least one requirement"


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_has_cases_on_each_cloud_it_applies_to(rule: object) -> None:
    spec = rule.spec  # type: ignore[attr-defined]
    kinds = store_kinds()
    applicable = {
        kind.cloud
        for kind in kinds.values()
        if (not spec.applies_to.kinds or kind.id in spec.applies_to.kinds)
        and set(spec.applies_to.capabilities) <= kind.capabilities
    }
    tested = {kinds[case.kind].cloud for case in spec.cases}
    assert applicable <= tested, f"no cases on {sorted(applicable - tested)}"


def test_rules_speak_the_neutral_vocabulary() -> None:
    """Only remediation text may name a cloud's services; expressions, conditions and
    messages use the neutral words (roles, origins, kinds of recovery source and copy)."""
    words = re.compile(
        r"aws\.|gcp\.|azure\.|dynamodb|\bs3\b|\brds\b|aws.backup|pitr|backup_plan|arn:",
        re.IGNORECASE,
    )
    for rule in PACK.rules:
        spec = rule.spec
        texts = [spec.logic, spec.applies_to.when or "", spec.message.pass_, spec.message.fail]
        texts += [spec.pending_when or "", spec.message.pending or ""]
        texts += [spec.title, spec.rationale, *spec.applies_to.kinds]
        found = [t for t in texts if words.search(t)]
        assert not found, f"{spec.id}: {found}"


def test_pack_covers_the_issue_minimum() -> None:
    ids = {r.id for r in PACK.rules}
    assert {
        "BKP-EXISTS",
        "BKP-RPO-OBSERVED",
        "BKP-RPO-GAP",
        "BKP-FREQUENCY",
        "BKP-RETENTION-MIN",
        "GDPR-RETENTION-MAX",
        "SOX-RETENTION-7Y",
        "RET-CONFLICT",
        "COPY-CROSS-REGION",
        "COPY-CROSS-ACCOUNT",
        "BKP-IMMUTABLE",
        "ENC-AT-REST",
        "ENC-CMK",
        "ENC-BACKUPS",
        "DEL-PROTECTION",
        "RES-PRIMARY",
        "RES-COPIES",
        "WIN-PEAK",
        "WIN-STAGGER",
        "BKP-PLAN-MIN",
    } <= ids


def test_catalogs_follow_the_texts() -> None:
    hipaa, sox = PACK.catalogs["hipaa"], PACK.catalogs["sox"]
    documentation = hipaa.requirement("164.316(b)(2)(i)")
    assert documentation is not None and "documentation" in documentation.summary
    # HIPAA's six years are for documentation: no backup rule may cite them.
    assert not [r.id for r in PACK.rules if "164.316(b)(2)(i)" in r.spec.citations.get("hipaa", [])]
    assert sox.note is not None and "no official control numbering" in sox.note
    assert set(PACK.catalogs) == {"hipaa", "sox", "gdpr", "residency", "policy"}
    # Mechanisms the texts do not require are cited as support only.
    for framework, requirement_id, rules in [
        ("hipaa", "164.312(a)(2)(iv)", {"ENC-CMK"}),
        ("hipaa", "164.312(c)(1)", {"BKP-IMMUTABLE", "DEL-PROTECTION"}),
        ("hipaa", "164.308(a)(7)(ii)(B)", {"COPY-CROSS-REGION", "COPY-CROSS-ACCOUNT", "RST-RTO"}),
        ("hipaa", "164.308(a)(1)(ii)(D)", {"AUD-CONTROL-PLANE"}),
        ("gdpr", "Art. 33", {"ALERT-BACKUP-FAILURES"}),
        ("gdpr", "Art. 5(1)(f)", {"BKP-IMMUTABLE"}),
        ("gdpr", "Art. 32(1)(a)", {"ENC-CMK"}),
        ("gdpr", "Art. 32(1)(b)", {"COPY-CROSS-REGION"}),
        ("gdpr", "Art. 44", {"RES-PRIMARY", "RES-COPIES"}),
    ]:
        entry = PACK.catalogs[framework].requirement(requirement_id)
        assert entry is not None and set(entry.supported_by) == rules, requirement_id
    for framework in PACK.catalogs.values():
        ids = [r.id for r in framework.requirements]
        assert len(ids) == len(set(ids)) and all(r.source for r in framework.requirements)


def test_pack_hash_changes_with_an_organisation_rule(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "rules" / "unknown-path.yaml", tmp_path / "org.yaml")
    (tmp_path / "org.yaml").write_text(
        (tmp_path / "org.yaml")
        .read_text()
        .replace("store.recovery_points.newst == 1", "store.recovery_points.count > 0")
    )
    extended = load_pack([tmp_path])
    assert isinstance(extended, RulePack) and extended.rule("ORG-TEST") is not None
    assert extended.sha256 != PACK.sha256 and len(extended.rules) == len(PACK.rules) + 1


def _expectation(path: Path) -> tuple[int | None, str]:
    match = re.match(r"# expect: (?:line (\d+): )?(.*)", path.read_text().splitlines()[0])
    assert match, f"{path} lacks an expectation line"
    return (int(match.group(1)) if match.group(1) else None), match.group(2)


@pytest.mark.parametrize("path", sorted((CORPUS / "rules").glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_rule_file(path: Path, tmp_path: Path) -> None:
    line, message = _expectation(path)
    shutil.copy(path, tmp_path / path.name)
    with pytest.raises(InputFileError) as err:
        load_pack([tmp_path])
    assert message in err.value.problem and err.value.path == str(tmp_path / path.name)
    assert line is None or err.value.line == line, f"line {err.value.line}: {err.value}"


@pytest.mark.parametrize("path", sorted((CORPUS / "policies").glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_policy(path: Path) -> None:
    line, message = _expectation(path)
    with pytest.raises(InputFileError) as err:
        load_policy(path)
    assert message in err.value.problem, err.value.problem
    assert line is None or err.value.line == line, f"line {err.value.line}: {err.value}"


def test_sample_policy_loads() -> None:
    policy = load_policy(Path(__file__).parents[1] / "samples" / "policy.yaml")
    assert policy.tiers["critical"].rpo.total_seconds() == 3600
    assert policy.frameworks["sox"].retention is not None
    assert policy.frameworks["sox"].retention.days == 7 * 365


def test_the_operations_requirements_are_tested_by_rules_not_only_supported() -> None:
    from scanner.render.report_matrix import requirement_rules

    for framework, requirement_id, rule in [
        ("hipaa", "164.308(a)(7)(ii)(D)", "RST-TESTED"),
        ("hipaa", "164.308(a)(1)(ii)(D)", "ALERT-BACKUP-FAILURES"),
        ("hipaa", "164.312(b)", "AUD-CONTROL-PLANE"),
        ("hipaa", "164.312(b)", "AUD-DATA-ACCESS"),
        ("gdpr", "Art. 32(1)(d)", "RST-TESTED"),
        ("sox", "SOX-ITGC-BR-3", "RST-TESTED"),
        ("sox", "SOX-ITGC-BR-4", "JOB-FAILURES"),
    ]:
        entry = PACK.catalogs[framework].requirement(requirement_id)
        assert entry is not None
        assert rule in requirement_rules(PACK, framework, entry), (framework, requirement_id)
