"""Outputs appear as a set: a run killed at any point leaves the previous complete set
(or, once the journal is written, the next run completes the new one); leftovers of a
killed run are cleaned by the next; files get the user's umask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.fileio import TEMP_PREFIX
from scanner.outputs import JOURNAL, STAGING_PREFIX, CommitInterrupted, OutputSet, recover
from tests.conftest import cli
from tests.engine_helpers import GOOD_TABLE, store, write_inputs

STORES = [store("good", **GOOD_TABLE), store("bare", protections=[])]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _kill_after(args: list[str], delay: float) -> int:
    """Start ``backup-audit ARGS``, SIGKILL it after ``delay`` seconds; its return code."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=60)


def _verified(folder: Path) -> bool:
    return cli("verify", str(folder)).exit_code == 0


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.4, 2.0, 2.8])
def test_report_killed_at_any_point_leaves_one_whole_set(tmp_path: Path, delay: float) -> None:
    inventory, policy = write_inputs(tmp_path, STORES)
    out = tmp_path / "out"
    findings = tmp_path / "findings.json"
    assert (
        cli("evaluate", str(inventory), "--policy", str(policy), "-o", str(findings)).exit_code == 0
    )
    first = cli(
        "report", str(findings), "--inventory", str(inventory), "-o", str(out), "--prepared-by", "A"
    )
    assert first.exit_code == 0, first.output
    before = _snapshot(out)
    _kill_after(
        [
            "report",
            str(findings),
            "--inventory",
            str(inventory),
            "-o",
            str(out),
            "--prepared-by",
            "B",
        ],
        delay,
    )
    recover(out)  # what the next run does first
    after = _snapshot(out)
    assert set(after) == set(before), "a file appeared or vanished"
    changed = {name for name in after if after[name] != before[name]}
    # the old set, or the new set: the reports and the manifest change together
    assert changed in (set(), {"report.html", "report.pdf", "manifest.json"}), changed
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "leftovers"


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_evaluate_killed_leaves_previous_findings_and_csv(tmp_path: Path, delay: float) -> None:
    inventory, policy = write_inputs(tmp_path, STORES)
    out = tmp_path / "out"
    args = [
        "evaluate",
        str(inventory),
        "--policy",
        str(policy),
        "-o",
        str(out / "findings.json"),
        "--csv",
        str(out / "results.csv"),
    ]
    assert cli(*args).exit_code == 0
    before = _snapshot(out)
    _kill_after(args, delay)
    recover(out)
    after = _snapshot(out)
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    # the new findings may give the same CSV bytes: the manifest proves the set is whole
    assert changed in (
        set(),
        {"findings.json", "manifest.json"},
        {"findings.json", "results.csv", "manifest.json"},
    ), changed
    assert _verified(out)


def test_a_killed_run_after_its_journal_is_finished_by_the_next(tmp_path: Path) -> None:
    """Killed between renames: the journal names the set; the next run moves the rest."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "report.html").write_text("old html")
    (folder / "report.pdf").write_text("old pdf")
    stage = folder / f"{STAGING_PREFIX}x"
    stage.mkdir()
    (stage / "report.pdf").write_text("new pdf")
    journal = {"move": ["report.html", "report.pdf"], "remove": [], "manifest_before": None}
    (stage / JOURNAL).write_text(json.dumps(journal))
    (folder / "report.html").write_text("new html")  # already renamed before the kill
    done = recover(folder)
    assert (folder / "report.pdf").read_text() == "new pdf"
    assert (folder / "report.html").read_text() == "new html"
    assert not stage.exists() and done and "finished" in done[0]


def test_stages_and_temporary_files_of_killed_runs_are_removed(tmp_path: Path) -> None:
    stage = tmp_path / f"{STAGING_PREFIX}y"
    stage.mkdir()
    (stage / "report.html").write_text("half")
    temp = tmp_path / f"{TEMP_PREFIX}999999999-abc"
    temp.write_text("half")
    with OutputSet() as running:  # another run still going: its stage is locked, kept
        running.path(tmp_path / "report.html").write_text("in progress")
        recover(tmp_path)
        assert not stage.exists() and not temp.exists()
        assert len(list(tmp_path.glob(f"{STAGING_PREFIX}*"))) == 1


def test_a_stale_journal_never_replaces_a_newer_set(tmp_path: Path) -> None:
    """A stage committed, stopped, and found only after another run committed a set:
    the folder's manifest changed since, so the stale stage is dropped, not moved in."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"schema": "backup-audit/manifest/v1"}')
    stage = folder / f"{STAGING_PREFIX}old"
    stage.mkdir()
    (stage / "report.html").write_text("older run")
    journal = {"move": ["report.html"], "remove": [], "manifest_before": "0" * 64}
    (stage / JOURNAL).write_text(json.dumps(journal))
    (folder / "report.html").write_text("newer run")
    assert "removed" in recover(folder)[0]
    assert (folder / "report.html").read_text() == "newer run" and not stage.exists()


