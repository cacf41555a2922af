"""CSV export of results: one row per store × rule, for spreadsheets and data tools."""

from __future__ import annotations

import csv
from typing import Any, TextIO

from scanner.render.inert import for_csv

COLUMNS = [
    "resource_id",
    "cloud",
    "account",
    "region",
    "kind",
    "name",
    "owner",
    "rule",
    "title",
    "status",
    "severity",
    "frameworks",
    "message",
    "missing",
    "exception_reason",
    "exception_expires",
    "evidence_operations",
    "copies_observed",
    "copies_configured",
    "period",
]


class CsvResults:
    """Writes results as they come to a text stream (give it an ``atomic_writer``)."""

    def __init__(self, stream: TextIO, period: str = "", header: bool = True) -> None:
        self._stream, self._writer = stream, csv.writer(stream)
        if header:
            self._writer.writerow(COLUMNS)
        self._period = period

    def add_rows(self, rows: str) -> None:
        """Rows another ``CsvResults`` (without a header) wrote, e.g. in a worker process."""
        self._stream.write(rows)

    def add(self, result: dict[str, Any]) -> None:
        """One row."""
        resource, exception = result["resource"], result.get("exception") or {}
        copies = result.get("copies") or {}
        row = [
            resource["id"],
            resource["cloud"],
            resource["account"],
            resource["region"],
            resource["kind"],
            resource["name"],
            resource.get("owner", ""),
            result["rule"],
            result["title"],
            result["status"],
            result["severity"],
            "; ".join(f"{f} {', '.join(ids)}" for f, ids in sorted(result["frameworks"].items())),
            result["message"],
            "; ".join(result.get("missing") or []),
            exception.get("reason", ""),
            exception.get("expires", ""),
            "; ".join(sorted({str(e["operation"]) for e in result.get("evidence") or []})),
            "; ".join(copies.get("observed", [])),
            "; ".join(copies.get("configured", [])),
            self._period,
        ]
        self._writer.writerow([for_csv(cell) for cell in row])
