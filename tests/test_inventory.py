"""Snapshots on disk: clear errors when malformed, atomic writes, v1 files converted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import InputFileError
from scanner.fileio import atomic_writer
from scanner.inventory import dump_snapshot, load_snapshot
from scanner.model import Snapshot


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
            "schema": "backup-audit/inventory/v2",
            "tool_version": "0.1.0",
            "collected_at": "2026-01-01T00:00:00Z",
            "scope": {"clouds": ["aws"], "accounts": ["1"], "regions": ["eu-west-1"]},
            "stores": [
                {
                    "id": "a",
                    "cloud": "aws",
                    "account": "1",
                    "region": "eu-west-1",
                    "regions": ["eu-west-1"],
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
                "schema": "backup-audit/inventory/v2",
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


V1_INVENTORY = Path(__file__).parent / "corpus" / "inventory-v1.json"


def test_a_v1_inventory_is_converted_on_read() -> None:
    snapshot = load_snapshot(V1_INVENTORY)
    table = next(s for s in snapshot.stores if s.name == "patient-records")
    assert table.regions == ["eu-west-1"]
    roles = {(p.role, p.origin) for p in table.protections}
    assert roles == {("continuous", "native"), ("backup", "backup_service")}
    kinds = {s.kind for s in table.recovery_points.sources}
    assert kinds == {"continuous", "backup_service", "manual"}  # PITR, vault, on-demand
    database = next(s for s in snapshot.stores if s.name == "ehr-postgres")
    # v1 kept automated and manual snapshots in one source: it becomes native_backup.
    assert {s.kind for s in database.recovery_points.sources} == {
        "continuous",
        "native_backup",
        "backup_service",
    }
    cluster = next(s for s in snapshot.stores if s.name == "ledger-aurora")
    kinds = {c.kind for c in cluster.copies}
    assert kinds == {"replica", "backup_copy"}  # global-cluster member; plan copy action
    vaults = {v.name: v for v in snapshot.accounts[0].vaults}
    assert vaults["clinical-vault"].immutability is not None
    assert vaults["clinical-vault"].immutability.state == "locked"
    assert vaults["clinical-dr-vault"].immutability.state == "unlocked"  # type: ignore[union-attr]
    assert snapshot.api_calls is None
    gaps = [g for s in snapshot.stores for g in s.gaps]
    assert gaps and all(g.cause for g in gaps)
    assert {g.cause for g in gaps if g.error_code == "NoSuchBucket"} == {"not_found"}
