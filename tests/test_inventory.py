"""Snapshots on disk: round trip, byte-identical determinism, clear errors when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import collect, seed
from test_collect_backup import BACKUP, TABLES

from scanner.emulator.server import EmulatedAws
from scanner.errors import InputFileError
from scanner.fileio import atomic_writer
from scanner.inventory import dump_snapshot, load_snapshot, write_snapshot
from scanner.model import Snapshot

# Answers that do not move with the clock (PITR "latest restorable time" does, by design).
ESTATE = {
    "dynamodb": TABLES,
    "backup": BACKUP,
    "s3": [{"name": "logs-bucket", "region": "eu-west-1", "versioning": True}],
    "rds_instances": [
        {"id": "db1", "region": "us-east-1", "retention_days": 0, "manual_snapshots": 2}
    ],
}


def test_round_trip_and_determinism(aws: EmulatedAws, tmp_path: Path) -> None:
    seed(aws, **ESTATE)
    first, second = collect(aws).snapshot, collect(aws).snapshot
    assert dump_snapshot(first) == dump_snapshot(second)  # same answers, same bytes

    path = tmp_path / "inventory.json"
    write_snapshot(first, path)
    loaded = load_snapshot(path)
    assert loaded == first
    assert dump_snapshot(loaded) == path.read_text(encoding="utf-8")
    data = json.loads(path.read_text())
    assert data["schema"] == "backup-audit/inventory/v1"
    assert [s["id"] for s in data["stores"]] == sorted(s["id"] for s in data["stores"])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.json"
    path.write_text(text)
    return path


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "schema": "backup-audit/inventory/v1",\n  "stores": [,]\n}')
    with pytest.raises(InputFileError) as err:
        load_snapshot(path)
    assert (
        err.value.line == 3 and str(path) in str(err.value) and "not valid JSON" in str(err.value)
    )


def test_wrong_schema_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"schema": "backup-audit/findings/v1"}')
    with pytest.raises(InputFileError, match="not an inventory snapshot"):
        load_snapshot(path)


def test_invalid_field_names_path_and_line(tmp_path: Path) -> None:
    good = Snapshot.model_validate(
        {
            "schema": "backup-audit/inventory/v1",
            "tool_version": "0.1.0",
            "collected_at": "2026-01-01T00:00:00Z",
            "scope": {"clouds": ["aws"], "accounts": ["1"], "regions": ["eu-west-1"]},
            "stores": [
                {
                    "id": "a",
                    "cloud": "aws",
                    "account": "1",
                    "region": "eu-west-1",
                    "kind": "aws.s3.bucket",
                    "name": "a",
                }
            ],
        }
    )
    text = dump_snapshot(good).replace(
        '"cloud": "aws",\n      "copies"', '"cloud": "mars",\n      "copies"'
    )
    path = _write(tmp_path, text)
    with pytest.raises(InputFileError) as err:
        load_snapshot(path)
    expected_line = 1 + text.splitlines().index('      "cloud": "mars",')
    assert err.value.line == expected_line
    assert "stores[0].cloud" in err.value.problem


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        json.dumps(
            {
                "schema": "backup-audit/inventory/v1",
                "tool_version": "0",
                "collected_at": "2026-01-01T00:00:00Z",
                "scope": {"clouds": ["aws"], "accounts": [], "regions": []},
                "surprise": 1,
            }
        ),
    )
    with pytest.raises(InputFileError, match="surprise"):
        load_snapshot(path)


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("old")

    with pytest.raises(RuntimeError), atomic_writer(path) as out:
        out.write("half of the new content")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
