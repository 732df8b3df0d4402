"""Quarantined rows for a person: a table for the terminal, a CSV file safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lms_pipeline.reporting.spreadsheet import csv_bytes
from lms_pipeline.wording import shown

# lms.quarantine's columns (StoreTables keys) as the export names them.
EXPORTED = {
    "QuarantineIdentifier": "id",
    "LoadRunId": "run",
    "ResourceName": "resource",
    "FilePath": "file",
    "FullPath": "full_path",
    "LineNumber": "line",
    "ColumnName": "column",
    "CheckName": "check",
    "Value": "value",
    "Reason": "reason",
    "CreatedAt": "quarantined_at",
    "ResolvedAt": "resolved_at",
    "ResolvedByRunId": "resolved_by_run",
    "Resolution": "resolution",
}
VALUE_WIDTH = 40  # the terminal shows this much of a value; the export has all of it


def quarantine_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Every column of every row, under EXPORTED's names."""
    return csv_bytes(list(EXPORTED.values()), [{name: row[key] for key, name in EXPORTED.items()} for row in rows])


def quarantine_table(rows: Sequence[Mapping[str, Any]], with_resolution: bool) -> str:
    """One line per row: run, resource, file:line, column, check, value and reason (and how it was resolved),
    values with their invisible and control characters shown as codes, so none can act on the terminal."""
    headings = ["run", "resource", "file:line", "column", "check", "value", "reason"]
    headings += ["resolution"] if with_resolution else []
    cells = [_cells(row, with_resolution) for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headings)]
    widths[-1] = len(headings[-1])  # the last column is not padded: a long reason wraps as the terminal wraps it

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(headings), line(["-" * w for w in widths]), *map(line, cells)])


def _cells(row: Mapping[str, Any], with_resolution: bool) -> list[str]:
    place = f"{row['FilePath']}:{row['LineNumber']}" if row["LineNumber"] is not None else row["FilePath"]
    value = "" if row["Value"] is None else shown(row["Value"])
    if len(value) > VALUE_WIDTH:
        value = value[: VALUE_WIDTH - 1] + "…"
    cells = [str(row["LoadRunId"]), row["ResourceName"], shown(place)[1:-1], row["ColumnName"] or "(row)"]
    cells += [row["CheckName"], value, shown(row["Reason"])[1:-1]]
    if with_resolution:
        cells.append("open" if row["ResolvedAt"] is None else f"{row['Resolution']} (run {row['ResolvedByRunId']})")
    return cells