def test_a_disk_error_during_the_renames_is_finished_by_the_next_run(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    outputs = OutputSet()
    outputs.path(folder / "report.html").write_text("new html")
    outputs.path(folder / "results.csv").write_text("new csv")
    (folder / "results.csv").mkdir()  # the rename of the second file fails
    with pytest.raises(CommitInterrupted):
        outputs.commit("0")
    outputs.discard()  # what leaving the block does: a committed stage must survive it
    assert (folder / "report.html").read_text() == "new html"
    (folder / "results.csv").rmdir()
    assert "finished" in recover(folder)[0]
    assert (folder / "results.csv").read_text() == "new csv"


def test_a_failed_command_leaves_nothing_and_outputs_take_the_umask(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), OutputSet() as outputs:
        outputs.path(tmp_path / "findings.json").write_text("x")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    inventory, policy = write_inputs(tmp_path, STORES)
    findings = tmp_path / "out" / "findings.json"
    assert (
        cli("evaluate", str(inventory), "--policy", str(policy), "-o", str(findings)).exit_code == 0
    )
    mask = os.umask(0)
    os.umask(mask)
    assert findings.stat().st_mode & 0o777 == 0o666 & ~mask


def test_demo_killed_while_collecting_or_rendering_leaves_a_verified_set(tmp_path: Path) -> None:
    """``demo`` runs ``scan``'s stages: kill it (and its emulators) at several points."""
    out = tmp_path / "demo"
    assert cli("demo", "-o", str(out)).exit_code == 0
    names = set(_snapshot(out))
    for delay in (2.0, 6.0, 10.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "scanner", "demo", "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        recover(out)
        assert set(_snapshot(out)) == names
        assert _verified(out), cli("verify", str(out)).output
        assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_verify_names_the_leftovers_of_an_interrupted_run(tmp_path: Path) -> None:
    inventory, policy = write_inputs(tmp_path, STORES)
    out = tmp_path / "out"
    assert (
        cli(
            "evaluate", str(inventory), "--policy", str(policy), "-o", str(out / "findings.json")
        ).exit_code
        == 0
    )
    stage = out / f"{STAGING_PREFIX}k"
    stage.mkdir()
    manifest = (out / "manifest.json").read_bytes()
    digest = __import__("hashlib").sha256(manifest).hexdigest()
    journal = {"move": [], "remove": [], "manifest_before": digest}
    (stage / JOURNAL).write_text(json.dumps(journal))
    result = cli("verify", str(out))
    assert result.exit_code == 1 and "outputs of an interrupted run (committed" in result.stdout
    recover(out)
    assert cli("verify", str(out)).exit_code == 0


def test_a_command_that_fails_removes_the_folder_it_created(tmp_path: Path) -> None:
    inventory, policy = write_inputs(tmp_path, STORES)
    policy.write_text("version: 1\n")  # no tiers: refused after the output folder was made
    out = tmp_path / "new" / "folder"
    result = cli("evaluate", str(inventory), "--policy", str(policy), "-o", str(out / "f.json"))
    assert result.exit_code == 2 and not (tmp_path / "new").exists()
