"""manifest.json and ``backup-audit verify``: real folders written by the real commands,
then altered the way a careless copy or a forger would, and verified again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner import __version__
from scanner.engine.run import evaluate_files
from scanner.findings import sha256_file
from scanner.findings_read import load_findings
from scanner.manifest import OUTPUT_NAMES, load_manifest, write_manifest
from scanner.render.junit import write_junit
from tests.conftest import cli
from tests.engine_helpers import EVALUATED, GOOD_TABLE, PACK, POLICY, store, write_inputs

FULL_SET = ["findings.json", "inventory.json", "report.html", "report.pdf", "results.csv"]
STORES = [store("good", tags={"data-classification": "phi"}, **GOOD_TABLE), store("bare")]


def _evaluate_cli(folder: Path) -> None:
    """inventory.json (entered in the manifest, as ``collect`` does) and policy.yaml, then
    ``backup-audit evaluate`` into ``folder``."""
    inventory, policy = write_inputs(folder, STORES)
    write_manifest(folder, __version__)
    done = cli(
        "evaluate",
        str(inventory),
        "--policy",
        str(policy),
        "-o",
        str(folder / "findings.json"),
        "--csv",
        str(folder / "results.csv"),
    )
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as ``evaluate`` then ``report --inventory`` leave it (HTML and PDF)."""
    folder = tmp_path_factory.mktemp("written")
    _evaluate_cli(folder)
    made = cli(
        "report",
        str(folder / "findings.json"),
        "--inventory",
        str(folder / "inventory.json"),
        "-o",
        str(folder),
    )
    assert made.exit_code == 0, made.output
    assert f"Wrote {folder / 'manifest.json'}" in made.stdout
    return folder


@pytest.fixture
def folder(written: Path, tmp_path: Path) -> Path:
    """A private copy of the written folder, free to alter."""
    return Path(shutil.copytree(written, tmp_path / "out"))


def _verify(folder: Path) -> tuple[int, list[str]]:
    result = cli("verify", str(folder))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.splitlines()


def _fails(lines: list[str], prefix: str) -> bool:
    return any(line.startswith(f"FAIL  {prefix}") for line in lines)


def _flip_byte(path: Path) -> None:
    """Change one byte in the middle of ``path`` (same size)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("a") if data[middle] != ord("a") else ord("b")
    path.write_bytes(bytes(data))


def test_the_manifest_lists_every_output_with_size_and_hash(written: Path) -> None:
    text = (written / "manifest.json").read_text()
    data = json.loads(text)
    assert data["schema"] == "backup-audit/manifest/v1" and data["tool_version"] == __version__
    assert [f["name"] for f in data["files"]] == FULL_SET  # policy.yaml is not an output
    for entry in data["files"]:
        path = written / entry["name"]
        assert entry == {
            "name": path.name,
            "size": path.stat().st_size,
            "sha256": sha256_file(path),
        }
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"


def test_writing_the_manifest_again_gives_the_same_bytes(folder: Path) -> None:
    before = (folder / "manifest.json").read_bytes()
    write_manifest(folder, __version__)
    assert (folder / "manifest.json").read_bytes() == before


def test_a_later_command_never_blesses_a_file_changed_before_it(folder: Path) -> None:
    """results.csv is altered, then ``gate`` writes junit.xml into the folder: the manifest
    keeps the CSV's hash from when ``evaluate`` wrote it, so verify still catches it."""
    csv_path = folder / "results.csv"
    csv_path.write_text(csv_path.read_text().replace(",fail,", ",pass,", 1))
    gated = cli("gate", str(folder / "findings.json"), "--junit", str(folder / "junit.xml"))
    assert gated.exit_code == 0, gated.output
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "results.csv: ")
    assert "ok    junit.xml: size and SHA-256 as in manifest.json" in lines


def test_a_clean_folder_verifies(written: Path) -> None:
    code, lines = _verify(written)
    assert code == 0, lines
    assert lines[-1].startswith(f"verified: {written}")
    assert not [line for line in lines if line.startswith("FAIL")]
    for name in FULL_SET:
        assert f"ok    {name}: size and SHA-256 as in manifest.json" in lines
    assert any("report.html: <meta name=" in line for line in lines)
    assert any("report.pdf: the attached findings.json matches" in line for line in lines)
    assert any("report.pdf: the attached inventory.json matches" in line for line in lines)


@pytest.mark.parametrize("name", ["findings.json", "inventory.json", "report.html", "results.csv"])
def test_one_changed_byte_is_caught(folder: Path, name: str) -> None:
    _flip_byte(folder / name)
    code, lines = _verify(folder)
    assert code == 1
    assert _fails(lines, f"{name}: SHA-256"), lines
    assert lines[-1].startswith("verification FAILED")


def test_a_deleted_file_is_caught(folder: Path) -> None:
    (folder / "report.pdf").unlink()
    code, lines = _verify(folder)
    assert code == 1 and "FAIL  report.pdf: listed in manifest.json but missing" in lines


def test_an_output_added_after_the_manifest_is_caught(folder: Path) -> None:
    write_junit(load_findings(folder / "findings.json"), folder / "junit.xml", set())
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "junit.xml: present but not listed in manifest.json")


def test_findings_swapped_with_a_fresh_manifest_are_caught_by_the_reports(folder: Path) -> None:
    """Other findings of the same inventory, and a manifest rewritten to match: only the
    hashes the reports carry show they were made from the old findings."""
    policy = folder / "other-policy.yaml"
    policy.write_text(json.dumps(POLICY | {"organisation": "Someone Else"}))
    evaluate_files(
        folder / "inventory.json", policy, PACK, folder / "findings.json", lambda: EVALUATED
    )
    write_manifest(folder, __version__)
    code, lines = _verify(folder)
    assert code == 1
    assert "ok    findings.json: size and SHA-256 as in manifest.json" in lines
    assert _fails(lines, 'report.html: <meta name="backup-audit-findings-sha256"> has SHA-256')
    assert _fails(lines, "report.pdf: the attached findings.json has SHA-256")
    assert not _fails(lines, "findings.json")  # the swapped file itself is consistent


