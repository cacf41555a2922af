"""The bad-input corpus: every malformed or hostile input gets one clear error.

Each file in ``tests/corpus/cli/`` is one case: the files to write, the command to run
and what must come back — the exit code and words the first line of stderr must hold.
Placeholders in ``args`` and ``files``: ``{tmp}`` (the case's folder) and ``{valid}`` (a
folder of valid inputs: inventory.json, policy.yaml, findings.json, baseline.json).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import cli
from tests.engine_helpers import evaluate, store

CASES = sorted((Path(__file__).parent / "corpus" / "cli").glob("*.yaml"))
PREFIX = "backup-audit: error: "


@pytest.fixture(scope="session")
def valid_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid inputs for the cases to pair with the broken one."""
    folder = tmp_path_factory.mktemp("valid")
    evaluate(folder, [store("t1"), store("t2", protections=[])], csv=True)
    assert (
        cli(
            "gate",
            str(folder / "findings.json"),
            "--baseline",
            str(folder / "baseline.json"),
            "--write-baseline",
        ).exit_code
        == 0
    )
    return folder


@pytest.fixture
def valid(valid_inputs: Path, tmp_path: Path) -> Path:
    """A copy of the valid inputs for one case (a case may try to overwrite them)."""
    return Path(shutil.copytree(valid_inputs, tmp_path / "valid"))


def _fill(value: Any, places: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, path in places.items():
            value = value.replace("{" + name + "}", path)
        return value
    if isinstance(value, list):
        return [_fill(v, places) for v in value]
    return value


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_input_gets_one_clear_error(path: Path, tmp_path: Path, valid: Path) -> None:
    case = yaml.safe_load(path.read_text())
    places = {"tmp": str(tmp_path), "valid": str(valid)}
    before = {p.name: p.read_bytes() for p in valid.iterdir()}
    for name, text in (case.get("files") or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(text, places))
    result = cli(*_fill(case["args"], places))
    lines = result.stderr.splitlines()
    assert result.exit_code == case.get("exit", 2), result.output
    assert "Traceback" not in result.output + result.stderr
    assert lines and lines[0].startswith(PREFIX), result.stderr
    assert len(lines) <= 2, result.stderr
    for words in case["says"]:
        assert _fill(words, places) in lines[0], lines[0]
    assert {p.name: p.read_bytes() for p in valid.iterdir()} == before, "an input was changed"
    for name in case.get("not_written", []):
        assert not (tmp_path / name).exists(), f"{name} was written despite the error"


def test_a_40_mb_policy_is_refused_by_its_size_without_parsing(tmp_path: Path, valid: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\n# " + "x" * (40 * 1024 * 1024) + "\n")
    out = tmp_path / "f.json"
    result = cli("evaluate", str(valid / "inventory.json"), "--policy", str(policy), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith(f"{PREFIX}{policy}: 41,943,054 bytes: larger than")


def test_a_rule_path_that_is_a_folder_or_a_pipe_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "x.yaml").mkdir(parents=True)
    result = cli("rules", "validate", "--rules", str(rules))
    assert result.exit_code == 2 and "is a folder" in result.stderr.splitlines()[0]
    (rules / "x.yaml").rmdir()
    os.mkfifo(rules / "x.yaml")  # reading it would block for ever
    result = cli("rules", "validate", "--rules", str(rules))
    assert result.exit_code == 2 and "not a regular file" in result.stderr.splitlines()[0]
