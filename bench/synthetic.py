"""Synthetic estates as rich as real ones, for the evaluation and report benches.

The templates are the stores of a real-shaped inventory: the sample estate's (emulated
and collected by the real collectors, as ``backup-audit demo`` does) or a given
``inventory.json``. A synthetic estate of N stores clones them in turn — each clone with
its own id and name and its tags cycled through the tiers and classifications — so
stores carry evidence, several protections, copies, recovery summaries, restores and jobs
like collected ones. Clones of one template share their recovery facts, as many stores of
a real estate share their settings.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

CLASSES = ["phi", "pii", "financial", "internal", "public"]
TIERS = ["critical", "standard"]


def load_templates(path: Path | None) -> dict[str, Any]:
    """A real-shaped inventory as plain data: ``path``, or the sample estate collected in
    a child process (so the emulators' memory is not the bench's)."""
    if path is None:
        with tempfile.TemporaryDirectory() as tmp:
            made = Path(tmp) / "templates.json"
            subprocess.run([sys.executable, __file__, str(made)], check=True)
            return load_templates(made)
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data


def _collect_sample_estate(path: Path) -> None:
    """Emulate and collect the sample estate, as ``backup-audit demo`` does, into ``path``."""
    from scanner.demo import default_estate, emulate
    from scanner.inventory import write_snapshot

    write_snapshot(emulate(default_estate(), lambda: datetime.now(timezone.utc)), path)


def clone(template: dict[str, Any], i: int) -> dict[str, Any]:
    """The ``i``-th synthetic store made from ``template``."""
    store = copy.deepcopy(template)
    store["id"] = f"{template['id']}-{i:06d}"
    store["name"] = f"{template['name']}-{i:06d}"
    tags = store.get("tags")
    if isinstance(tags, dict):
        tags["data-classification"] = CLASSES[i % len(CLASSES)]
        tags["backup-tier"] = TIERS[(i // len(CLASSES)) % len(TIERS)]
    return store


def stores(templates: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    """``count`` synthetic stores, the templates taken in turn."""
    for i in range(count):
        yield clone(templates[i % len(templates)], i)


def write_inventory(path: Path, count: int, inventory: dict[str, Any]) -> None:
    """Stream an inventory of ``count`` synthetic stores made from ``inventory``'s, with its
    envelope and account facts, in the layout ``write_snapshot`` writes (indented, sorted
    keys), which evaluation reads a store at a time — one store at a time: keeps the
    bench's own memory low."""
    head = {k: v for k, v in inventory.items() if k != "parts"} | {"stores": []}
    text = orjson.dumps(head, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    before, after = text.split(b'\n  "stores": []', 1)
    with path.open("wb") as out:
        out.write(before + b'\n  "stores": [')
        for i, store in enumerate(stores(inventory["stores"], count)):
            dumped = orjson.dumps(store, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
            out.write((b"," if i else b"") + b"\n    " + dumped.replace(b"\n", b"\n    "))
        out.write(b"\n  ]" + after + b"\n")


if __name__ == "__main__":
    _collect_sample_estate(Path(sys.argv[1]))