def test_an_inventory_swapped_with_a_fresh_manifest_is_caught(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    write_inputs(other, [*STORES, store("extra")])
    shutil.copy(other / "inventory.json", folder / "inventory.json")
    write_manifest(folder, __version__)
    code, lines = _verify(folder)
    assert code == 1
    assert _fails(lines, "findings.json: evaluated an inventory with SHA-256")
    assert not _fails(lines, "inventory.json")


def test_results_of_another_evaluation_are_caught(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    inventory, policy = write_inputs(other, [*STORES, store("extra")])
    evaluate_files(
        inventory, policy, PACK, other / "f.json", lambda: EVALUATED, folder / "results.csv"
    )
    write_manifest(folder, __version__)
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "results.csv: differs from the rows findings.json gives")


def test_a_csv_row_edited_with_a_fresh_manifest_is_caught(folder: Path) -> None:
    csv_path = folder / "results.csv"
    csv_path.write_text(csv_path.read_text().replace(",fail,", ",pass,", 1))
    write_manifest(folder, __version__)
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "results.csv: differs")
    assert "ok    results.csv: size and SHA-256 as in manifest.json" in lines


def test_evaluate_and_gate_keep_the_manifest_current(tmp_path: Path) -> None:
    _evaluate_cli(tmp_path)
    names = [f.name for f in load_manifest(tmp_path).files]
    assert names == ["findings.json", "inventory.json", "results.csv"]
    assert _verify(tmp_path)[0] == 0
    gated = cli("gate", str(tmp_path / "findings.json"), "--junit", str(tmp_path / "junit.xml"))
    assert gated.exit_code == 0, gated.output
    assert "junit.xml" in [f.name for f in load_manifest(tmp_path).files]
    code, lines = _verify(tmp_path)
    assert code == 0 and "ok    junit.xml: size and SHA-256 as in manifest.json" in lines


def test_another_tools_manifest_is_never_overwritten(written: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "manifest.json"
    foreign.write_text('{"name": "my web app", "icons": []}\n')
    made = cli("report", str(written / "findings.json"), "--format", "html", "-o", str(tmp_path))
    assert made.exit_code == 2 and "is not a backup-audit/manifest/v1 file" in made.stderr
    assert foreign.read_text() == '{"name": "my web app", "icons": []}\n'


def _verify_process(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", "verify", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    done = _verify_process(tmp_path / "nowhere")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"backup-audit: error: {tmp_path / 'nowhere'}: no such folder" + (
        " (give the folder that holds manifest.json)\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{"schema": "backup-audit/manifest/v1",\n "files": [\n',
            "manifest.json:3: not valid JSON",
        ),
        ('{"schema": "something/else", "files": []}', "not a manifest"),
        (
            json.dumps(
                {"schema": "backup-audit/manifest/v1", "tool_version": "0", "files": [{}]}, indent=1
            ),
            "files[0].name: Field required",
        ),
        (
            '{"schema": "backup-audit/manifest/v1", "tool_version": "0",\n'
            ' "files": [{"name": "../etc/passwd", "size": 1, "sha256": "' + "0" * 64 + '"}]}',
            "manifest.json:2: files[0].name",
        ),
    ],
    ids=["truncated", "foreign", "incomplete", "outside"],
)
def test_a_malformed_manifest_is_bad_input(tmp_path: Path, text: str, problem: str) -> None:
    folder = tmp_path
    write_inputs(folder, STORES)
    (folder / "manifest.json").write_text(text)
    done = _verify_process(folder)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"backup-audit: error: {folder / 'manifest.json'}")
    assert problem in done.stderr


def test_a_folder_without_manifest_is_bad_input(tmp_path: Path) -> None:
    write_inputs(tmp_path, STORES)
    done = _verify_process(tmp_path)
    assert done.returncode == 2 and "manifest.json: no manifest" in done.stderr


def test_the_demo_folder_verifies(demo: tuple[Path, object]) -> None:
    out, _ = demo
    files = [f.name for f in load_manifest(out).files]
    assert files == sorted([*FULL_SET, "restore-evidence.yaml"])  # the estate records tests
    code, lines = _verify(out)
    assert code == 0, lines
    assert "ok    findings.json: applied the restore-evidence.yaml beside it" in "\n".join(lines)


def test_restore_evidence_that_is_not_what_the_findings_applied_is_a_problem(
    demo: tuple[Path, object], tmp_path: Path
) -> None:
    out, _ = demo
    folder = Path(shutil.copytree(out, tmp_path / "demo"))
    evidence = folder / "restore-evidence.yaml"
    evidence.write_text(evidence.read_text().replace("result: failed", "result: succeeded"))
    write_manifest(folder, __version__)  # the manifest alone would not catch a rewrite
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "findings.json: applied restore evidence with SHA-256")


def test_every_output_name_is_one_the_commands_write() -> None:
    assert set(OUTPUT_NAMES) == {*FULL_SET, "junit.xml", "summary.md", "restore-evidence.yaml"}


def test_a_damaged_pdf_is_a_problem_not_a_crash(folder: Path) -> None:
    pdf = folder / "report.pdf"
    pdf.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    write_manifest(folder, __version__)
    code, lines = _verify(folder)
    assert code == 1 and _fails(lines, "report.pdf: not a readable PDF")
