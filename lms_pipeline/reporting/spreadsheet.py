"""Cells that a spreadsheet would run as a formula, made inert before they are written to a CSV file.

Excel, LibreOffice Calc and Google Sheets evaluate a cell that starts with `=`, `+`, `-` or `@` (and some skip a
leading tab or carriage return first), so a value copied from an extract, such as `=HYPERLINK("http://x","y")`
or the DDE payload `=cmd|' /C calc'!A0`, would run when a report is opened. As OWASP advises ("CSV Injection"),
such a cell gets a leading single quote, which makes the spreadsheet show it as text (the quote is visible in a
text editor and in Python's csv module: the report no longer holds the value byte for byte).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number (-5, +1.5) runs nothing: a spreadsheet reads it as that number. Quoting it would turn negative
# points, which the store keeps, into text; anything more (-1+1, -5e3, -A1) is quoted.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def safe_cell(value: object) -> object:
    """The value as a CSV cell may hold it: text that would start a formula gets a leading single quote. Values
    that are not text (numbers, dates, None from the database) are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_bytes(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The rows as UTF-8 CSV with rows ending in LF, each cell safe to open in a spreadsheet (safe_cell).

    The writer is told CRLF, so that it quotes a value holding a lone CR: Python before 3.13 quotes only the
    characters of the line terminator, and a bare CR splits the row for every reader, the rest of the value
    becoming a cell of its own (a formula, if it starts with `=`). Each row's CRLF is then made LF."""
    lines = _Lines()
    writer = csv.DictWriter(lines, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: safe_cell(value) for column, value in row.items()} for row in rows)
    return "".join(line.removesuffix("\r\n") + "\n" for line in lines).encode("utf-8")


class _Lines(list[str]):
    """A file for the csv writer, which writes each row with one call: the rows, one string each."""

    write = list.append
