"""Snapshots of a real collection on disk: round trip and byte-identical determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scanner.emulator.aws.server import EmulatedAws
from scanner.inventory import dump_snapshot, load_snapshot, write_snapshot
from tests.aws.helpers import BACKUP, TABLES, collect, seed

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
    first, second = collect(aws), collect(aws)
    # Same answers, same bytes — but for the request ids, which each call gets anew.
    request_id = re.compile(r'"request_id": "[^"]*"')
    assert request_id.search(dump_snapshot(first))
    same = request_id.sub("", dump_snapshot(first)) == request_id.sub("", dump_snapshot(second))
    assert same

    path = tmp_path / "inventory.json"
    write_snapshot(first, path)
    loaded = load_snapshot(path)
    assert loaded == first
    assert dump_snapshot(loaded) == path.read_text(encoding="utf-8")
    data = json.loads(path.read_text())
    assert data["schema"] == "backup-audit/inventory/v2"
    assert [s["id"] for s in data["stores"]] == sorted(s["id"] for s in data["stores"])
